using OpenChatStudio.Core.Pipelines.Tools;

namespace OpenChatStudio.Core.Scheduling;

/// <summary>
/// Next due times of recurring scheduled messages. Pure: no clock, no database.
/// Minutes and hours are elapsed time (every 2 hours is 2 hours, also across a DST change). Days, weeks and months are
/// wall-clock time in the participant's time zone (9:00 stays 9:00 after a DST change). Occurrences are counted from the
/// anchor (the first due time), so a monthly schedule anchored on the 31st fires on the 31st when the month has one and
/// on the month's last day otherwise (Jan 31, Feb 28, Mar 31), never drifting.
/// </summary>
public static class Recurrence
{
    /// <summary>The <paramref name="n"/>-th occurrence (0 = the anchor itself) in UTC.</summary>
    public static DateTime Occurrence(DateTime anchorUtc, int every, TimePeriod period, int n, TimeZoneInfo zone)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(every, 1);
        ArgumentOutOfRangeException.ThrowIfNegative(n);
        var anchor = DateTime.SpecifyKind(anchorUtc, DateTimeKind.Utc);
        switch (period)
        {
            case TimePeriod.Minutes:
                return anchor.AddMinutes((double)every * n);
            case TimePeriod.Hours:
                return anchor.AddHours((double)every * n);
        }
        var local = TimeZoneInfo.ConvertTimeFromUtc(anchor, zone);
        var target = period switch
        {
            TimePeriod.Days => local.AddDays((double)every * n),
            TimePeriod.Weeks => local.AddDays(7.0 * every * n),
            _ => local.AddMonths(every * n),
        };
        return ToUtc(DateTime.SpecifyKind(target, DateTimeKind.Unspecified), zone);
    }

    /// <summary>
    /// The first occurrence strictly after <paramref name="afterUtc"/>, or null when the schedule is over (repetitions used
    /// up is the caller's business; <paramref name="endUtc"/> is checked here).
    /// </summary>
    public static DateTime? NextAfter(DateTime anchorUtc, int every, TimePeriod period, TimeZoneInfo zone, DateTime afterUtc, DateTime? endUtc = null)
    {
        var n = EstimateIndex(anchorUtc, every, period, afterUtc);
        // The estimate is at most a step or two early (month lengths, DST); walk forward to the first one after.
        var next = Occurrence(anchorUtc, every, period, n, zone);
        while (next <= afterUtc)
        {
            next = Occurrence(anchorUtc, every, period, ++n, zone);
        }
        return endUtc is { } end && next > end ? null : next;
    }

    /// <summary>Resolves a participant's <c>timezone</c> value (IANA like "Europe/London" or Windows id); UTC when absent or unknown.</summary>
    public static TimeZoneInfo Zone(string? id)
    {
        if (string.IsNullOrWhiteSpace(id))
        {
            return TimeZoneInfo.Utc;
        }
        return TimeZoneInfo.TryFindSystemTimeZoneById(id.Trim(), out var zone) ? zone : TimeZoneInfo.Utc;
    }

    private static int EstimateIndex(DateTime anchorUtc, int every, TimePeriod period, DateTime afterUtc)
    {
        if (afterUtc < anchorUtc)
        {
            return 0;
        }
        var elapsed = afterUtc - anchorUtc;
        var approxStep = period switch
        {
            TimePeriod.Minutes => TimeSpan.FromMinutes(every),
            TimePeriod.Hours => TimeSpan.FromHours(every),
            TimePeriod.Days => TimeSpan.FromDays(every),
            TimePeriod.Weeks => TimeSpan.FromDays(7.0 * every),
            _ => TimeSpan.FromDays(31.0 * every),
        };
        // Subtract one step of slack for DST hours and short months, so the walk above only ever moves forward.
        return Math.Max(0, (int)(elapsed.Ticks / approxStep.Ticks) - 1);
    }

    /// <summary>Local wall-clock time to UTC: a time skipped by a DST jump moves forward by the jump; a repeated time takes its first (earlier) instant.</summary>
    internal static DateTime ToUtc(DateTime local, TimeZoneInfo zone)
    {
        if (zone.IsInvalidTime(local))
        {
            var rule = zone.GetAdjustmentRules().FirstOrDefault(r => r.DateStart <= local && r.DateEnd >= local);
            var gap = rule?.DaylightDelta ?? TimeSpan.FromHours(1);
            local = local.Add(gap);
        }
        if (zone.IsAmbiguousTime(local))
        {
            var offsets = zone.GetAmbiguousTimeOffsets(local);
            var larger = offsets.Max();
            return DateTime.SpecifyKind(local - larger, DateTimeKind.Utc);
        }
        return TimeZoneInfo.ConvertTimeToUtc(local, zone);
    }
}
