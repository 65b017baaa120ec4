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
        // Jobs of the per-row design (one job per scheduled message) are replaced by the one delivery job.
        foreach (var legacy in await scheduler.GetJobKeys(GroupMatcher<JobKey>.GroupEquals(Group), cancellationToken))
        {
            if (legacy.Name.StartsWith("sm-", StringComparison.Ordinal) && !legacy.Equals(DueMessagesJob.Key))
            {
                await scheduler.DeleteJob(legacy, cancellationToken);
            }
        }
        await scheduler.AddJob(DueMessagesJob.Build(), AddJobOptions.Replacing, cancellationToken);
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
        // Crosses teams on purpose: the scheduler serves every team. A leased row is due again when its lease expires.
        var rows = await db.ScheduledMessages.IgnoreQueryFilters().AsNoTracking()
            .Where(m => !m.IsComplete && m.CancelledAt == null)
            .Select(m => new { m.NextTriggerAt, m.LeaseUntil })
            .ToListAsync(ct);
        var buckets = rows.Select(r => DueMessagesJob.Bucket(r.LeaseUntil is { } l && l > r.NextTriggerAt ? l : r.NextTriggerAt)).Distinct().ToList();
        foreach (var chunk in buckets.Chunk(500))
        {
            var triggers = chunk.Select(DueMessagesJob.TriggerAt).ToList();
            await scheduler.ScheduleJob(DueMessagesJob.Build(), triggers, ScheduleJobOptions.Replacing, ct);
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

    /// <summary>
    /// Makes sure the delivery job fires when a row falls due (null: nothing to do, a stale trigger finds nothing due).
    /// No-op before the scheduler starts: the rows then wait for the rebuild at the next start.
    /// </summary>
    public async Task AimAsync(Guid teamId, Guid id, DateTime? dueUtc, CancellationToken ct)
    {
        if (dueUtc is null || Scheduler is not { } scheduler)
        {
            return;
        }
        var trigger = DueMessagesJob.TriggerAt(DueMessagesJob.Bucket(dueUtc.Value));
        if (!await scheduler.Exists(trigger.Key, ct))
        {
            // Replacing: another row with the same due time may aim the same trigger at the same moment.
            await scheduler.ScheduleJob(trigger, ScheduleJobOptions.Replacing, ct);
        }
    }
}

/// <summary>
/// The one Quartz job that delivers scheduled messages: its triggers are due times (rounded up to
/// <see cref="BucketMs"/>), shared by every row due then; each firing claims and delivers due rows in batches until none
/// is left. Never runs twice at once, so parallelism stays bounded by <see cref="EventsOptions.DeliveryParallelism"/>.
/// </summary>
[DisallowConcurrentExecution]
public sealed class DueMessagesJob(ScheduleDelivery delivery) : IJob
{
    public const int BucketMs = 250;

    public static readonly JobKey Key = new("sm-due", SchedulerHost.Group);

    public static IJobDetail Build() => JobBuilder.Create<DueMessagesJob>().WithIdentity(Key).StoreDurably().Build();

    /// <summary>The due time rounded up to the next <see cref="BucketMs"/> boundary (UTC).</summary>
    public static DateTime Bucket(DateTime dueUtc)
    {
        var ticks = DateTime.SpecifyKind(dueUtc, DateTimeKind.Utc).Ticks;
        var size = TimeSpan.FromMilliseconds(BucketMs).Ticks;
        return new DateTime((ticks + size - 1) / size * size, DateTimeKind.Utc);
    }

    public static TriggerKey TriggerKeyFor(DateTime bucketUtc) => new("sm-due-" + bucketUtc.Ticks, SchedulerHost.Group);

    internal static ITrigger TriggerAt(DateTime bucketUtc) => TriggerBuilder.Create().WithIdentity(TriggerKeyFor(bucketUtc)).ForJob(Key)
        .StartAt(new DateTimeOffset(bucketUtc))
        .WithSimpleSchedule(x => x.WithMisfireInstruction(SimpleTriggerMisfireInstruction.FireNow)).Build();

    public async ValueTask Execute(IJobExecutionContext context, CancellationToken cancellationToken) =>
        await delivery.DeliverDueAsync(cancellationToken);
}

/// <summary>Every <see cref="EventsOptions.SweepSeconds"/>: delivers due rows that have no trigger (written by another process).</summary>
[DisallowConcurrentExecution]
public sealed class ScheduleSweepJob(ScheduleDelivery delivery) : IJob
{
    public async ValueTask Execute(IJobExecutionContext context, CancellationToken cancellationToken) =>
        await delivery.SweepAsync(cancellationToken);
}
