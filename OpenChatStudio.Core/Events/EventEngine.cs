using System.Collections.Concurrent;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.Logging;
using OpenChatStudio.Core.Chat;
using OpenChatStudio.Core.Data;
using OpenChatStudio.Core.Versions;

namespace OpenChatStudio.Core.Events;

/// <summary>
/// The trigger engine: a chat event sink that fires the session's version's static triggers, arms timeout triggers on
/// human messages, and fires timeouts when their Quartz trigger says so. Events are handled off the conversation's path
/// (the sink only enqueues), one session's events in order. Every firing writes an <see cref="EventLog"/>.
/// </summary>
public sealed partial class EventEngine(
    IDbContextFactory<AppDbContext> dbFactory,
    EventActions actions,
    TimeoutScheduler timeouts,
    TimeProvider clock,
    ILogger<EventEngine> logger) : IChatEventSink, IDisposable
{
    private readonly SessionWorkQueue _queue = new();
    private readonly ConcurrentDictionary<Task, byte> _pending = new();
    private readonly CancellationTokenSource _stopping = new();
    private int _disposed;

    public ValueTask OnChatEventAsync(ChatEvent chatEvent, CancellationToken ct)
    {
        if (chatEvent.HasTriggers == false)
        {
            return ValueTask.CompletedTask; // nothing can fire, and no timeout can be armed or disarmed
        }
        var token = _stopping.Token;
        Track(_queue.EnqueueAsync(chatEvent.SessionId, async () =>
        {
            // Off the publisher's thread: the conversation never waits for triggers, and actions that queue work for the
            // same session (send a message) never run inside the turn that published the event.
            await Task.Yield();
            try
            {
                await HandleAsync(chatEvent, token);
            }
            catch (Exception ex) when (ex is not OperationCanceledException)
            {
                LogHandlerFailed(ex, chatEvent.Kind, chatEvent.SessionId);
            }
            return true;
        }));
        return ValueTask.CompletedTask;
    }

    /// <summary>Completes when every event received so far has been handled (tests, shutdown).</summary>
    public async Task WhenIdleAsync()
    {
        while (!_pending.IsEmpty)
        {
            await Task.WhenAll(_pending.Keys);
        }
    }

    /// <summary>Fires a timeout trigger's <paramref name="fireNumber"/>-th firing for the human message it counts from.</summary>
    public async Task FireTimeoutAsync(Guid teamId, Guid sessionId, string triggerId, Guid referenceMessageId, int fireNumber, CancellationToken ct)
    {
        var loaded = await LoadAsync(teamId, sessionId, ct);
        if (loaded is not { Session.IsEnded: false } ctx)
        {
            return;
        }
        var trigger = ctx.Triggers.FirstOrDefault(t => t.Id == triggerId && t.Kind == TriggerKind.Timeout && t.IsActive);
        if (trigger is null)
        {
            return;
        }
        await using (var db = await dbFactory.CreateForTeamAsync(teamId, ct))
        {
            var reference = await TimeoutScheduler.ReferenceMessageAsync(db, sessionId, trigger.FromFirstMessage, ct);
            if (reference is null || reference.Value.Id != referenceMessageId || reference.Value.At < trigger.ConfigChangedAt)
            {
                return; // superseded by a newer human message, or older than the trigger's last change
            }
        }
        var log = await ClaimTimeoutAsync(teamId, ctx.Session, trigger, referenceMessageId, fireNumber, ct);
        if (log is null)
        {
            return;
        }
        await RunActionAsync(teamId, ctx.Session, trigger, log, ct);
        if (fireNumber < (trigger.TotalFires ?? 1))
        {
            await timeouts.AimAsync(teamId, sessionId, trigger, referenceMessageId, fireNumber + 1, ct);
        }
        else
        {
            await FireStaticAsync(teamId, ctx.Session, ctx.Triggers, [StaticTriggerType.LastTimeout], ct);
        }
    }

    public void Dispose()
    {
        // Registered twice (itself and as a sink), so the container disposes it twice.
        if (Interlocked.Exchange(ref _disposed, 1) == 0)
        {
            _stopping.Cancel();
        }
    }

    private async Task HandleAsync(ChatEvent e, CancellationToken ct)
    {
        var loaded = await LoadAsync(e.TeamId, e.SessionId, ct);
        if (loaded is not { } ctx || ctx.Triggers.Count == 0)
        {
            return;
        }
        var types = Map(e).ToList();
        if (e.Kind == ChatEventKind.BotMessage && e.MessageId is { } id && await IsFromEventAsync(e.TeamId, id, ct))
        {
            // A message an event action sent does not fire "new bot message" again (no loops).
            types.Remove(StaticTriggerType.NewBotMessage);
        }
        await FireStaticAsync(e.TeamId, ctx.Session, ctx.Triggers, types, ct);
        if (e.Kind == ChatEventKind.HumanMessage && e.MessageId is { } human)
        {
            await timeouts.OnHumanMessageAsync(e.TeamId, ctx.Session, ctx.Triggers, human, e.At, ct);
        }
        else if (e.Kind == ChatEventKind.SessionEnded)
        {
            await timeouts.DisarmAsync(e.SessionId, ctx.Triggers, ct);
        }
    }

    private async Task FireStaticAsync(Guid teamId, ChatSession session, IReadOnlyList<EventTrigger> triggers, IReadOnlyCollection<StaticTriggerType> types,
        CancellationToken ct)
    {
        foreach (var trigger in triggers.Where(t => t.Kind == TriggerKind.Static && t.IsActive && t.StaticType is { } st && types.Contains(st)))
        {
            var log = new EventLog(teamId, session.ChatbotId, session.Id, trigger, EventLogStatus.Running, "", clock.GetUtcNow().UtcDateTime);
            await using (var db = await dbFactory.CreateForTeamAsync(teamId, ct))
            {
                db.EventLogs.Add(log);
                await db.SaveChangesAsync(ct);
            }
            await RunActionAsync(teamId, session, trigger, log, ct);
        }
    }

    private async Task RunActionAsync(Guid teamId, ChatSession session, EventTrigger trigger, EventLog log, CancellationToken ct)
    {
        bool ok;
        string detail;
        try
        {
            (ok, detail) = await actions.RunAsync(teamId, session, trigger, ct);
        }
        catch (Exception ex) when (ex is not OperationCanceledException)
        {
            (ok, detail) = (false, ex.Message);
        }
        await using var db = await dbFactory.CreateForTeamAsync(teamId, ct);
        db.EventLogs.Attach(log);
        log.Status = ok ? EventLogStatus.Success : EventLogStatus.Failure;
        log.SetDetail(detail);
        await db.SaveChangesAsync(ct);
        if (!ok)
        {
            LogActionFailed(trigger.Id, session.Id, detail);
        }
    }

    /// <summary>Writes the firing's log row first; the unique index makes a second claim of the same firing fail.</summary>
    private async Task<EventLog?> ClaimTimeoutAsync(Guid teamId, ChatSession session, EventTrigger trigger, Guid referenceMessageId, int fireNumber, CancellationToken ct)
    {
        var log = new EventLog(teamId, session.ChatbotId, session.Id, trigger, EventLogStatus.Running, "", clock.GetUtcNow().UtcDateTime, referenceMessageId, fireNumber);
        await using var db = await dbFactory.CreateForTeamAsync(teamId, ct);
        db.EventLogs.Add(log);
        try
        {
            await db.SaveChangesAsync(ct);
            return log;
        }
        catch (DbUpdateException)
        {
            return null;
        }
    }

    private async Task<(ChatSession Session, IReadOnlyList<EventTrigger> Triggers)?> LoadAsync(Guid teamId, Guid sessionId, CancellationToken ct)
    {
        await using var db = await dbFactory.CreateForTeamAsync(teamId, ct);
        var session = await db.ChatSessions.AsNoTracking().FirstOrDefaultAsync(s => s.Id == sessionId, ct);
        if (session is null)
        {
            return null;
        }
        return (session, await TimeoutScheduler.TriggersOfAsync(db, session, ct));
    }

    private async Task<bool> IsFromEventAsync(Guid teamId, Guid messageId, CancellationToken ct)
    {
        await using var db = await dbFactory.CreateForTeamAsync(teamId, ct);
        var metadata = await db.ChatMessages.Where(m => m.Id == messageId).Select(m => m.MetadataJson).FirstOrDefaultAsync(ct);
        return metadata is not null && metadata.Contains($"\"origin\":\"{EventActions.Origin}\"", StringComparison.Ordinal);
    }

    internal static IEnumerable<StaticTriggerType> Map(ChatEvent e)
    {
        switch (e.Kind)
        {
            case ChatEventKind.SessionStarted:
                yield return StaticTriggerType.ConversationStart;
                break;
            case ChatEventKind.ParticipantJoined:
                yield return StaticTriggerType.ParticipantJoined;
                break;
            case ChatEventKind.HumanMessage:
                yield return StaticTriggerType.NewHumanMessage;
                break;
            case ChatEventKind.BotMessage:
                yield return StaticTriggerType.NewBotMessage;
                break;
            case ChatEventKind.SessionEnded:
                yield return StaticTriggerType.ConversationEnd;
                StaticTriggerType? specific = e.EndReason switch
                {
                    SessionEndReasons.User or SessionEndReasons.Reset => StaticTriggerType.ConversationEndedByUser,
                    SessionEndReasons.Bot => StaticTriggerType.ConversationEndedByBot,
                    SessionEndReasons.Api => StaticTriggerType.ConversationEndedViaApi,
                    SessionEndReasons.Event => StaticTriggerType.ConversationEndedByEvent,
                    SessionEndReasons.Manual => StaticTriggerType.ConversationEndedManually,
                    _ => null,
                };
                if (specific is { } s)
                {
                    yield return s;
                }
                break;
        }
    }

    private void Track(Task task)
    {
        _pending[task] = 0;
        _ = task.ContinueWith(t => _pending.TryRemove(t, out _), CancellationToken.None, TaskContinuationOptions.ExecuteSynchronously, TaskScheduler.Default);
    }

    [LoggerMessage(Level = LogLevel.Error, Message = "Event handling failed for {Kind} in session {SessionId}")]
    private partial void LogHandlerFailed(Exception ex, ChatEventKind kind, Guid sessionId);

    [LoggerMessage(Level = LogLevel.Warning, Message = "Event action of trigger {TriggerId} failed in session {SessionId}: {Detail}")]
    private partial void LogActionFailed(string triggerId, Guid sessionId, string detail);
}
