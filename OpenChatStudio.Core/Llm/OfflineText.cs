using System.Text.Json;
using Microsoft.SemanticKernel;

namespace OpenChatStudio.Core.Llm;

/// <summary>Text helpers shared by the offline model's parts.</summary>
internal static class OfflineText
{
    public static string Of(ChatMessageContent message) =>
        string.Join("\n", message.Items.OfType<TextContent>().Select(t => t.Text).Where(t => !string.IsNullOrEmpty(t)));

    /// <summary>The part of a message a person wrote: everything before the JSON schema marker.</summary>
    public static string Prose(ChatMessageContent message)
    {
        var text = Of(message);
        var marker = text.IndexOf(OfflineModel.JsonSchemaMarker, StringComparison.Ordinal);
        return marker < 0 ? text : text[..marker];
    }

    public static int Words(string? text) =>
        string.IsNullOrWhiteSpace(text) ? 0 : text.Split((char[]?)null, StringSplitOptions.RemoveEmptyEntries).Length;

    public static string Render(object? value) => value switch
    {
        null => "nothing",
        string s => s,
        JsonElement { ValueKind: JsonValueKind.String } e => e.GetString() ?? "",
        JsonElement e => e.GetRawText(),
        FunctionResult r => Render(r.GetValue<object>()),
        bool b => b ? "true" : "false",
        IFormattable f => f.ToString(null, System.Globalization.CultureInfo.InvariantCulture),
        _ => JsonSerializer.Serialize(value),
    };
}
