using Microsoft.EntityFrameworkCore;
using OpenChatStudio.Core.Chat;
using OpenChatStudio.Core.Data;
using OpenChatStudio.Core.Scheduling;
using OpenChatStudio.Core.Versions;
using Quartz;

namespace OpenChatStudio.Core.Events;

/// <summary>
/// Arms timeout triggers: firing k (1..K) of a timeout trigger is due <c>k × delay</c> after the human message it counts
/// from (the session's last human message, or its first with "from the first message"). A newer human message replaces
/// the pending timer (same Quartz key), so silence is measured from the latest message. Firings are counted in the
/// event log, which is also what a restart rebuilds from.
/// </summary>
public sealed class TimeoutScheduler(IDbContextFactory<AppDbContext> dbFactory, SchedulerAccess access, EventsOptions options, TimeProvider clock)
{
    public async Task OnHumanMessageAsync(Guid teamId, ChatSession session, IReadOnlyList<EventTrigger> triggers, Guid messageId, DateTime at, CancellationToken ct)
    {
        var timeoutTriggers = triggers.Where(t => t.Kind == TriggerKind.Timeout && t.IsActive && t.DelaySeconds > 0).ToList();
        if (timeoutTriggers.Count == 0)
        {
            return;
        }
        Guid? first = null;
        if (timeoutTriggers.Any(t => t.FromFirstMessage))
        {
            await using var db = await dbFactory.CreateForTeamAsync(teamId, ct);
            first = (await ReferenceMessageAsync(db, session.Id, fromFirst: true, ct))?.Id;
        }
        foreach (var trigger in timeoutTriggers)
        {
            if (trigger.FromFirstMessage && first != messageId)
            {
                continue; // counts from the first message, armed when that one arrived
            }
            if (at < trigger.ConfigChangedAt)
            {
                continue;
            }
            await AimAtAsync(teamId, session.Id, trigger, messageId, 1, at.AddSeconds(trigger.DelaySeconds!.Value), ct);
        }
    }

    /// <summary>Arms firing <paramref name="fireNumber"/> relative to the reference message's time.</summary>
    public async Task AimAsync(Guid teamId, Guid sessionId, EventTrigger trigger, Guid referenceMessageId, int fireNumber, CancellationToken ct)
    {
        await using var db = await dbFactory.CreateForTeamAsync(teamId, ct);
        var at = await db.ChatMessages.Where(m => m.Id == referenceMessageId).Select(m => (DateTime?)m.CreatedAt).FirstOrDefaultAsync(ct);
        if (at is { } t)
        {
            await AimAtAsync(teamId, sessionId, trigger, referenceMessageId, fireNumber, t.AddSeconds((double)trigger.DelaySeconds!.Value * fireNumber), ct);
        }
    }

    public async Task DisarmAsync(Guid sessionId, IReadOnlyList<EventTrigger> triggers, CancellationToken ct)
    {
        if (access.Scheduler is not { } scheduler)
        {
            return;
        }
        foreach (var trigger in triggers.Where(t => t.Kind == TriggerKind.Timeout))
        {
            await scheduler.DeleteJob(TimeoutJob.Key(sessionId, trigger.Id), ct);
        }
    }

    /// <summary>Re-arms pending timeouts of open sessions active within <see cref="EventsOptions.TimeoutRebuildDays"/>; returns how many.</summary>
    public async Task<int> RebuildAsync(CancellationToken ct)
    {
        var since = clock.GetUtcNow().UtcDateTime.AddDays(-options.TimeoutRebuildDays);
        List<ChatSession> sessions;
        await using (var db = await dbFactory.CreateDbContextAsync(ct))
        {
            // Crosses teams on purpose: the scheduler serves every team.
            sessions = await db.ChatSessions.IgnoreQueryFilters().AsNoTracking()
                .Where(s => s.EndedAt == null && s.LastActivityAt != null && s.LastActivityAt >= since)
                .ToListAsync(ct);
        }
        var armed = 0;
        foreach (var team in sessions.GroupBy(s => s.TeamId))
        {
            await using var db = await dbFactory.CreateForTeamAsync(team.Key, ct);
            foreach (var session in team)
            {
                var triggers = (await TriggersOfAsync(db, session, ct)).Where(t => t.Kind == TriggerKind.Timeout && t.IsActive).ToList();
                foreach (var trigger in triggers)
                {
                    var reference = await ReferenceMessageAsync(db, session.Id, trigger.FromFirstMessage, ct);
                    if (reference is not { } r || r.At < trigger.ConfigChangedAt)
                    {
                        continue;
                    }
                    var fired = await db.EventLogs.CountAsync(l => l.SessionId == session.Id && l.TriggerId == trigger.Id && l.ReferenceMessageId == r.Id, ct);
                    if (fired >= (trigger.TotalFires ?? 1))
                    {
                        continue;
                    }
                    await AimAtAsync(team.Key, session.Id, trigger, r.Id, fired + 1, r.At.AddSeconds((double)trigger.DelaySeconds!.Value * (fired + 1)), ct);
                    armed++;
                }
            }
        }
        return armed;
    }

