using System.Globalization;
using Microsoft.AspNetCore.WebUtilities;
using OpenChatStudio.Core.Chat;
using OpenChatStudio.Core.Sessions;

namespace OpenChatStudio.Web.Components.Sessions;

/// <summary>
/// Session filters ⇄ URL query string, so a filtered list can be shared as a link:
/// <c>?from=2026-03-01&amp;to=2026-03-31&amp;status=Active&amp;platform=web&amp;version=2&amp;tag=vip&amp;participant=alice&amp;rated=yes&amp;all=yes</c>.
/// Without <c>all=yes</c>, preview chats and empty sessions are left out (<see cref="Default"/>).
/// Dates are UTC days; <c>to</c> is inclusive (the whole day). Unknown or malformed values are ignored.
/// </summary>
public static class SessionFilterQuery
{
    private const string DateFormat = "yyyy-MM-dd";

    /// <summary>The lists' filter when nothing is chosen: every real conversation, no preview chats or empty sessions.</summary>
    public static readonly SessionFilter Default = new(IncludePreviewAndEmpty: false);

    public static SessionFilter Parse(string uri, Guid? chatbotId)
    {
        var query = QueryHelpers.ParseQuery(new Uri(uri).Query);
        string? Get(string key) => query.TryGetValue(key, out var v) && !string.IsNullOrWhiteSpace(v.ToString()) ? v.ToString().Trim() : null;
        DateTime? Day(string key) => DateTime.TryParseExact(Get(key), DateFormat, CultureInfo.InvariantCulture,
            DateTimeStyles.AdjustToUniversal | DateTimeStyles.AssumeUniversal, out var d) ? DateTime.SpecifyKind(d, DateTimeKind.Utc) : null;
        return new SessionFilter(
            ChatbotId: chatbotId,
            From: Day("from"),
            To: Day("to")?.AddDays(1),
            Status: Enum.TryParse<SessionStatus>(Get("status"), ignoreCase: true, out var status) && Enum.IsDefined(status) ? status : null,
            Platform: Get("platform"),
            VersionNumber: int.TryParse(Get("version"), NumberStyles.None, CultureInfo.InvariantCulture, out var version) ? version : null,
            Tag: Get("tag"),
            Participant: Get("participant"),
            HasRating: Get("rated") switch { "yes" => true, "no" => false, _ => null },
            IncludePreviewAndEmpty: Get("all") == "yes");
    }

    /// <summary>Query parameters for <see cref="Microsoft.AspNetCore.Components.NavigationManager.GetUriWithQueryParameters(IReadOnlyDictionary{string, object?})"/>; unset filters remove theirs.</summary>
    public static IReadOnlyDictionary<string, object?> ToQuery(SessionFilter f) => new Dictionary<string, object?>
    {
        ["from"] = f.From?.ToString(DateFormat, CultureInfo.InvariantCulture),
        ["to"] = f.To?.AddDays(-1).ToString(DateFormat, CultureInfo.InvariantCulture),
        ["status"] = f.Status?.ToString(),
        ["platform"] = f.Platform,
        ["version"] = f.VersionNumber?.ToString(CultureInfo.InvariantCulture),
        ["tag"] = f.Tag,
        ["participant"] = f.Participant,
        ["rated"] = f.HasRating switch { true => "yes", false => "no", null => null },
        ["all"] = f.IncludePreviewAndEmpty ? "yes" : null,
    };
}
