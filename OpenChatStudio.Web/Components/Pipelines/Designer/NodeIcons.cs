using System.Text.Json.Nodes;
using MudBlazor;

namespace OpenChatStudio.Web.Components.Pipelines.Designer;

/// <summary>What a node shows on the canvas and in the palette: its type's icon and a one-line summary of its params.</summary>
public static class NodeIcons
{
    private static readonly Dictionary<string, string> ByName = new(StringComparer.Ordinal)
    {
        ["alt_route"] = Icons.Material.Filled.AltRoute,
        ["arrow_forward"] = Icons.Material.Filled.ArrowForward,
        ["call_split"] = Icons.Material.Filled.CallSplit,
        ["code"] = Icons.Material.Filled.Code,
        ["data_object"] = Icons.Material.Filled.DataObject,
        ["description"] = Icons.Material.Filled.Description,
        ["mail"] = Icons.Material.Filled.Mail,
        ["manage_accounts"] = Icons.Material.Filled.ManageAccounts,
        ["play_arrow"] = Icons.Material.Filled.PlayArrow,
        ["smart_toy"] = Icons.Material.Filled.SmartToy,
        ["stop"] = Icons.Material.Filled.Stop,
    };

    /// <summary>The MudBlazor icon for a node type's Material icon name (a neutral one when unknown).</summary>
    public static string For(string? name) => name is not null && ByName.TryGetValue(name, out var icon) ? icon : Icons.Material.Filled.Widgets;

    /// <summary>The model a node calls, when it calls one.</summary>
    public static string? Model(JsonObject parameters) => Text(parameters, "llm_model");

    /// <summary>The first line of what the node says or renders (prompt, template, email subject), when it has one.</summary>
    public static string? FirstLine(JsonObject parameters)
    {
        foreach (var key in (string[])["prompt", "template_string", "subject", "route_key"])
        {
            if (Text(parameters, key) is { } text)
            {
                var line = text.Split('\n', StringSplitOptions.TrimEntries | StringSplitOptions.RemoveEmptyEntries).FirstOrDefault();
                if (line is not null)
                {
                    return key == "route_key" ? $"Routes on {line}" : line;
                }
            }
        }
        return null;
    }

    private static string? Text(JsonObject parameters, string key) =>
        parameters[key] is JsonValue value && value.TryGetValue<string>(out var text) && !string.IsNullOrWhiteSpace(text) ? text : null;
}
