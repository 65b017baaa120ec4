using System.Text.Json.Nodes;

namespace OpenChatStudio.Core.Pipelines.Execution;

/// <summary>
/// One key of participant data or session state that a node (or a whole turn) added, changed or removed, with the values
/// before and after as JSON text (null when the key was absent). Stored in the trace, shown in the preview and transcript.
/// </summary>
public sealed record StateChange(string Scope, string Key, string Kind, string? Before, string? After)
{
    public const string ParticipantData = "participant_data";
    public const string SessionState = "session_state";
    public const string Added = "added";
    public const string Changed = "changed";
    public const string Removed = "removed";

    /// <summary>Values longer than this are cut in the trace (the state itself keeps all of it).</summary>
    public const int MaxValueLength = 500;

    /// <summary>The keys of <paramref name="after"/> that differ from <paramref name="before"/>, in key order.</summary>
    public static IReadOnlyList<StateChange> Diff(string scope, JsonObject before, JsonObject after)
    {
        var changes = new List<StateChange>();
        foreach (var key in before.Select(p => p.Key).Union(after.Select(p => p.Key), StringComparer.Ordinal).Order(StringComparer.Ordinal))
        {
            var had = before.TryGetPropertyValue(key, out var old);
            var has = after.TryGetPropertyValue(key, out var now);
            var change = Of(scope, key, had ? Text(old) : null, has ? Text(now) : null);
            if (change is not null)
            {
                changes.Add(change);
            }
        }
        return changes;
    }

    /// <summary>
    /// What a whole turn changed, from its nodes' changes in the order they ran: per key the value before the first node
    /// that touched it and after the last; keys that ended where they started are left out.
    /// </summary>
    public static IReadOnlyList<StateChange> Combine(IEnumerable<NodeTrace> trace)
    {
        var merged = new Dictionary<(string Scope, string Key), (string? Before, string? After)>();
        var order = new List<(string Scope, string Key)>();
        foreach (var change in trace.SelectMany(t => t.StateChanges ?? []))
        {
            var id = (change.Scope, change.Key);
            if (merged.TryGetValue(id, out var seen))
            {
                merged[id] = (seen.Before, change.After);
            }
            else
            {
                merged[id] = (change.Before, change.After);
                order.Add(id);
            }
        }
        return order.Select(id => Of(id.Scope, id.Key, merged[id].Before, merged[id].After)).OfType<StateChange>()
            .OrderBy(c => c.Scope, StringComparer.Ordinal).ToList();
    }

    private static StateChange? Of(string scope, string key, string? before, string? after) => (before, after) switch
    {
        (null, null) => null,
        (null, _) => new StateChange(scope, key, Added, null, after),
        (_, null) => new StateChange(scope, key, Removed, before, null),
        _ when before == after => null,
        _ => new StateChange(scope, key, Changed, before, after),
    };

    private static string Text(JsonNode? value)
    {
        var json = value?.ToJsonString() ?? "null";
        return json.Length <= MaxValueLength ? json : json[..MaxValueLength] + "…";
    }
}
