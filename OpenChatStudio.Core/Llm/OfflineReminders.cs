using System.Globalization;
using System.Text.RegularExpressions;

namespace OpenChatStudio.Core.Llm;

/// <summary>A reminder the offline model understood: when (UTC), what to say, and a short name.</summary>
public sealed record OfflineReminder(DateTime DueUtc, string Message, string Name);

/// <summary>
/// How the offline model understands natural reminder requests ("remind me in a minute to drink water", "remind me to
/// stretch in 5 seconds", "remind me in 2 hours", "remind me tomorrow at 9", "remind me at 5:30pm to call Sam") so the
/// preview can exercise the reminder tools without a real LLM. Clock times are read in the participant's time zone (the
/// <c>timezone</c> participant data value, which the LLM node passes as <see cref="TimeZoneKey"/>; UTC without one); a time
/// of day already past today means tomorrow; "tomorrow" without a time means 09:00. The result is always UTC.
/// </summary>
public static partial class OfflineReminders
{
    /// <summary>Kernel data key under which the LLM node passes the participant's <c>timezone</c> to the offline model.</summary>
    public const string TimeZoneKey = "ocs.participant_timezone";

    /// <summary>The reminder in <paramref name="text"/>, or null when it is not a "remind me …" request with a time.</summary>
    public static OfflineReminder? Parse(string text, DateTime nowUtc, TimeZoneInfo? zone = null)
    {
        var start = RemindMe().Match(text);
        if (!start.Success)
        {
            return null;
        }
        var rest = text[(start.Index + start.Length)..];
        var now = DateTime.SpecifyKind(nowUtc, DateTimeKind.Utc);
        zone ??= TimeZoneInfo.Utc;
        // Clock times are the participant's wall clock: computed in their zone, converted to UTC at the end.
        var local = DateTime.SpecifyKind(TimeZoneInfo.ConvertTimeFromUtc(now, zone), DateTimeKind.Unspecified);
        DateTime? due = null;
        Match? used = null;

        if (Relative().Match(rest) is { Success: true } relative)
        {
            var amount = Amount(relative.Groups["n"].Value);
            var unit = relative.Groups["unit"].Value.ToLowerInvariant();
            due = unit switch
            {
                var u when u.StartsWith("sec", StringComparison.Ordinal) => now.AddSeconds(amount),
                var u when u.StartsWith("min", StringComparison.Ordinal) => now.AddMinutes(amount),
                var u when u.StartsWith('h') => now.AddHours(amount),
                var u when u.StartsWith('d') => now.AddDays(amount),
                var u when u.StartsWith('w') => now.AddDays(7 * amount),
                _ => null,
            };
            used = relative;
        }
        else if (HalfHour().Match(rest) is { Success: true } half)
        {
            due = now.AddMinutes(30);
            used = half;
        }
        else if (Clock().Match(rest) is { Success: true } clock && TimeOfDay(clock) is { } time)
        {
            var day = clock.Groups["day"].Value.ToLowerInvariant();
            var date = local.Date + time;
            if (day == "tomorrow")
            {
                date = local.Date.AddDays(1) + time;
            }
            else if (date <= local)
            {
                date = date.AddDays(1);
            }
            due = ToUtc(date, zone);
            used = clock;
        }
        else if (Tomorrow().Match(rest) is { Success: true } tomorrow)
        {
            due = ToUtc(local.Date.AddDays(1).AddHours(9), zone);
            used = tomorrow;
        }
        if (due is null || used is null)
        {
            return null;
        }

        var remainder = (rest[..used.Index] + " " + rest[(used.Index + used.Length)..]).Trim();
        var what = About().Match(remainder) is { Success: true } about ? about.Groups["what"].Value : "";
        what = what.Trim().TrimEnd('.', '!', '?', ',').Trim();
        if (what.Length == 0)
        {
            what = "the reminder you asked for";
        }
        var name = string.Join('-', NonWord().Split(what.ToLowerInvariant()).Where(w => w.Length > 0).Take(4));
        return new OfflineReminder(DateTime.SpecifyKind(due.Value, DateTimeKind.Utc), what, name.Length == 0 ? "reminder" : name);
    }

    /// <summary>A wall-clock time in <paramref name="zone"/> as UTC; a time skipped by a clock change moves an hour on.</summary>
    private static DateTime ToUtc(DateTime wallClock, TimeZoneInfo zone)
    {
        var unspecified = DateTime.SpecifyKind(wallClock, DateTimeKind.Unspecified);
        if (zone.IsInvalidTime(unspecified))
        {
            unspecified = unspecified.AddHours(1);
        }
        return TimeZoneInfo.ConvertTimeToUtc(unspecified, zone);
    }

    private static double Amount(string n) => n.ToLowerInvariant() switch
    {
        "a" or "an" or "one" => 1,
        "two" or "a couple of" => 2,
        "three" => 3,
        "five" => 5,
        "ten" => 10,
        "fifteen" => 15,
        "twenty" => 20,
        "thirty" => 30,
        _ => double.Parse(n, CultureInfo.InvariantCulture),
    };

    private static TimeSpan? TimeOfDay(Match clock)
    {
        var hour = int.Parse(clock.Groups["h"].Value, CultureInfo.InvariantCulture);
        var minute = clock.Groups["m"].Success ? int.Parse(clock.Groups["m"].Value, CultureInfo.InvariantCulture) : 0;
        var meridiem = clock.Groups["ap"].Value.ToLowerInvariant().Replace(".", "", StringComparison.Ordinal);
        if (meridiem.Length > 0)
        {
            if (hour is < 1 or > 12)
            {
                return null;
            }
            hour = hour % 12 + (meridiem.StartsWith('p') ? 12 : 0);
        }
        return hour is >= 0 and < 24 && minute is >= 0 and < 60 ? new TimeSpan(hour, minute, 0) : null;
    }

    [GeneratedRegex(@"\bremind\s+(?:me|us)\b", RegexOptions.IgnoreCase | RegexOptions.CultureInvariant)]
    private static partial Regex RemindMe();

    [GeneratedRegex(@"\bin\s+(?<n>\d+(?:\.\d+)?|an?|one|two|a\s+couple\s+of|three|five|ten|fifteen|twenty|thirty)\s+(?<unit>seconds?|secs?|minutes?|mins?|hours?|hrs?|days?|weeks?)\b",
        RegexOptions.IgnoreCase | RegexOptions.CultureInvariant)]
    private static partial Regex Relative();

    [GeneratedRegex(@"\bin\s+half\s+an\s+hour\b", RegexOptions.IgnoreCase | RegexOptions.CultureInvariant)]
    private static partial Regex HalfHour();

    [GeneratedRegex(@"(?:\b(?<day>today|tomorrow)\s+)?\bat\s+(?<h>\d{1,2})(?::(?<m>\d{2}))?\s*(?<ap>[ap]\.?m\.?)?(?![\w:])",
        RegexOptions.IgnoreCase | RegexOptions.CultureInvariant)]
    private static partial Regex Clock();

    [GeneratedRegex(@"\btomorrow\b(?:\s+morning)?", RegexOptions.IgnoreCase | RegexOptions.CultureInvariant)]
    private static partial Regex Tomorrow();

    [GeneratedRegex(@"^\W*(?:to|that|about|of)\s+(?<what>.+)$", RegexOptions.IgnoreCase | RegexOptions.CultureInvariant | RegexOptions.Singleline)]
    private static partial Regex About();

    [GeneratedRegex(@"[^\p{L}\p{N}]+", RegexOptions.CultureInvariant)]
    private static partial Regex NonWord();
}
