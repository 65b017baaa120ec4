using System.Globalization;
using System.Text.Json;
using System.Text.Json.Nodes;

namespace OpenChatStudio.Core.Pipelines.Execution;

public enum ParticipantDataChangeKind
{
    /// <summary>The key takes <see cref="ParticipantDataChange.Value"/>.</summary>
    Set,

    /// <summary>The key is removed.</summary>
    Delete,

    /// <summary>The key's number grows by <see cref="ParticipantDataChange.By"/> (a missing or non-number value counts as 0).</summary>
    Increment,

    /// <summary><see cref="ParticipantDataChange.Value"/> (each item, for an array) is added to the key's list.</summary>
    Append,

    /// <summary>Every key is removed (a person or the API replaced the whole object).</summary>
    Clear,
}

/// <summary>
/// One change a writer made to participant data. Writers store their changes, not the object they read: the changes are
/// applied to the data stored when the write happens (<see cref="ApplyAll"/>), so writers working at the same time (a
/// participant's concurrent sessions, a tester in the playground) keep each other's keys, and increments and appends add up.
/// </summary>
public sealed record ParticipantDataChange(ParticipantDataChangeKind Kind, string Key, JsonNode? Value = null, double By = 0)
{
    public static ParticipantDataChange Set(string key, JsonNode? value) => new(ParticipantDataChangeKind.Set, key, value?.DeepClone());

    public static ParticipantDataChange Delete(string key) => new(ParticipantDataChangeKind.Delete, key);

    public static ParticipantDataChange Increment(string key, double by) => new(ParticipantDataChangeKind.Increment, key, By: by);

    public static ParticipantDataChange Append(string key, JsonNode? value) => new(ParticipantDataChangeKind.Append, key, value?.DeepClone());

    public static readonly ParticipantDataChange Clear = new(ParticipantDataChangeKind.Clear, "");

    /// <summary>Replaces everything stored with <paramref name="data"/>: a clear, then a set per key.</summary>
    public static IReadOnlyList<ParticipantDataChange> Replace(JsonObject data) =>
        [Clear, .. data.Select(p => Set(p.Key, p.Value))];

    /// <summary>The changes that turn <paramref name="from"/> into <paramref name="to"/> (keys set, keys deleted).</summary>
    public static IReadOnlyList<ParticipantDataChange> Diff(JsonObject from, JsonObject to)
    {
        var changes = new List<ParticipantDataChange>();
        foreach (var (key, _) in from)
        {
            if (!to.ContainsKey(key))
            {
                changes.Add(Delete(key));
            }
        }
        foreach (var (key, value) in to)
        {
            if (!from.TryGetPropertyValue(key, out var before) || !JsonNode.DeepEquals(before, value))
            {
                changes.Add(Set(key, value));
            }
        }
        return changes;
    }

    /// <summary>Applies <paramref name="changes"/> in order to <paramref name="target"/>.</summary>
    public static void ApplyAll(JsonObject target, IEnumerable<ParticipantDataChange> changes)
    {
        foreach (var change in changes)
        {
            change.ApplyTo(target);
        }
    }

    /// <summary>Applies this change to <paramref name="target"/>; returns the key's new value (null after a delete or clear).</summary>
    public JsonNode? ApplyTo(JsonObject target)
    {
        switch (Kind)
        {
            case ParticipantDataChangeKind.Set:
                target[Key] = Value?.DeepClone();
                break;
            case ParticipantDataChangeKind.Delete:
                target.Remove(Key);
                return null;
            case ParticipantDataChangeKind.Clear:
                target.Clear();
                return null;
            case ParticipantDataChangeKind.Increment:
                // Any number counts, however it was created (parsed JSON, int, long, double); TryGetValue<double> misses ints.
                var current = target[Key] is JsonValue v && v.GetValueKind() == JsonValueKind.Number
                    ? double.Parse(v.ToJsonString(), NumberStyles.Float, CultureInfo.InvariantCulture)
                    : 0;
                var next = current + By;
                target[Key] = next == Math.Floor(next) && Math.Abs(next) < long.MaxValue ? JsonValue.Create((long)next) : JsonValue.Create(next);
                break;
            case ParticipantDataChangeKind.Append:
                var list = target[Key] switch
                {
                    JsonArray a => a,
                    null => new JsonArray(),
                    var existing => new JsonArray(existing.DeepClone()),
                };
                if (Value is JsonArray many)
                {
                    foreach (var item in many)
                    {
                        list.Add(item?.DeepClone());
                    }
                }
                else
                {
                    list.Add(Value?.DeepClone());
                }
                target[Key] = list;
                break;
        }
        return target[Key];
    }
}
