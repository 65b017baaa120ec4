using System.Text;
using System.Text.RegularExpressions;
using OpenChatStudio.Core.Pipelines.Execution;
using OpenChatStudio.Core.Pipelines.Registry;

namespace OpenChatStudio.Core.Pipelines.Llm;

/// <summary>
/// System prompt variables, as OCS: <c>{participant_data}</c>, <c>{source_material}</c>, <c>{current_datetime}</c>,
/// <c>{temp_state}</c>, <c>{session_state}</c>. Literal braces are doubled (<c>{{</c>, <c>}}</c>).
/// </summary>
public static partial class PromptVariables
{
    public static readonly IReadOnlyList<string> Known = ["participant_data", "source_material", "current_datetime", "temp_state", "session_state"];

    public static IEnumerable<GraphValidationIssue> Validate(string prompt, string field)
    {
        foreach (Match m in VariableRegex().Matches(Unescape(prompt, out _)))
        {
            var name = m.Groups[1].Value;
            if (!Known.Contains(name))
            {
                yield return new GraphValidationIssue(field, $"Unknown prompt variable {{{name}}}. Available: {string.Join(", ", Known.Select(k => "{" + k + "}"))}. Write {{{{ and }}}} for literal braces.");
            }
        }
    }

    public static bool Uses(string prompt, string variable) => prompt.Contains("{" + variable + "}", StringComparison.Ordinal);

    public static async Task<string> FormatAsync(string prompt, NodeContext context, Guid? sourceMaterialId, CancellationToken ct)
    {
        var text = Unescape(prompt, out var placeholders);
        string? sourceMaterial = null;
        if (Uses(text, "source_material") && sourceMaterialId is { } id)
        {
            sourceMaterial = await context.Services.Resources.GetSourceMaterialAsync(id, ct);
        }
        var result = VariableRegex().Replace(text, m => m.Groups[1].Value switch
        {
            "participant_data" => context.State.ParticipantDataSnapshot().ToJsonString(),
            "session_state" => context.State.SessionStateSnapshot().ToJsonString(),
            "temp_state" => context.State.TempStateSnapshot().ToJsonString(),
            "current_datetime" => context.Services.Clock.GetUtcNow().ToString("dddd, d MMMM yyyy HH:mm 'UTC'", System.Globalization.CultureInfo.InvariantCulture),
            "source_material" => sourceMaterial ?? "",
            _ => m.Value,
        });
        return placeholders.Aggregate(new StringBuilder(result), (sb, p) => sb.Replace(p.Key, p.Value)).ToString();
    }

    private static string Unescape(string prompt, out Dictionary<string, string> placeholders)
    {
        placeholders = new Dictionary<string, string> { ["\u0001"] = "{", ["\u0002"] = "}" };
        return prompt.Replace("{{", "\u0001", StringComparison.Ordinal).Replace("}}", "\u0002", StringComparison.Ordinal);
    }

    [GeneratedRegex(@"\{([A-Za-z_][A-Za-z0-9_]*)\}")]
    private static partial Regex VariableRegex();
}
