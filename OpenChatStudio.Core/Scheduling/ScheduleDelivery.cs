using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;
using OpenChatStudio.Core.Chat;
using OpenChatStudio.Core.Data;
using OpenChatStudio.Core.Events;
using Quartz;

namespace OpenChatStudio.Core.Scheduling;

/// <summary>
/// Delivers one due occurrence of a scheduled message: claims the row atomically (advancing it to its next occurrence or
/// completing it) so each occurrence is sent at most once even if two triggers race (restart, sweep, another instance),
/// then has the bot compose the message from the prompt and the conversation (<see cref="ChatRuntime.SendBotMessageAsync"/>),
/// retrying failures with backoff and recording every attempt.
/// </summary>
public sealed partial class ScheduleDelivery(
    IDbContextFactory<AppDbContext> dbFactory,
    IServiceProvider services,
    SchedulerAccess access,
    LiveMessageNotifier live,
    EventsOptions options,
    TimeProvider clock,
    ILogger<ScheduleDelivery> logger)
{
    public const string Origin = "schedule";

    /// <summary>Tolerance for triggers firing a little early.</summary>
    private static readonly TimeSpan Early = TimeSpan.FromMilliseconds(500);

    private ChatRuntime Runtime => services.GetRequiredService<ChatRuntime>();

    public async Task DeliverAsync(Guid teamId, Guid id, CancellationToken ct)
    {
        var claim = await ClaimAsync(teamId, id, ct);
        if (claim is null)
        {
            return;
        }
        var (row, due, number) = claim.Value;
        var session = await ResolveSessionAsync(teamId, row, ct);
        for (var attempt = 1; attempt <= options.MaxAttempts; attempt++)
        {
            string log;
            Guid? messageId = null;
            try
            {
                if (session is null)
                {
                    log = "The participant has no session with this chatbot.";
                    await RecordAsync(teamId, row.Id, number, attempt, false, log, null, null, due, ct);
                    LogFailed(row.Id, attempt, log);
                    return;
                }
                var turn = await Runtime.SendBotMessageAsync(teamId, session.Value, row.Message, Origin, ct);
                if (turn.Reply is { } reply)
                {
                    messageId = reply.MessageId;
                    await RecordAsync(teamId, row.Id, number, attempt, true, "Sent.", session, messageId, due, ct);
                    await live.PublishAsync(new LiveMessage(session.Value, reply.MessageId, reply.Content, Origin));
                    return;
                }
                log = turn.Error ?? "The chatbot produced no message.";
            }
            catch (Exception ex) when (ex is not OperationCanceledException)
            {
                log = ex.Message;
            }
            await RecordAsync(teamId, row.Id, number, attempt, false, log, session, null, due, ct);
            LogFailed(row.Id, attempt, log);
            if (attempt < options.MaxAttempts)
            {
                await Task.Delay(TimeSpan.FromMilliseconds(options.RetryBackoffMs * (1 << (attempt - 1))), clock, ct);
            }
        }
    }

    /// <summary>Delivers due rows whose trigger is missing (e.g. created by another process while this one ran).</summary>
    public async Task SweepAsync(IScheduler scheduler, CancellationToken ct)
    {
        var cutoff = clock.GetUtcNow().UtcDateTime.AddSeconds(-2);
        await using var db = await dbFactory.CreateDbContextAsync(ct);
        var due = await db.ScheduledMessages.IgnoreQueryFilters().AsNoTracking()
            .Where(m => !m.IsComplete && m.CancelledAt == null && m.NextTriggerAt <= cutoff)
            .Select(m => new { m.Id, m.TeamId, m.NextTriggerAt }).Take(1000).ToListAsync(ct);
        foreach (var row in due)
        {
            if (!await scheduler.Exists(ScheduledMessageJob.Key(row.Id), ct))
            {
                await access.AimAsync(row.TeamId, row.Id, row.NextTriggerAt, ct);
            }
        }
    }

    private async Task<(ScheduledMessage Row, DateTime Due, int Number)?> ClaimAsync(Guid teamId, Guid id, CancellationToken ct)
    {
        await using var db = await dbFactory.CreateForTeamAsync(teamId, ct);
        var row = await db.ScheduledMessages.AsNoTracking().FirstOrDefaultAsync(m => m.Id == id, ct);
        if (row is null || !row.IsPending)
        {
            return null;
        }
        var now = clock.GetUtcNow().UtcDateTime;
        if (row.NextTriggerAt > now + Early)
        {
            // Moved later since this trigger was aimed: follow the row.
            await access.AimAsync(teamId, id, row.NextTriggerAt, ct);
            return null;
        }
        var due = row.NextTriggerAt;
        var seen = row.TotalTriggers;
        var number = seen + 1;
        var next = NextDue(row, number, now);
        var complete = next is null;
        var nextDue = next ?? due;
        // The claim: only one caller can move the row from (due, seen) on.
        var claimed = await db.ScheduledMessages
            .Where(m => m.Id == id && m.TotalTriggers == seen && m.NextTriggerAt == due && !m.IsComplete && m.CancelledAt == null)
            .ExecuteUpdateAsync(u => u
                .SetProperty(m => m.TotalTriggers, number)
                .SetProperty(m => m.LastTriggeredAt, now)
                .SetProperty(m => m.NextTriggerAt, nextDue)
                .SetProperty(m => m.IsComplete, complete), ct);
        if (claimed == 0)
        {
            return null;
        }
        if (next is { } n)
        {
            await access.AimAsync(teamId, id, n, ct);
        }
        return (row, due, number);
    }

    /// <summary>After delivery number <paramref name="number"/>: the next due time, or null when the schedule is done.</summary>
    internal static DateTime? NextDue(ScheduledMessage row, int number, DateTime now)
    {
        if (!row.IsRecurring || row.Repetitions is { } reps && number >= reps)
        {
            return null;
        }
        var after = row.NextTriggerAt > now ? row.NextTriggerAt : now;
        return Recurrence.NextAfter(row.AnchorAt ?? row.NextTriggerAt, row.Every!.Value, row.Period!.Value, Recurrence.Zone(row.TimeZone), after, row.EndAt);
    }

    /// <summary>The participant's latest session with the chatbot; an ended one is followed by a new session on the same surface.</summary>
    private async Task<Guid?> ResolveSessionAsync(Guid teamId, ScheduledMessage row, CancellationToken ct)
    {
        ChatSession? latest;
        await using (var db = await dbFactory.CreateForTeamAsync(teamId, ct))
        {
            latest = await db.ChatSessions.AsNoTracking().Where(s => s.ChatbotId == row.ChatbotId && s.ParticipantId == row.ParticipantId)
                .OrderByDescending(s => s.CreatedAt).FirstOrDefaultAsync(ct);
        }
        if (latest is null)
        {
            return null;
        }
        if (!latest.IsEnded)
        {
            return latest.Id;
        }
        var started = await Runtime.StartSessionAsync(teamId, row.ChatbotId, row.ParticipantId, latest.Platform, null, ct, latest.Version);
        return started.SessionId;
    }

    private async Task RecordAsync(Guid teamId, Guid id, int number, int attempt, bool ok, string log, Guid? sessionId, Guid? messageId,
        DateTime due, CancellationToken ct)
    {
        await using var db = await dbFactory.CreateForTeamAsync(teamId, ct);
        db.ScheduledMessageAttempts.Add(new ScheduledMessageAttempt(teamId, id, number, attempt, ok, log, sessionId, messageId, due,
            clock.GetUtcNow().UtcDateTime));
        await db.SaveChangesAsync(ct);
    }

    [LoggerMessage(Level = LogLevel.Warning, Message = "Scheduled message {Id} attempt {Attempt} failed: {Error}")]
    private partial void LogFailed(Guid id, int attempt, string error);
}
