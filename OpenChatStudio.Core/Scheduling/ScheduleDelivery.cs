using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.Logging;
using OpenChatStudio.Core.Chat;
using OpenChatStudio.Core.Data;
using OpenChatStudio.Core.Events;

namespace OpenChatStudio.Core.Scheduling;

/// <summary>
/// Delivers due scheduled messages in batches. A batch is claimed with one conditional UPDATE that puts a lease (token and
/// expiry) on up to <see cref="EventsOptions.ClaimBatchSize"/> due rows, so two claimers (triggers racing, a restart, another
/// instance) never hold the same row. The batch's sessions are resolved in one query, the bot composes each message from its
/// prompt and the conversation (<see cref="ChatRuntime.SendBotMessageAsync"/>) with at most
/// <see cref="EventsOptions.DeliveryParallelism"/> in flight, failures retry with backoff, and one save per batch records
/// the attempts and advances the rows (next occurrence, or complete) and releases their leases.
/// A crash between claim and save leaves the lease to expire; the row is then claimed again, and a message already written
/// for that occurrence (its origin carries the row id and occurrence number) is recorded instead of sent twice.
/// </summary>
public sealed partial class ScheduleDelivery(
    IDbContextFactory<AppDbContext> dbFactory,
    ChatRuntime runtime,
    SchedulerAccess access,
    LiveMessageNotifier live,
    EventsOptions options,
    TimeProvider clock,
    ILogger<ScheduleDelivery> logger)
{
    public const string Origin = "schedule";

    /// <summary>Tolerance for triggers firing a little early.</summary>
    internal static readonly TimeSpan Early = TimeSpan.FromMilliseconds(50);

    private ChatRuntime Runtime => runtime;   // a constructor dependency: ChatRuntime does not depend on scheduling

    /// <summary>The origin stored on the message of occurrence <paramref name="number"/>: the idempotency key of a re-claim.</summary>
    public static string OriginFor(Guid id, int number) => $"{Origin}:{id:N}:{number}";

    private sealed record Claim(ScheduledMessage Row, bool Reclaimed);

    private sealed record Outcome(Claim Claim, List<ScheduledMessageAttempt> Attempts, LiveMessage? Live);

    /// <summary>Delivers one row if it is due and not held by another claimer (tests, and the UI's "send now").</summary>
    public async Task DeliverAsync(Guid teamId, Guid id, CancellationToken ct)
    {
        var claims = await ClaimAsync(teamId, id, ct);
        if (claims.Count > 0)
        {
            await DeliverBatchAsync(claims, ct);
        }
    }

    /// <summary>Claims and delivers batches until nothing is due; returns how many occurrences were handled.</summary>
    public async Task<int> DeliverDueAsync(CancellationToken ct)
    {
        var total = 0;
        while (!ct.IsCancellationRequested)
        {
            var claims = await ClaimAsync(null, null, ct);
            if (claims.Count == 0)
            {
                break;
            }
            await DeliverBatchAsync(claims, ct);
            total += claims.Count;
        }
        return total;
    }

    /// <summary>Safety net: delivers due rows whose trigger is missing, and rows whose claimer died (expired lease).</summary>
    public Task SweepAsync(CancellationToken ct) => DeliverDueAsync(ct);

    private async Task<List<Claim>> ClaimAsync(Guid? teamId, Guid? onlyId, CancellationToken ct)
    {
        var now = clock.GetUtcNow().UtcDateTime;
        var horizon = now + Early;
        await using var db = await dbFactory.CreateDbContextAsync(ct);
        // Crosses teams on purpose: the scheduler serves every team (each row carries its team).
        var due = db.ScheduledMessages.IgnoreQueryFilters().AsNoTracking()
            .Where(m => !m.IsComplete && m.CancelledAt == null && m.NextTriggerAt <= horizon && (m.LeaseUntil == null || m.LeaseUntil < now));
        if (onlyId is { } one)
        {
            due = due.Where(m => m.Id == one && m.TeamId == teamId);
        }
        var candidates = await due.OrderBy(m => m.NextTriggerAt).Take(Math.Max(1, options.ClaimBatchSize)).ToListAsync(ct);
        if (candidates.Count == 0)
        {
            return [];
        }
        var ids = candidates.Select(c => c.Id).ToList();
        var token = Guid.NewGuid();
        var lease = now.AddSeconds(Math.Max(10, options.LeaseSeconds));
        // The claim: conditions re-checked row by row, so a row another claimer leased in between is skipped.
        var claimed = await db.ScheduledMessages.IgnoreQueryFilters()
            .Where(m => ids.Contains(m.Id) && !m.IsComplete && m.CancelledAt == null && (m.LeaseUntil == null || m.LeaseUntil < now))
            .ExecuteUpdateAsync(u => u.SetProperty(m => m.ClaimToken, token).SetProperty(m => m.LeaseUntil, lease), ct);
        if (claimed < candidates.Count)
        {
            var mine = (await db.ScheduledMessages.IgnoreQueryFilters().Where(m => ids.Contains(m.Id) && m.ClaimToken == token)
                .Select(m => m.Id).ToListAsync(ct)).ToHashSet();
            candidates = candidates.Where(c => mine.Contains(c.Id)).ToList();
        }
        return candidates.Select(c => new Claim(c, c.LeaseUntil is not null)).ToList();
    }

    private async Task DeliverBatchAsync(List<Claim> claims, CancellationToken ct)
    {
        var sessions = await ResolveSessionsAsync(claims, ct);
        var outcomes = new Outcome[claims.Count];
        await Parallel.ForEachAsync(Enumerable.Range(0, claims.Count),
            new ParallelOptions { MaxDegreeOfParallelism = Math.Max(1, options.DeliveryParallelism), CancellationToken = ct },
            async (i, token) => outcomes[i] = await DeliverOneAsync(claims[i], sessions, token));

        var now = clock.GetUtcNow().UtcDateTime;
        var next = new List<(Guid Team, Guid Id, DateTime Due)>();
        await using (var db = await dbFactory.CreateDbContextAsync(ct))
        {
            foreach (var outcome in outcomes)
            {
                var row = outcome.Claim.Row;
                db.ScheduledMessageAttempts.AddRange(outcome.Attempts);
                if (outcome.Attempts.Count > 0)
                {
                    // The chatbot's Events page shows every firing, scheduled messages included.
                    var last = outcome.Attempts[^1];
                    db.EventLogs.Add(EventLog.ForScheduledMessage(row.TeamId, row.ChatbotId, last.SessionId, row.Id, row.Name, last.TriggerNumber,
                        last.Succeeded, last.Succeeded ? $"{last.Log} {row.Message}" : $"{outcome.Attempts.Count} attempt(s) failed: {last.Log}", last.CreatedAt));
                }
                db.ScheduledMessages.Attach(row);
                var number = row.TotalTriggers + 1;
                var nextDue = NextDue(row, number, now);
                row.TotalTriggers = number;
                row.LastTriggeredAt = now;
                row.IsComplete = nextDue is null;
                row.NextTriggerAt = nextDue ?? row.NextTriggerAt;
                row.LeaseUntil = null;
                row.ClaimToken = null;
                db.Entry(row).Property(m => m.LeaseUntil).IsModified = true;
                db.Entry(row).Property(m => m.ClaimToken).IsModified = true;
                if (nextDue is { } n)
                {
                    next.Add((row.TeamId, row.Id, n));
                }
            }
            await db.SaveChangesAsync(ct);
        }
        foreach (var (team, id, due) in next)
        {
            await access.AimAsync(team, id, due, ct);
        }
        foreach (var outcome in outcomes)
        {
            if (outcome.Live is { } message)
            {
                await live.PublishAsync(message);
            }
        }
    }

    private async Task<Outcome> DeliverOneAsync(Claim claim, Dictionary<(Guid, Guid), ChatSession> sessions, CancellationToken ct)
    {
        var row = claim.Row;
        var number = row.TotalTriggers + 1;
        var due = row.NextTriggerAt;
        var attempts = new List<ScheduledMessageAttempt>();
        var key = OriginFor(row.Id, number);
        ScheduledMessageAttempt Attempt(int n, bool ok, string log, Guid? session, Guid? message) =>
            new(row.TeamId, row.Id, number, n, ok, log, session, message, due, clock.GetUtcNow().UtcDateTime);

        if (claim.Reclaimed && await FindSentAsync(row, key, ct) is { } sent)
        {
            // The previous claimer sent it and died before recording it: record, do not send twice.
            attempts.Add(Attempt(1, true, "Sent before an interruption; not sent again.", sent.SessionId, sent.Id));
            return new Outcome(claim, attempts, null);
        }
        Guid? session = null;
        try
        {
            session = await SessionForAsync(row, sessions, ct);
        }
        catch (Exception ex) when (ex is not OperationCanceledException)
        {
            attempts.Add(Attempt(1, false, ex.Message, null, null));
            LogFailed(row.Id, 1, ex.Message);
            return new Outcome(claim, attempts, null);
        }
        if (session is null)
        {
            const string none = "The participant has no session with this chatbot.";
            attempts.Add(Attempt(1, false, none, null, null));
            LogFailed(row.Id, 1, none);
            return new Outcome(claim, attempts, null);
        }
        for (var attempt = 1; attempt <= options.MaxAttempts; attempt++)
        {
            string log;
            try
            {
                var turn = await Runtime.SendBotMessageAsync(row.TeamId, session.Value, row.Message, key, ct);
                if (turn.Reply is { } reply)
                {
                    attempts.Add(Attempt(attempt, true, "Sent.", session, reply.MessageId));
                    return new Outcome(claim, attempts, new LiveMessage(session.Value, reply.MessageId, reply.Content, Origin));
                }
                log = turn.Error ?? "The chatbot produced no message.";
            }
            catch (Exception ex) when (ex is not OperationCanceledException)
            {
                log = ex.Message;
            }
            attempts.Add(Attempt(attempt, false, log, session, null));
            LogFailed(row.Id, attempt, log);
            if (attempt < options.MaxAttempts)
            {
                await Task.Delay(TimeSpan.FromMilliseconds(options.RetryBackoffMs * (1 << (attempt - 1))), clock, ct);
            }
        }
        return new Outcome(claim, attempts, null);
    }

    private async Task<ChatMessage?> FindSentAsync(ScheduledMessage row, string key, CancellationToken ct)
    {
        var quoted = "\"" + key + "\"";
        await using var db = await dbFactory.CreateForTeamAsync(row.TeamId, ct);
        return await db.ChatMessages.AsNoTracking()
            .Where(m => m.Role == MessageRole.Ai && m.MetadataJson.Contains(quoted)
                && db.ChatSessions.Any(s => s.Id == m.SessionId && s.ChatbotId == row.ChatbotId && s.ParticipantId == row.ParticipantId))
            .FirstOrDefaultAsync(ct);
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

    /// <summary>The latest session of each (chatbot, participant) in the batch, in one query per team.</summary>
    private async Task<Dictionary<(Guid, Guid), ChatSession>> ResolveSessionsAsync(List<Claim> claims, CancellationToken ct)
    {
        var result = new Dictionary<(Guid, Guid), ChatSession>();
        foreach (var team in claims.GroupBy(c => c.Row.TeamId))
        {
            var participants = team.Select(c => c.Row.ParticipantId).Distinct().ToList();
            var chatbots = team.Select(c => c.Row.ChatbotId).Distinct().ToList();
            await using var db = await dbFactory.CreateForTeamAsync(team.Key, ct);
            var rows = await db.ChatSessions.AsNoTracking()
                .Where(s => participants.Contains(s.ParticipantId) && chatbots.Contains(s.ChatbotId)).ToListAsync(ct);
            foreach (var s in rows)
            {
                var k = (s.ChatbotId, s.ParticipantId);
                if (!result.TryGetValue(k, out var seen) || s.CreatedAt > seen.CreatedAt)
                {
                    result[k] = s;
                }
            }
        }
        return result;
    }

    /// <summary>The participant's latest session with the chatbot; an ended one is followed by a new session on the same surface.</summary>
    private async Task<Guid?> SessionForAsync(ScheduledMessage row, Dictionary<(Guid, Guid), ChatSession> sessions, CancellationToken ct)
    {
        if (!sessions.TryGetValue((row.ChatbotId, row.ParticipantId), out var latest))
        {
            return null;
        }
        if (!latest.IsEnded)
        {
            return latest.Id;
        }
        if (latest.ChannelId is { } channelId)
        {
            // On a messaging channel the new session stays on it, so the message is delivered there (not only stored).
            return (await Runtime.StartChannelSessionAsync(row.TeamId, row.ChatbotId, row.ParticipantId, latest.Platform, channelId, ct,
                runSeed: false)).SessionId;
        }
        var started = await Runtime.StartSessionAsync(row.TeamId, row.ChatbotId, row.ParticipantId, latest.Platform, null, ct, latest.Version);
        return started.SessionId;
    }

    [LoggerMessage(Level = LogLevel.Warning, Message = "Scheduled message {Id} attempt {Attempt} failed: {Error}")]
    private partial void LogFailed(Guid id, int attempt, string error);
}
