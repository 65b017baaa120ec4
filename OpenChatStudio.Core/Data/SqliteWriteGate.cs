using System.Runtime.CompilerServices;
using Microsoft.EntityFrameworkCore;
using Microsoft.EntityFrameworkCore.Diagnostics;

namespace OpenChatStudio.Core.Data;

/// <summary>
/// SQLite allows one writer at a time. When two connections write at once, Microsoft.Data.Sqlite answers the loser's
/// "database is busy" by blocking its thread and retrying every 150 ms, which under load parks thread-pool threads and
/// serialises chat turns behind sleeps. This gate queues saves of this process asynchronously instead, so the database's
/// write lock is handed from one save to the next without anyone sleeping. (Writes that bypass SaveChanges, such as
/// <c>ExecuteUpdate</c>, still rely on SQLite's own busy handling; they are rare.) If a save waits longer than
/// <see cref="MaxWait"/> it proceeds anyway and SQLite's locking decides, so the gate can never deadlock a writer.
/// </summary>
internal sealed class SqliteWriteGate : SaveChangesInterceptor
{
    private static readonly TimeSpan MaxWait = TimeSpan.FromSeconds(5);
    private readonly SemaphoreSlim _gate = new(1, 1);
    private readonly ConditionalWeakTable<DbContext, object> _holders = new();

    public override InterceptionResult<int> SavingChanges(DbContextEventData eventData, InterceptionResult<int> result)
    {
        if (_gate.Wait(MaxWait))
        {
            Hold(eventData.Context);
        }
        return result;
    }

    public override async ValueTask<InterceptionResult<int>> SavingChangesAsync(DbContextEventData eventData, InterceptionResult<int> result,
        CancellationToken cancellationToken = default)
    {
        if (await _gate.WaitAsync(MaxWait, cancellationToken))
        {
            Hold(eventData.Context);
        }
        return result;
    }

    public override int SavedChanges(SaveChangesCompletedEventData eventData, int result)
    {
        Release(eventData.Context);
        return result;
    }

    public override ValueTask<int> SavedChangesAsync(SaveChangesCompletedEventData eventData, int result, CancellationToken cancellationToken = default)
    {
        Release(eventData.Context);
        return ValueTask.FromResult(result);
    }

    public override void SaveChangesFailed(DbContextErrorEventData eventData) => Release(eventData.Context);

    public override Task SaveChangesFailedAsync(DbContextErrorEventData eventData, CancellationToken cancellationToken = default)
    {
        Release(eventData.Context);
        return Task.CompletedTask;
    }

    public override void SaveChangesCanceled(DbContextEventData eventData) => Release(eventData.Context);

    public override Task SaveChangesCanceledAsync(DbContextEventData eventData, CancellationToken cancellationToken = default)
    {
        Release(eventData.Context);
        return Task.CompletedTask;
    }

    private void Hold(DbContext? context)
    {
        if (context is null || !_holders.TryAdd(context, this))
        {
            _gate.Release(); // nothing to release it later (or a nested save): do not keep it
        }
    }

    private void Release(DbContext? context)
    {
        if (context is not null && _holders.Remove(context))
        {
            _gate.Release();
        }
    }
}
