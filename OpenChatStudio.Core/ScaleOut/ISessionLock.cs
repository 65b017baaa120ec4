namespace OpenChatStudio.Core.ScaleOut;

/// <summary>
/// Mutual exclusion per chat session across app instances. <see cref="Chat.SessionWorkQueue"/> already runs one
/// session's work one piece at a time inside a process; this lock extends that to every instance sharing the database,
/// so two messages of one session never run at the same time even when they reach different instances.
/// </summary>
public interface ISessionLock
{
    /// <summary>True when other instances are excluded too (Redis); false for a single instance.</summary>
    bool IsDistributed { get; }

    /// <summary>Waits until this instance holds the session; dispose the result to release it.</summary>
    ValueTask<IAsyncDisposable> AcquireAsync(Guid sessionId, CancellationToken ct);
}

/// <summary>One instance: the process-wide session queue is all the exclusion needed.</summary>
public sealed class InProcessSessionLock : ISessionLock
{
    public static readonly InProcessSessionLock Instance = new();

    public bool IsDistributed => false;

    public ValueTask<IAsyncDisposable> AcquireAsync(Guid sessionId, CancellationToken ct) => ValueTask.FromResult<IAsyncDisposable>(Nothing.Held);

    private sealed class Nothing : IAsyncDisposable
    {
        public static readonly Nothing Held = new();

        public ValueTask DisposeAsync() => ValueTask.CompletedTask;
    }
}
