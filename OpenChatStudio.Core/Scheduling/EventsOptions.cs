namespace OpenChatStudio.Core.Scheduling;

/// <summary>Bound from the <c>Events</c> section (env: <c>Events__MaxConcurrency</c>…).</summary>
public sealed class EventsOptions
{
    public const string SectionName = "Events";

    /// <summary>Quartz scheduler name; default derives from the database connection, so it is stable per database.</summary>
    public string? SchedulerName { get; set; }

    /// <summary>Scheduled messages and timeouts delivered in parallel.</summary>
    public int MaxConcurrency { get; set; } = 16;

    /// <summary>Scheduled messages composed and sent at the same time by the delivery job.</summary>
    public int DeliveryParallelism { get; set; } = 8;

    /// <summary>Due scheduled messages claimed per batch (one UPDATE each).</summary>
    public int ClaimBatchSize { get; set; } = 64;

    /// <summary>How long a claim holds a row; a claimer that died is replaced once its lease expires.</summary>
    public int LeaseSeconds { get; set; } = 120;

    /// <summary>Delivery attempts per occurrence (OCS: 3).</summary>
    public int MaxAttempts { get; set; } = 3;

    /// <summary>Wait before the second attempt; doubles for each further attempt (OCS: 1 s, 2 s).</summary>
    public int RetryBackoffMs { get; set; } = 1000;

    /// <summary>Safety-net sweep for due rows that have no trigger (e.g. written by another process).</summary>
    public int SweepSeconds { get; set; } = 30;

    /// <summary>On start, timeouts are rebuilt for open sessions active within this many days.</summary>
    public int TimeoutRebuildDays { get; set; } = 7;
}
