using System.Collections.Concurrent;
using System.Runtime.CompilerServices;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.Logging;
using OpenChatStudio.Core.Data;

namespace OpenChatStudio.Core.Chat;

/// <summary>
/// The durable inbox of the chat API: <see cref="AcceptAsync"/> stores the participant's message as an
/// <see cref="InboundMessage"/> (so a 202 never loses it) and hands it to <see cref="ChatRuntime"/> in the background, in
/// arrival order per session. The human <see cref="ChatMessage"/> is written by the runtime when processing starts, not
/// here. Rows left pending by a crash are processed again by <see cref="RecoverAsync"/> at start-up.
/// </summary>
public sealed partial class ChatInbox(
    IDbContextFactory<AppDbContext> dbFactory,
    ChatRuntime runtime,
    ChatTaskStreams streams,
    TimeProvider clock,
    ILogger<ChatInbox> logger) : IDisposable
{
    /// <summary>What clients see when processing failed unexpectedly (details go to the log and the run trace).</summary>
    public const string GenericError = "Sorry, something went wrong while generating a reply. Please try again.";

    /// <summary>Processing starts at most this many times per message; then recovery marks it failed (a poison message).</summary>
    public const int MaxAttempts = 3;

    /// <summary>What the transcript shows for a message recovery gave up on.</summary>
    public const string GaveUpError =
        "Not answered: processing this message was interrupted 3 times (the app stopped while it ran), so it was not tried again.";

    private readonly CancellationTokenSource _stopping = new();
    private readonly ConcurrentDictionary<Guid, Task<string?>> _running = new();
    private readonly ConcurrentDictionary<Guid, Task> _waiting = new();

    /// <summary>
    /// How long recovery waits before the third attempt at a message whose second attempt was interrupted, so a message
    /// that stops the app does not stop it again seconds after every restart.
    /// </summary>
    public TimeSpan RetryBackoff { get; set; } = TimeSpan.FromMinutes(1);

    public Task<InboundMessage> AcceptAsync(Guid teamId, Guid sessionId, string text, IReadOnlyList<int> attachmentIds,
        string? contextJson, CancellationToken ct) =>
        AcceptAsync(new InboundMessage(teamId, sessionId, text, attachmentIds, contextJson, clock.GetUtcNow().UtcDateTime), ct);

    /// <summary>
    /// A message from a messaging channel. Its platform id is unique per channel, so storing a redelivered message fails
    /// with <see cref="DbUpdateException"/> and nothing is processed twice.
    /// </summary>
    public Task<InboundMessage> AcceptAsync(Guid teamId, Guid sessionId, string text, IReadOnlyList<int> attachmentIds,
        Guid channelId, string externalId, CancellationToken ct) =>
        AcceptAsync(new InboundMessage(teamId, sessionId, text, attachmentIds, channelId, externalId, clock.GetUtcNow().UtcDateTime), ct);

    /// <summary>Completes with the processing error (null when answered) of a message this process is running; null when it is not.</summary>
    public Task<string?>? Following(Guid inboundId) => _running.TryGetValue(inboundId, out var task) ? task : null;

    private async Task<InboundMessage> AcceptAsync(InboundMessage row, CancellationToken ct)
    {
        var teamId = row.TeamId;
        await using (var db = await dbFactory.CreateForTeamAsync(teamId, ct))
        {
            db.InboundMessages.Add(row);
            await db.SaveChangesAsync(ct);
        }
        Dispatch(row, recovering: false);
        return row;
    }

    /// <summary>Completes when every message handed to the runtime so far has been processed (tests, shutdown).</summary>
    public Task WhenIdleAsync() => Task.WhenAll(_running.Values.Cast<Task>());

    /// <summary>
    /// Processes inbound messages still pending (the app stopped after accepting them). Each is checked inside its
    /// session's lock (<see cref="ChatRuntime"/>): a message already stored is not stored again; it is completed if its
    /// reply exists, otherwise its run is retried. Messages this process is working on are skipped.
    /// <para>
    /// A message that was running when the process died is not retried blindly: every start is counted first
    /// (<see cref="InboundMessage.Attempts"/>); a message interrupted once is retried at once, one interrupted twice only
    /// after <see cref="RetryBackoff"/>, and one interrupted <see cref="MaxAttempts"/> times is marked failed, with its
    /// human message in the transcript and the reason beside it, and never run again.
    /// </para>
    /// </summary>
    public async Task<int> RecoverAsync(CancellationToken ct)
    {
        List<InboundMessage> pending;
        await using (var db = await dbFactory.CreateDbContextAsync(ct))
        {
            pending = await db.InboundMessages.IgnoreQueryFilters().AsNoTracking()
                .Where(m => m.Status == InboundStatus.Pending).OrderBy(m => m.AcceptedAt).ToListAsync(ct);
        }
        var recovered = 0;
        foreach (var row in pending.Where(r => !_running.ContainsKey(r.Id) && !_waiting.ContainsKey(r.Id)))
        {
            if (row.Attempts >= MaxAttempts)
            {
                await GiveUpAsync(row, ct);
                continue;
            }
            var wait = row.Attempts < 2 ? TimeSpan.Zero
                : RetryBackoff - (clock.GetUtcNow().UtcDateTime - (row.LastAttemptAt ?? row.AcceptedAt));
            if (wait > TimeSpan.Zero)
            {
                _waiting[row.Id] = RetryLaterAsync(row, wait);
                LogRetryLater(row.Id, row.Attempts, wait.TotalSeconds);
            }
            else if (await CountAttemptAsync(row, ct))
            {
                Dispatch(row, recovering: true);
            }
            recovered++;
        }
        if (recovered > 0)
        {
            LogRecovered(recovered);
        }
        return recovered;
    }

    /// <summary>Messages recovery is waiting to retry (tests).</summary>
    public int WaitingCount => _waiting.Count;

    private async Task RetryLaterAsync(InboundMessage row, TimeSpan wait)
    {
        try
        {
            await Task.Delay(wait, clock, _stopping.Token).ConfigureAwait(false);
            if (await CountAttemptAsync(row, _stopping.Token).ConfigureAwait(false))
            {
                Dispatch(row, recovering: true);
            }
        }
        catch (OperationCanceledException)
        {
            // Shutting down: the row stays pending for the next start.
        }
        catch (Exception ex)
        {
            LogFailed(ex, row.Id, row.SessionId);
        }
        finally
        {
            _waiting.TryRemove(row.Id, out _);
        }
    }

    /// <summary>Counts one more start before it happens; false when the message is no longer pending.</summary>
    private async Task<bool> CountAttemptAsync(InboundMessage row, CancellationToken ct)
    {
        var now = clock.GetUtcNow().UtcDateTime;
        await using var db = await dbFactory.CreateForTeamAsync(row.TeamId, ct);
        var counted = await db.InboundMessages.Where(m => m.Id == row.Id && m.Status == InboundStatus.Pending)
            .ExecuteUpdateAsync(s => s.SetProperty(m => m.Attempts, m => m.Attempts + 1).SetProperty(m => m.LastAttemptAt, now), ct);
        return counted > 0;
    }

    private async Task GiveUpAsync(InboundMessage row, CancellationToken ct)
    {
        LogGaveUp(row.Id, row.SessionId, row.Attempts);
        Guid? humanId = null;
        try
        {
            humanId = await runtime.StoreUnansweredAsync(row.TeamId, row.SessionId, row.Text,
                new InboundDetails(row.Id, row.AttachmentIds, row.ContextJson, Recovering: true), ct);
        }
        catch (Exception ex) when (ex is not OperationCanceledException)
        {
            LogFailed(ex, row.Id, row.SessionId);
        }
        var now = clock.GetUtcNow().UtcDateTime;
        await using var db = await dbFactory.CreateForTeamAsync(row.TeamId, ct);
        await db.InboundMessages.Where(m => m.Id == row.Id && m.Status == InboundStatus.Pending)
            .ExecuteUpdateAsync(s => s.SetProperty(m => m.Status, InboundStatus.Failed)
                .SetProperty(m => m.Error, GaveUpError)
                .SetProperty(m => m.HumanMessageId, humanId)
                .SetProperty(m => m.FinishedAt, now), ct);
    }

    private void Dispatch(InboundMessage row, bool recovering)
    {
        streams.Open(row.Id);
        var token = _stopping.Token;
        ValueTask OnToken(string delta) => streams.AppendAsync(row.Id, delta);
        Task<ChatTurn> turn;
        try
        {
            // Enqueued synchronously, so messages of one session run in the order they were accepted.
            turn = runtime.SendAsync(row.TeamId, row.SessionId, row.Text, OnToken, token,
                new InboundDetails(row.Id, row.AttachmentIds, row.ContextJson, recovering));
        }
        catch (Exception ex)
        {
            turn = Task.FromException<ChatTurn>(ex);
        }
        var finishing = FinishAsync(row, turn);
        _running[row.Id] = finishing;
        _ = finishing.ContinueWith(_ => _running.TryRemove(row.Id, out var _), CancellationToken.None,
            TaskContinuationOptions.ExecuteSynchronously, TaskScheduler.Default);
    }

    /// <summary>Records the outcome on the inbox row; returns the error the participant should learn of (null when answered).</summary>
    private async Task<string?> FinishAsync(InboundMessage row, Task<ChatTurn> turn)
    {
        ChatTurn? result = null;
        string? error = null;
        try
        {
            result = await turn.ConfigureAwait(false);
            error = result.Error;
        }
        catch (OperationCanceledException) when (_stopping.IsCancellationRequested)
        {
            // Shutting down: the row stays pending and is recovered at the next start.
            streams.Complete(row.Id);
            return null;
        }
        catch (Exception ex)
        {
            LogFailed(ex, row.Id, row.SessionId);
            error = GenericError;
        }
        try
        {
            // One statement either way (no read first).
            var now = clock.GetUtcNow().UtcDateTime;
            await using var db = await dbFactory.CreateForTeamAsync(row.TeamId, CancellationToken.None);
            if (result is { AlreadyHandled: true })
            {
                // An earlier run (or another instance) answered it: complete the row if nobody has yet.
                await db.InboundMessages.Where(m => m.Id == row.Id && m.Status == InboundStatus.Pending).ExecuteUpdateAsync(u => u
                    .SetProperty(m => m.HumanMessageId, result.HumanMessageId)
                    .SetProperty(m => m.ReplyMessageId, result.ExistingReplyId)
                    .SetProperty(m => m.Status, InboundStatus.Complete)
                    .SetProperty(m => m.FinishedAt, now));
            }
            else
            {
                var stored = error is { Length: > 2000 } ? error[..2000] : error;
                var humanId = result?.HumanMessageId;
                var replyId = result?.Reply?.MessageId;
                var status = error is null ? InboundStatus.Complete : InboundStatus.Failed;
                await db.InboundMessages.Where(m => m.Id == row.Id).ExecuteUpdateAsync(u => u
                    .SetProperty(m => m.HumanMessageId, humanId)
                    .SetProperty(m => m.ReplyMessageId, replyId)
                    .SetProperty(m => m.Status, status)
                    .SetProperty(m => m.Error, stored)
                    .SetProperty(m => m.FinishedAt, now));
            }
        }
        catch (Exception ex)
        {
            LogFailed(ex, row.Id, row.SessionId);
        }
        finally
        {
            streams.Complete(row.Id);
        }
        return result is { AlreadyHandled: true } ? null : error;
    }

    /// <summary>Cancels work in flight and waiting retries; the source is not disposed, as a retry may still read its token.</summary>
    public void Dispose() => _stopping.Cancel();

    [LoggerMessage(Level = LogLevel.Error, Message = "Inbound message {InboundId} of session {SessionId} failed")]
    private partial void LogFailed(Exception ex, Guid inboundId, Guid sessionId);

    [LoggerMessage(Level = LogLevel.Error, Message = "Gave up on inbound message {InboundId} of session {SessionId}: processing was interrupted {Attempts} times")]
    private partial void LogGaveUp(Guid inboundId, Guid sessionId, int attempts);

    [LoggerMessage(Level = LogLevel.Warning, Message = "Inbound message {InboundId} was interrupted {Attempts} times; retrying in {Seconds:0} s")]
    private partial void LogRetryLater(Guid inboundId, int attempts, double seconds);

    [LoggerMessage(Level = LogLevel.Warning, Message = "Recovered {Count} inbound chat messages left pending by the previous run")]
    private partial void LogRecovered(int count);
}