    /// <summary>The triggers of the version the session talks to (none when that version cannot be resolved).</summary>
    internal static async Task<IReadOnlyList<EventTrigger>> TriggersOfAsync(AppDbContext db, ChatSession session, CancellationToken ct)
    {
        var chatbot = await db.Chatbots.AsNoTracking().FirstOrDefaultAsync(c => c.Id == session.ChatbotId, ct);
        if (chatbot is null)
        {
            return [];
        }
        var snapshot = await VersionService.ResolveAsync(db, chatbot, session.Version, ct);
        return snapshot.Succeeded ? TriggerJson.Parse(snapshot.Value!.TriggersJson) : [];
    }

    internal static async Task<(Guid Id, DateTime At)?> ReferenceMessageAsync(AppDbContext db, Guid sessionId, bool fromFirst, CancellationToken ct)
    {
        var humans = db.ChatMessages.AsNoTracking().Where(m => m.SessionId == sessionId && m.Role == MessageRole.Human && !m.Hidden);
        var ordered = fromFirst ? humans.OrderBy(m => m.Sequence) : humans.OrderByDescending(m => m.Sequence);
        var row = await ordered.Select(m => new { m.Id, m.CreatedAt }).FirstOrDefaultAsync(ct);
        return row is null ? null : (row.Id, row.CreatedAt);
    }

    private async Task AimAtAsync(Guid teamId, Guid sessionId, EventTrigger trigger, Guid referenceMessageId, int fireNumber, DateTime dueUtc, CancellationToken ct)
    {
        if (access.Scheduler is not { } scheduler)
        {
            return;
        }
        var key = TimeoutJob.Key(sessionId, trigger.Id);
        var job = JobBuilder.Create<TimeoutJob>().WithIdentity(key)
            .UsingJobData("team", teamId.ToString())
            .UsingJobData("session", sessionId.ToString())
            .UsingJobData("trigger", trigger.Id)
            .UsingJobData("message", referenceMessageId.ToString())
            .UsingJobData("fire", fireNumber.ToString(System.Globalization.CultureInfo.InvariantCulture))
            .Build();
        var quartzTrigger = TriggerBuilder.Create().WithIdentity(key.Name, key.Group).ForJob(job)
            .StartAt(new DateTimeOffset(DateTime.SpecifyKind(dueUtc, DateTimeKind.Utc)))
            .WithSimpleSchedule(x => x.WithMisfireInstruction(SimpleTriggerMisfireInstruction.FireNow)).Build();
        await scheduler.ScheduleJob(job, quartzTrigger, ScheduleJobOptions.Replacing, ct);
    }
}

/// <summary>Quartz job for one armed timeout firing.</summary>
public sealed class TimeoutJob(EventEngine engine) : IJob
{
    public static JobKey Key(Guid sessionId, string triggerId) => new($"to-{sessionId:N}-{triggerId}", SchedulerHost.Group);

    public async ValueTask Execute(IJobExecutionContext context, CancellationToken cancellationToken)
    {
        var data = context.MergedJobDataMap;
        await engine.FireTimeoutAsync(
            Guid.Parse(data.GetString("team")!), Guid.Parse(data.GetString("session")!), data.GetString("trigger")!,
            Guid.Parse(data.GetString("message")!), int.Parse(data.GetString("fire")!, System.Globalization.CultureInfo.InvariantCulture),
            cancellationToken);
    }
}
