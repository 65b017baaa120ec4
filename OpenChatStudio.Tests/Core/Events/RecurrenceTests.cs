using OpenChatStudio.Core.Pipelines.Tools;
using OpenChatStudio.Core.Scheduling;
using OpenChatStudio.Tests.TestSupport;

namespace OpenChatStudio.Tests.Core.Events;

[Trait(TestLayers.Trait, TestLayers.Unit)]
public class RecurrenceTests
{
    private static readonly TimeZoneInfo London = TimeZoneInfo.FindSystemTimeZoneById("Europe/London");
    private static readonly TimeZoneInfo NewYork = TimeZoneInfo.FindSystemTimeZoneById("America/New_York");

    private static DateTime Utc(int y, int mo, int d, int h = 0, int mi = 0) => new(y, mo, d, h, mi, 0, DateTimeKind.Utc);

    [Fact]
    public void Daily_KeepsWallClockTime_AcrossSpringForward_InTheParticipantsZone()
    {
        // 09:00 in London on 29 March 2026 is 08:00 UTC (BST starts that night at 01:00 UTC... on the 29th itself).
        var anchor = Utc(2026, 3, 28, 9); // Saturday 09:00 GMT
        var next = Recurrence.Occurrence(anchor, 1, TimePeriod.Days, 1, London);
        var after = Recurrence.Occurrence(anchor, 1, TimePeriod.Days, 2, London);

        Assert.Equal(Utc(2026, 3, 29, 8), next);   // Sunday 09:00 BST
        Assert.Equal(Utc(2026, 3, 30, 8), after);
    }

    [Fact]
    public void Weekly_KeepsWallClockTime_AcrossFallBack()
    {
        var anchor = Utc(2026, 10, 27, 13); // Tue 09:00 EDT
        Assert.Equal(Utc(2026, 11, 3, 14), Recurrence.Occurrence(anchor, 1, TimePeriod.Weeks, 1, NewYork)); // Tue 09:00 EST
    }

    [Fact]
    public void Hourly_IsElapsedTime_AcrossDst()
    {
        var anchor = Utc(2026, 3, 29, 0, 30); // 00:30 GMT, the clocks jump at 01:00 UTC
        Assert.Equal(Utc(2026, 3, 29, 2, 30), Recurrence.Occurrence(anchor, 2, TimePeriod.Hours, 1, London));
        Assert.Equal(Utc(2026, 3, 29, 0, 45), Recurrence.Occurrence(anchor, 15, TimePeriod.Minutes, 1, London));
    }

    [Fact]
    public void Monthly_OnThe31st_UsesTheMonthsLastDay_WithoutDrifting()
    {
        var anchor = Utc(2027, 1, 31, 10);
        var dates = Enumerable.Range(1, 4).Select(n => Recurrence.Occurrence(anchor, 1, TimePeriod.Months, n, TimeZoneInfo.Utc)).ToList();
        Assert.Equal([Utc(2027, 2, 28, 10), Utc(2027, 3, 31, 10), Utc(2027, 4, 30, 10), Utc(2027, 5, 31, 10)], dates);
        Assert.Equal(Utc(2028, 2, 29, 10), Recurrence.Occurrence(anchor, 13, TimePeriod.Months, 1, TimeZoneInfo.Utc)); // leap year
    }

    [Fact]
    public void Monthly_InAZone_CrossesDstAndMonthEnd_Together()
    {
        // 31 Jan 09:00 in New York (EST, 14:00 UTC) → 31 Mar 09:00 EDT (13:00 UTC).
        var anchor = Utc(2027, 1, 31, 14);
        Assert.Equal(Utc(2027, 2, 28, 14), Recurrence.Occurrence(anchor, 1, TimePeriod.Months, 1, NewYork));
        Assert.Equal(Utc(2027, 3, 31, 13), Recurrence.Occurrence(anchor, 1, TimePeriod.Months, 2, NewYork));
    }

    [Fact]
    public void Daily_AtATimeSkippedByDst_MovesForwardByTheGap()
    {
        var anchor = Utc(2026, 3, 28, 1, 30); // 01:30 GMT; on 29 March 01:30 local does not exist
        Assert.Equal(Utc(2026, 3, 29, 1, 30), Recurrence.Occurrence(anchor, 1, TimePeriod.Days, 1, London)); // 02:30 BST
    }

    [Fact]
    public void NextAfter_SkipsMissedOccurrences_AndStopsAtTheEndDate()
    {
        var anchor = Utc(2026, 1, 1, 9);
        Assert.Equal(Utc(2026, 1, 11, 9), Recurrence.NextAfter(anchor, 1, TimePeriod.Days, TimeZoneInfo.Utc, Utc(2026, 1, 10, 12)));
        Assert.Equal(Utc(2026, 1, 10, 9), Recurrence.NextAfter(anchor, 1, TimePeriod.Days, TimeZoneInfo.Utc, Utc(2026, 1, 9, 9)));
        Assert.Null(Recurrence.NextAfter(anchor, 1, TimePeriod.Days, TimeZoneInfo.Utc, Utc(2026, 1, 10, 12), endUtc: Utc(2026, 1, 11, 8)));
        Assert.Equal(Utc(2026, 7, 1, 9), Recurrence.NextAfter(anchor, 3, TimePeriod.Months, TimeZoneInfo.Utc, Utc(2026, 4, 1, 9)));
    }

    [Fact]
    public void Zone_ReadsIanaIds_AndFallsBackToUtc()
    {
        Assert.Equal(London.Id, Recurrence.Zone(" Europe/London ").Id);
        Assert.Equal(TimeZoneInfo.Utc, Recurrence.Zone("Mars/Olympus"));
        Assert.Equal(TimeZoneInfo.Utc, Recurrence.Zone(null));
    }
}
