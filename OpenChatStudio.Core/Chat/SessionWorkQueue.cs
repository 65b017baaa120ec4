using OpenChatStudio.Core.ScaleOut;

namespace OpenChatStudio.Core.Chat;

/// <summary>
/// Runs work for one session strictly one at a time, in arrival order: a queue per session, not a lock that drops
/// messages. Different sessions run in parallel. Each piece of work also holds the session's <see cref="ISessionLock"/>:
/// with Redis configured, work of one session on different app instances never overlaps either (in-process order is
/// arrival order; across instances, whichever instance takes the lock first).
/// </summary>
public sealed class SessionWorkQueue(ISessionLock sessionLock)
{
    /// <summary>A queue for one process only (no distributed lock).</summary>
    public SessionWorkQueue()
        : this(InProcessSessionLock.Instance)
    {
    }

    /// <summary>Whether work is also excluded across app instances.</summary>
    public bool IsDistributed => sessionLock.IsDistributed;

    private readonly object _sync = new();
    private readonly Dictionary<Guid, Task> _tails = new();

    public Task<T> EnqueueAsync<T>(Guid sessionId, Func<Task<T>> work)
    {
        // The work may only start once it is the session's recorded tail and the lock is released: work that completes
        // synchronously and enqueues more for the same session (an event sink, say) then queues behind it, not beside it.
        // It starts on the thread pool, never inline on the caller's thread: a request that enqueues a turn (the chat
        // API's 202) returns at once instead of running the turn's first queries itself.
        var start = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        Task<T> next;
        lock (_sync)
        {
            var previous = _tails.GetValueOrDefault(sessionId) ?? Task.CompletedTask;
            next = RunAfterAsync(sessionId, previous, start.Task, work);
            _tails[sessionId] = next;
        }
        start.SetResult();
        _ = next.ContinueWith(
            done =>
            {
                lock (_sync)
                {
                    if (_tails.TryGetValue(sessionId, out var tail) && tail == done)
                    {
                        _tails.Remove(sessionId);
                    }
                }
            },
            CancellationToken.None, TaskContinuationOptions.ExecuteSynchronously, TaskScheduler.Default);
        return next;
    }

    /// <summary>Sessions with queued or running work (for diagnostics and tests).</summary>
    public int ActiveSessions
    {
        get
        {
            lock (_sync)
            {
                return _tails.Count;
            }
        }
    }

    private async Task<T> RunAfterAsync<T>(Guid sessionId, Task previous, Task start, Func<Task<T>> work)
    {
        await start.ConfigureAwait(false);
        try
        {
            await previous.ConfigureAwait(false);
        }
        catch
        {
            // The previous message's failure is its own; this one still runs.
        }
        await using (await sessionLock.AcquireAsync(sessionId, CancellationToken.None).ConfigureAwait(false))
        {
            return await work().ConfigureAwait(false);
        }
    }
}
