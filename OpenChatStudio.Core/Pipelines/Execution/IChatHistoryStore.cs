using System.Collections.Concurrent;

namespace OpenChatStudio.Core.Pipelines.Execution;

/// <summary>Which conversation an LLM node remembers (OCS history_type).</summary>
public enum HistoryType
{
    /// <summary>No memory: every turn is new.</summary>
    [Registry.FieldLabel("None (every message stands alone)")]
    None,

    /// <summary>This node's own exchanges only.</summary>
    [Registry.FieldLabel("This node's own exchanges")]
    Node,

    /// <summary>Exchanges shared by every node using the same history name.</summary>
    [Registry.FieldLabel("A named history shared by nodes")]
    Named,

    /// <summary>The session's whole conversation (user messages and bot replies).</summary>
    [Registry.FieldLabel("The whole conversation")]
    Global,
}

public sealed record HistoryKey(Guid SessionId, HistoryType Type, string Name);

public sealed record HistoryTurn(string Human, string Ai);

/// <summary>Stores the exchanges LLM nodes remember between messages.</summary>
public interface IChatHistoryStore
{
    /// <summary>The most recent turns have to fit in a prompt: at most this many are loaded when nothing narrower is asked.</summary>
    public const int MaxTurnsLoaded = 1000;

    /// <summary>
    /// The remembered exchanges, oldest first: the last <paramref name="lastTurns"/> (or <see cref="MaxTurnsLoaded"/>), bounded
    /// where they are read rather than after loading everything.
    /// </summary>
    Task<IReadOnlyList<HistoryTurn>> LoadAsync(HistoryKey key, int? lastTurns, CancellationToken ct);

    Task AppendAsync(HistoryKey key, HistoryTurn turn, CancellationToken ct);
}

/// <summary>History kept in memory (editor test runs, unit tests, the benchmark).</summary>
public sealed class InMemoryChatHistoryStore : IChatHistoryStore
{
    private readonly ConcurrentDictionary<HistoryKey, List<HistoryTurn>> _turns = new();

    public Task<IReadOnlyList<HistoryTurn>> LoadAsync(HistoryKey key, int? lastTurns, CancellationToken ct)
    {
        if (!_turns.TryGetValue(key, out var list))
        {
            return Task.FromResult<IReadOnlyList<HistoryTurn>>([]);
        }
        var take = Math.Min(lastTurns ?? IChatHistoryStore.MaxTurnsLoaded, IChatHistoryStore.MaxTurnsLoaded);
        lock (list)
        {
            return Task.FromResult<IReadOnlyList<HistoryTurn>>(list.Skip(Math.Max(0, list.Count - take)).ToList());
        }
    }

    public Task AppendAsync(HistoryKey key, HistoryTurn turn, CancellationToken ct)
    {
        var list = _turns.GetOrAdd(key, _ => []);
        lock (list)
        {
            list.Add(turn);
        }
        return Task.CompletedTask;
    }
}
