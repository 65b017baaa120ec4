using OpenChatStudio.Core.Pipelines.Registry;

namespace OpenChatStudio.Core.Pipelines.Nodes;

/// <summary>Shared by the routers: keyword <c>i</c> is output port <c>output_i</c> (as OCS).</summary>
public static class RouterKeywords
{
    public static IReadOnlyList<OutputPort> Ports(IReadOnlyList<string> keywords) =>
        keywords.Select((k, i) => new OutputPort($"output_{i}", k)).ToList();

    public static IEnumerable<GraphValidationIssue> Validate(IReadOnlyList<string> keywords, int defaultIndex)
    {
        if (keywords.Count == 0)
        {
            yield return new GraphValidationIssue("keywords", "Add at least one route.");
            yield break;
        }
        if (keywords.Any(string.IsNullOrWhiteSpace))
        {
            yield return new GraphValidationIssue("keywords", "Route names cannot be empty.");
        }
        var duplicates = keywords.Where(k => !string.IsNullOrWhiteSpace(k)).GroupBy(k => k.Trim().ToUpperInvariant()).Where(g => g.Count() > 1).Select(g => g.Key).ToList();
        if (duplicates.Count > 0)
        {
            yield return new GraphValidationIssue("keywords", $"Route names must be unique: {string.Join(", ", duplicates)}.");
        }
        if (defaultIndex < 0 || defaultIndex >= keywords.Count)
        {
            yield return new GraphValidationIssue("default_keyword_index", "The default route must be one of the routes.");
        }
    }

    /// <summary>The port for a value (case-insensitive, trimmed), or the default route's port.</summary>
    public static (string Port, bool Matched) Match(IReadOnlyList<string> keywords, int defaultIndex, string? value)
    {
        var wanted = value?.Trim().ToUpperInvariant();
        for (var i = 0; i < keywords.Count; i++)
        {
            if (keywords[i].Trim().ToUpperInvariant() == wanted)
            {
                return ($"output_{i}", true);
            }
        }
        return ($"output_{defaultIndex}", false);
    }
}
