using System.Data.Common;
using Microsoft.EntityFrameworkCore;
using Microsoft.EntityFrameworkCore.Diagnostics;

namespace OpenChatStudio.Tests.TestSupport;

/// <summary>
/// Counts what reaches the database: reads, saves, every command, and round trips — a save is one round trip however many
/// statements it holds (PostgreSQL batches them; SQLite runs them one by one in-process).
/// </summary>
public sealed class SqlCommandCounter : DbCommandInterceptor, ISaveChangesInterceptor
{
    private readonly System.Collections.Concurrent.ConcurrentQueue<string> _texts = new();
    private readonly System.Collections.Concurrent.ConcurrentDictionary<DbContext, byte> _saving = new();
    private int _saves;
    private int _statementsInSaves;

    public int Reads => _texts.Count(t => t.TrimStart().StartsWith("SELECT", StringComparison.OrdinalIgnoreCase));

    public int Saves => Volatile.Read(ref _saves);

    /// <summary>Every command sent (reads, each statement of a save, bulk updates).</summary>
    public int Commands => _texts.Count;

    /// <summary>Reads and bulk statements, plus one per save.</summary>
    public int RoundTrips => _texts.Count - Volatile.Read(ref _statementsInSaves) + Saves;

    /// <summary>The commands since the last reset (shown when a count assertion fails).</summary>
    public string Log => string.Join("\n---\n", _texts);

    public void Reset()
    {
        _texts.Clear();
        Interlocked.Exchange(ref _saves, 0);
        Interlocked.Exchange(ref _statementsInSaves, 0);
    }

    public ValueTask<InterceptionResult<int>> SavingChangesAsync(DbContextEventData eventData, InterceptionResult<int> result,
        CancellationToken cancellationToken = default)
    {
        Interlocked.Increment(ref _saves);
        if (eventData.Context is { } context)
        {
            _saving[context] = 0;
        }
        return ValueTask.FromResult(result);
    }

    public ValueTask<int> SavedChangesAsync(SaveChangesCompletedEventData eventData, int result, CancellationToken cancellationToken = default)
    {
        Done(eventData.Context);
        return ValueTask.FromResult(result);
    }

    public Task SaveChangesFailedAsync(DbContextErrorEventData eventData, CancellationToken cancellationToken = default)
    {
        Done(eventData.Context);
        return Task.CompletedTask;
    }

    private void Done(DbContext? context)
    {
        if (context is not null)
        {
            _saving.TryRemove(context, out _);
        }
    }

    private void Record(DbCommand command, CommandEventData eventData)
    {
        if (eventData.Context is { } context && _saving.ContainsKey(context))
        {
            Interlocked.Increment(ref _statementsInSaves);
        }
        _texts.Enqueue(command.CommandText);
    }

    public override ValueTask<InterceptionResult<DbDataReader>> ReaderExecutingAsync(DbCommand command, CommandEventData eventData,
        InterceptionResult<DbDataReader> result, CancellationToken cancellationToken = default)
    {
        Record(command, eventData);
        return base.ReaderExecutingAsync(command, eventData, result, cancellationToken);
    }

    public override ValueTask<InterceptionResult<object>> ScalarExecutingAsync(DbCommand command, CommandEventData eventData,
        InterceptionResult<object> result, CancellationToken cancellationToken = default)
    {
        Record(command, eventData);
        return base.ScalarExecutingAsync(command, eventData, result, cancellationToken);
    }

    public override ValueTask<InterceptionResult<int>> NonQueryExecutingAsync(DbCommand command, CommandEventData eventData,
        InterceptionResult<int> result, CancellationToken cancellationToken = default)
    {
        Record(command, eventData);
        return base.NonQueryExecutingAsync(command, eventData, result, cancellationToken);
    }
}
