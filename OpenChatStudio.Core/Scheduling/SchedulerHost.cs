using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using OpenChatStudio.Core.Data;
using OpenChatStudio.Core.Events;
using Quartz;

namespace OpenChatStudio.Core.Scheduling;

/// <summary>
/// Owns the Quartz scheduler: starts it, rebuilds every trigger from the domain rows (scheduled messages, open timeouts),
/// and adds a sweep that catches due rows without a trigger. Quartz only says "now"; the rows say what is due.
/// </summary>
public sealed partial class SchedulerHost(
    ISchedulerFactory factory,
    SchedulerAccess access,
    IDbContextFactory<AppDbContext> dbFactory,
    TimeoutScheduler timeouts,
    EventsOptions options,
    TimeProvider clock,
    ILogger<SchedulerHost> logger) : IHostedService
{
    internal const string Group = "ocs";
    private IScheduler? _scheduler;

    public async Task StartAsync(CancellationToken cancellationToken)
    {
        var scheduler = await factory.GetScheduler(cancellationToken);
        await scheduler.Start(cancellationToken);
        _scheduler = scheduler;
        access.Scheduler = scheduler;
        var messages = await RebuildScheduledMessagesAsync(scheduler, cancellationToken);
        var open = await timeouts.RebuildAsync(cancellationToken);
        var sweep = JobBuilder.Create<ScheduleSweepJob>().WithIdentity("sweep", Group).Build();
        var every = TriggerBuilder.Create().WithIdentity("sweep", Group)
            .StartAt(clock.GetUtcNow().AddSeconds(options.SweepSeconds))
            .WithSimpleSchedule(x => x.WithInterval(TimeSpan.FromSeconds(options.SweepSeconds)).RepeatForever().WithMisfireInstruction(SimpleTriggerMisfireInstruction.NextWithRemainingCount))
            .Build();
        await scheduler.ScheduleJob(sweep, every, ScheduleJobOptions.Replacing, cancellationToken);
        LogStarted(scheduler.SchedulerName, messages, open);
    }

    public async Task StopAsync(CancellationToken cancellationToken)
    {
        access.Scheduler = null;
        if (_scheduler is { Status: not (SchedulerStatus.Shutdown or SchedulerStatus.ShuttingDown) } s)
        {
            await s.Shutdown(waitForJobsToComplete: true, cancellationToken);
        }
    }

    internal async Task<int> RebuildScheduledMessagesAsync(IScheduler scheduler, CancellationToken ct)
    {
        await using var db = await dbFactory.CreateDbContextAsync(ct);
        // Crosses teams on purpose: the scheduler serves every team.
        var rows = await db.ScheduledMessages.IgnoreQueryFilters().AsNoTracking()
            .Where(m => !m.IsComplete && m.CancelledAt == null)
            .Select(m => new { m.Id, m.TeamId, m.NextTriggerAt })
            .ToListAsync(ct);
        foreach (var chunk in rows.Chunk(500))
        {
            var batch = new Dictionary<IJobDetail, IReadOnlyCollection<ITrigger>>();
            foreach (var row in chunk)
            {
                var (job, trigger) = ScheduledMessageJob.Build(row.TeamId, row.Id, row.NextTriggerAt);
                batch[job] = [trigger];
            }
            await scheduler.ScheduleJobs(batch, ScheduleJobOptions.Replacing, ct);
        }
        return rows.Count;
    }

    [LoggerMessage(Level = LogLevel.Information, Message = "Scheduler {Name} started: {Messages} scheduled messages and {Timeouts} open timeouts re-armed")]
    private partial void LogStarted(string name, int messages, int timeouts);
}

/// <summary>
/// The started scheduler for code that aims triggers (null before the host starts or after it stops: rows then wait for
/// the rebuild at the next start). Also the <see cref="IScheduleSignal"/> that row changes go through.
/// </summary>
public sealed class SchedulerAccess : IScheduleSignal
{
    private volatile IScheduler? _scheduler;

    public IScheduler? Scheduler
    {
        get => _scheduler is { Status: SchedulerStatus.Running } s ? s : null;
        internal set => _scheduler = value;
    }

    public Task ScheduleChangedAsync(Guid teamId, Guid scheduledMessageId, DateTime? dueUtc, CancellationToken ct) =>
        AimAsync(teamId, scheduledMessageId, dueUtc, ct);

    /// <summary>(Re)aims the trigger of one scheduled message; null removes it. No-op before the scheduler starts.</summary>
    public async Task AimAsync(Guid teamId, Guid id, DateTime? dueUtc, CancellationToken ct)
    {
        if (Scheduler is not { } scheduler)
        {
            return;
        }
        if (dueUtc is null)
        {
            await scheduler.DeleteJob(ScheduledMessageJob.Key(id), ct);
            return;
        }
        var (job, trigger) = ScheduledMessageJob.Build(teamId, id, dueUtc.Value);
        await scheduler.ScheduleJob(job, trigger, ScheduleJobOptions.Replacing, ct);
    }

}

/// <summary>Quartz job for one scheduled message row; the row decides whether anything is due.</summary>
public sealed class ScheduledMessageJob(ScheduleDelivery delivery) : IJob
{
    public static JobKey Key(Guid id) => new("sm-" + id.ToString("N"), SchedulerHost.Group);

    public static (IJobDetail Job, ITrigger Trigger) Build(Guid teamId, Guid id, DateTime dueUtc)
    {
        var job = JobBuilder.Create<ScheduledMessageJob>().WithIdentity(Key(id))
            .UsingJobData("team", teamId.ToString()).UsingJobData("id", id.ToString()).Build();
        var trigger = TriggerBuilder.Create().WithIdentity("sm-" + id.ToString("N"), SchedulerHost.Group).ForJob(job)
            .StartAt(new DateTimeOffset(DateTime.SpecifyKind(dueUtc, DateTimeKind.Utc)))
            .WithSimpleSchedule(x => x.WithMisfireInstruction(SimpleTriggerMisfireInstruction.FireNow)).Build();
        return (job, trigger);
    }

    public async ValueTask Execute(IJobExecutionContext context, CancellationToken cancellationToken)
    {
        var data = context.MergedJobDataMap;
        await delivery.DeliverAsync(Guid.Parse(data.GetString("team")!), Guid.Parse(data.GetString("id")!), cancellationToken);
    }
}

/// <summary>Every <see cref="EventsOptions.SweepSeconds"/>: delivers due rows that have no trigger (written by another process).</summary>
[DisallowConcurrentExecution]
public sealed class ScheduleSweepJob(ScheduleDelivery delivery) : IJob
{
    public async ValueTask Execute(IJobExecutionContext context, CancellationToken cancellationToken) =>
        await delivery.SweepAsync(context.Scheduler, cancellationToken);
}
