using System.Text.Json;
using System.Text.Json.Nodes;
using OpenChatStudio.Core.Chatbots;
using OpenChatStudio.Core.Pipelines.Graph;

namespace OpenChatStudio.Core.Versions;

/// <summary>What a version (or the working version) contains, as compared by <see cref="VersionDiffer"/>.</summary>
public sealed record VersionContent(
    string Label,
    string Name,
    string Description,
    string? SeedMessage,
    string PipelineJson,
    string LayoutJson,
    string ParticipantAllowlistJson,
    bool FileUploadsEnabled,
    Guid? ConsentFormId,
    string TriggersJson)
{
    public static VersionContent Working(Chatbot c) => new("Working version", c.Name, c.Description, c.SeedMessage, c.PipelineJson,
        c.LayoutJson, c.ParticipantAllowlistJson, c.FileUploadsEnabled, c.ConsentFormId, c.TriggersJson);

    public static VersionContent Of(ChatbotVersion v) => new($"Version {v.Number}", v.Name, v.ChatbotDescription, v.SeedMessage,
        v.PipelineJson, v.LayoutJson, v.ParticipantAllowlistJson, v.FileUploadsEnabled, v.ConsentFormId, v.TriggersJson);
}

public enum ChangeKind
{
    Added,
    Removed,
    Changed,
}

/// <summary>One field whose value differs; values are shown as text (null: not set).</summary>
public sealed record FieldChange(string Field, string? Before, string? After);

/// <summary>A pipeline node added, removed or changed (with the fields that changed: name, type, params).</summary>
public sealed record NodeChange(ChangeKind Kind, string NodeId, string Name, string Type, IReadOnlyList<FieldChange> Fields);

/// <summary>A connection added or removed, with the node names at both ends.</summary>
public sealed record EdgeChange(ChangeKind Kind, string SourceName, string SourcePort, string TargetName);

/// <summary>A readable difference between two versions: settings, pipeline nodes and edges, designer layout.</summary>
public sealed record VersionDiff(
    string FromLabel,
    string ToLabel,
    IReadOnlyList<FieldChange> Settings,
    IReadOnlyList<NodeChange> Nodes,
    IReadOnlyList<EdgeChange> Edges,
    bool LayoutChanged)
{
    public bool IsEmpty => Settings.Count == 0 && Nodes.Count == 0 && Edges.Count == 0 && !LayoutChanged;
}

/// <summary>Compares two <see cref="VersionContent"/>s. Pure: no database, no clock.</summary>
public static class VersionDiffer
{
    public static VersionDiff Compare(VersionContent from, VersionContent to)
    {
        var settings = new List<FieldChange>();
        AddIfChanged(settings, "Name", from.Name, to.Name);
        AddIfChanged(settings, "Description", from.Description, to.Description);
        AddIfChanged(settings, "Seed message", Blank(from.SeedMessage), Blank(to.SeedMessage));
        AddIfChanged(settings, "Participant allowlist", NormalizeJson(from.ParticipantAllowlistJson), NormalizeJson(to.ParticipantAllowlistJson));
        AddIfChanged(settings, "File uploads", from.FileUploadsEnabled ? "on" : "off", to.FileUploadsEnabled ? "on" : "off");
        AddIfChanged(settings, "Consent form", from.ConsentFormId?.ToString(), to.ConsentFormId?.ToString());
        AddIfChanged(settings, "Triggers", NormalizeJson(from.TriggersJson), NormalizeJson(to.TriggersJson));

        var before = ParseGraph(from.PipelineJson);
        var after = ParseGraph(to.PipelineJson);
        var nodes = new List<NodeChange>();
        var beforeById = before.Nodes.ToDictionary(n => n.Id);
        var afterById = after.Nodes.ToDictionary(n => n.Id);
        foreach (var n in before.Nodes.Where(n => !afterById.ContainsKey(n.Id)))
        {
            nodes.Add(new NodeChange(ChangeKind.Removed, n.Id, n.Name, n.Type, []));
        }
        foreach (var n in after.Nodes)
        {
            if (!beforeById.TryGetValue(n.Id, out var old))
            {
                nodes.Add(new NodeChange(ChangeKind.Added, n.Id, n.Name, n.Type,
                    n.Params.OrderBy(p => p.Key, StringComparer.Ordinal).Select(p => new FieldChange(p.Key, null, Show(p.Value))).ToList()));
                continue;
            }
            var fields = new List<FieldChange>();
            AddIfChanged(fields, "name", old.Name, n.Name);
            AddIfChanged(fields, "type", old.Type, n.Type);
            foreach (var key in old.Params.Select(p => p.Key).Union(n.Params.Select(p => p.Key)).Order(StringComparer.Ordinal))
            {
                var a = old.Params.TryGetPropertyValue(key, out var av) ? av : null;
                var b = n.Params.TryGetPropertyValue(key, out var bv) ? bv : null;
                if (!JsonNode.DeepEquals(a, b))
                {
                    fields.Add(new FieldChange(key, Show(a), Show(b)));
                }
            }
            if (fields.Count > 0)
            {
                nodes.Add(new NodeChange(ChangeKind.Changed, n.Id, n.Name, n.Type, fields));
            }
        }

        string NameOf(string id) => afterById.TryGetValue(id, out var a) ? a.Name : beforeById.TryGetValue(id, out var b) ? b.Name : id;
        var edges = before.Edges.Except(after.Edges).Select(e => new EdgeChange(ChangeKind.Removed, NameOf(e.Source), e.SourcePort, NameOf(e.Target)))
            .Concat(after.Edges.Except(before.Edges).Select(e => new EdgeChange(ChangeKind.Added, NameOf(e.Source), e.SourcePort, NameOf(e.Target))))
            .ToList();

        var layoutChanged = NormalizeJson(from.LayoutJson) != NormalizeJson(to.LayoutJson);
        return new VersionDiff(from.Label, to.Label, settings, nodes, edges, layoutChanged);
    }

    private static void AddIfChanged(List<FieldChange> changes, string field, string? before, string? after)
    {
        if (!string.Equals(before, after, StringComparison.Ordinal))
        {
            changes.Add(new FieldChange(field, before, after));
        }
    }

    private static string? Blank(string? s) => string.IsNullOrEmpty(s) ? null : s;

    private static string? Show(JsonNode? node) => node switch
    {
        null => null,
        JsonValue v when v.TryGetValue<string>(out var s) => s,
        _ => node.ToJsonString(),
    };

    private static PipelineGraph ParseGraph(string json)
    {
        try
        {
            return PipelineGraph.FromJson(string.IsNullOrWhiteSpace(json) ? PipelineGraph.Empty.ToJson() : json);
        }
        catch (JsonException)
        {
            return PipelineGraph.Empty;
        }
    }

    /// <summary>Compact JSON so formatting differences are not reported as changes.</summary>
    private static string NormalizeJson(string? json)
    {
        if (string.IsNullOrWhiteSpace(json))
        {
            return "";
        }
        try
        {
            return JsonNode.Parse(json)?.ToJsonString() ?? "";
        }
        catch (JsonException)
        {
            return json;
        }
    }
}