/// <summary>
/// Token deltas of inbound messages being processed, for the SSE endpoint. In memory, per process: a subscriber gets
/// every delta produced so far and then new ones until the message completes. Kept for a short while after completion.
/// </summary>
public sealed class ChatTaskStreams
{
    public static readonly TimeSpan Retention = TimeSpan.FromMinutes(2);

    private readonly ConcurrentDictionary<Guid, State> _states = new();

    public void Open(Guid taskId) => _states.TryAdd(taskId, new State());

    public ValueTask AppendAsync(Guid taskId, string delta)
    {
        if (delta.Length > 0 && _states.TryGetValue(taskId, out var state))
        {
            state.Add(delta);
        }
        return ValueTask.CompletedTask;
    }

    public void Complete(Guid taskId)
    {
        if (_states.TryGetValue(taskId, out var state))
        {
            state.Finish();
            _ = Task.Delay(Retention).ContinueWith(_ => _states.TryRemove(taskId, out var _), TaskScheduler.Default);
        }
    }

    /// <summary>Deltas so far, then new ones as they come, until the message completes. Nothing for an unknown task.</summary>
    public async IAsyncEnumerable<string> ReadAsync(Guid taskId, [EnumeratorCancellation] CancellationToken ct)
    {
        if (!_states.TryGetValue(taskId, out var state))
        {
            yield break;
        }
        var index = 0;
        while (true)
        {
            var (batch, done, changed) = state.Read(index);
            index += batch.Length;
            foreach (var delta in batch)
            {
                yield return delta;
            }
            if (done)
            {
                yield break;
            }
            await changed.WaitAsync(ct).ConfigureAwait(false);
        }
    }

    private sealed class State
    {
        private readonly Lock _sync = new();
        private readonly List<string> _deltas = [];
        private TaskCompletionSource _changed = new(TaskCreationOptions.RunContinuationsAsynchronously);
        private bool _done;

        public void Add(string delta)
        {
            TaskCompletionSource signal;
            lock (_sync)
            {
                if (_done)
                {
                    return;
                }
                _deltas.Add(delta);
                signal = _changed;
                _changed = new(TaskCreationOptions.RunContinuationsAsynchronously);
            }
            signal.TrySetResult();
        }

        public void Finish()
        {
            TaskCompletionSource signal;
            lock (_sync)
            {
                _done = true;
                signal = _changed;
            }
            signal.TrySetResult();
        }

        public (string[] Batch, bool Done, Task Changed) Read(int from)
        {
            lock (_sync)
            {
                return (_deltas.Skip(from).ToArray(), _done, _changed.Task);
            }
        }
    }
}
