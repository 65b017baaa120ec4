using System.Text.Json;
using Microsoft.EntityFrameworkCore;
using OpenChatStudio.Core.Chat;
using OpenChatStudio.Core.Data;
using OpenChatStudio.Core.Teams;

namespace OpenChatStudio.Core.Sessions;

/// <summary>
/// The sessions list (team-wide or per chatbot) with combinable filters and offset paging, newest first. Every filter is
/// an indexed column of chat_sessions or an EXISTS over a session's messages (indexed by session), so a page stays cheap
/// at 100k sessions (see docs/performance.md).
/// </summary>
public sealed class SessionQueryService(IDbContextFactory<AppDbContext> dbFactory)
{
    public const int MaxPageSize = 200;

    /// <summary>
    /// One page of the filtered sessions. <paramref name="knownTotal"/>: the total this caller already counted for the same
    /// filter (the list pages through one filter): the exact <c>COUNT(*)</c> — most of a page's cost at 100k sessions,
    /// docs/performance.md — is then skipped and that total returned.
    /// </summary>
    public async Task<SessionPage> QueryAsync(TeamAccess access, SessionFilter filter, int page, int pageSize, CancellationToken ct,
        int? knownTotal = null)
    {
        page = Math.Max(0, page);
        pageSize = Math.Clamp(pageSize, 1, MaxPageSize);
        if (!access.Can(TeamPermission.ViewSessions))
        {
            return new SessionPage([], 0, page, pageSize);
        }
        await using var db = await dbFactory.CreateForTeamAsync(access.TeamId, ct);
        var query = Apply(db, filter);
        var total = knownTotal is int known && known >= 0 ? known : await query.CountAsync(ct);
        // Page the ids first, then look up names and counts for those rows only (SQLite would otherwise evaluate the
        // per-row subqueries for every skipped row of a deep page).
        var ids = await query
            .OrderByDescending(s => s.CreatedAt).ThenByDescending(s => s.Id)
            .Skip(page * pageSize).Take(pageSize)
            .Select(s => s.Id)
            .ToListAsync(ct);
        // The ids come from the team-scoped query above, so this lookup goes by primary key alone: with the team filter
        // as well, SQLite's planner walked the team's index (every session of the team: 0.5 s at 100k) instead.
        var rows = await db.ChatSessions.IgnoreQueryFilters().AsNoTracking().Where(s => ids.Contains(s.Id))
            .Select(s => new
            {
                s.Id,
                s.ChatbotId,
                ChatbotName = db.Chatbots.Where(c => c.Id == s.ChatbotId).Select(c => c.Name).FirstOrDefault(),
                s.ParticipantId,
                Participant = db.Participants.Where(p => p.Id == s.ParticipantId).Select(p => new { p.Identifier, p.Name }).FirstOrDefault(),
                s.Platform,
                s.Status,
                s.CreatedAt,
                s.LastActivityAt,
                Messages = db.ChatMessages.Count(m => m.SessionId == s.Id && !m.Hidden),
                s.TagsJson,
            })
            .ToListAsync(ct);
        var order = ids.Select((id, i) => (id, i)).ToDictionary(x => x.id, x => x.i);
        return new SessionPage(rows.OrderBy(r => order[r.Id]).Select(r => new SessionRow(r.Id, r.ChatbotId, r.ChatbotName ?? "", r.ParticipantId,
            r.Participant?.Identifier ?? "", r.Participant?.Name, r.Platform, r.Status, r.CreatedAt, r.LastActivityAt, r.Messages,
            ParseTags(r.TagsJson))).ToList(), total, page, pageSize);
    }

    /// <summary>The filtered sessions (team-scoped by the context). Shared with the CSV export.</summary>
    internal static IQueryable<ChatSession> Apply(AppDbContext db, SessionFilter f)
    {
        var q = db.ChatSessions.AsNoTracking();
        if (!f.IncludePreviewAndEmpty)
        {
            q = q.Where(s => s.Platform != Participants.ParticipantPlatforms.Preview && db.ChatMessages.Any(m => m.SessionId == s.Id && !m.Hidden));
        }
        if (f.ChatbotId is { } chatbotId)
        {
            q = q.Where(s => s.ChatbotId == chatbotId);
        }
        if (f.From is { } from)
        {
            q = q.Where(s => s.CreatedAt >= from);
        }
        if (f.To is { } to)
        {
            q = q.Where(s => s.CreatedAt < to);
        }
        if (f.Status is { } status)
        {
            q = q.Where(s => s.Status == status);
        }
        if (!string.IsNullOrWhiteSpace(f.Platform))
        {
            var platform = f.Platform.Trim();
            q = q.Where(s => s.Platform == platform);
        }
        if (f.VersionNumber is { } version)
        {
            q = q.Where(s => db.ChatMessages.Any(m => m.SessionId == s.Id && m.VersionNumber == version));
        }
        if (!string.IsNullOrWhiteSpace(f.Tag))
        {
            // Tags are stored as a JSON array of strings, written by JsonSerializer: match the tag's JSON form, quotes included.
            var needle = JsonSerializer.Serialize(f.Tag.Trim());
            q = q.Where(s => s.TagsJson.Contains(needle));
        }
        if (!string.IsNullOrWhiteSpace(f.Participant))
        {
            var who = f.Participant.Trim();
            q = q.Where(s => db.Participants.Any(p => p.Id == s.ParticipantId && (p.Identifier.Contains(who) || (p.Name != null && p.Name.Contains(who)))));
        }
        if (f.HasRating is { } hasRating)
        {
            q = q.Where(s => s.HasRating == hasRating);
        }
        return q;
    }

    /// <summary>Distinct platforms of the team's sessions, for the filter's choices.</summary>
    public async Task<IReadOnlyList<string>> ListPlatformsAsync(TeamAccess access, CancellationToken ct)
    {
        await using var db = await dbFactory.CreateForTeamAsync(access.TeamId, ct);
        return await db.ChatSessions.Select(s => s.Platform).Distinct().OrderBy(p => p).ToListAsync(ct);
    }

    internal static IReadOnlyList<string> ParseTags(string? json)
    {
        if (string.IsNullOrWhiteSpace(json))
        {
            return [];
        }
        try
        {
            return JsonSerializer.Deserialize<List<string>>(json) ?? [];
        }
        catch (JsonException)
        {
            return [];
        }
    }
}
