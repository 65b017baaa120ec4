namespace OpenChatStudio.Core.Chat;

/// <summary>
/// Runs work for one session strictly one at a time, in arrival order: a queue per session, not a lock that drops
/// messages. Different sessions run in parallel. (Per process: with several app instances, route a session to one
/// instance or add a distributed queue.)
/// </summary>
public sealed class SessionWorkQueue
{
    private readonly object _sync = new();
    private readonly Dictionary<Guid, Task> _tails = new();

    public Task<T> EnqueueAsync<T>(Guid sessionId, Func<Task<T>> work)
    {
        // The work may only start once it is the session's recorded tail and the lock is released: work that completes
        // synchronously and enqueues more for the same session (an event sink, say) then queues behind it, not beside it.
        var start = new TaskCompletionSource();
        Task<T> next;
        lock (_sync)
        {
            var previous = _tails.GetValueOrDefault(sessionId) ?? Task.CompletedTask;
            next = RunAfterAsync(previous, start.Task, work);
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

    private static async Task<T> RunAfterAsync<T>(Task previous, Task start, Func<Task<T>> work)
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
        return await work().ConfigureAwait(false);
    }
}
