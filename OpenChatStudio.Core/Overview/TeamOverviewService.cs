using Microsoft.EntityFrameworkCore;
using OpenChatStudio.Core.Data;
using OpenChatStudio.Core.Participants;
using OpenChatStudio.Core.Teams;

namespace OpenChatStudio.Core.Overview;

/// <summary>A step of the getting-started checklist; <see cref="Optional"/> steps do not hold the others back.</summary>
public sealed record GettingStartedStep(string Key, string Title, string Detail, bool Done, bool Optional = false);

/// <summary>A conversation shown on the Overview (sessions with at least one message, newest first).</summary>
public sealed record RecentSession(Guid SessionId, string ChatbotName, string Participant, string Platform, int Messages, DateTime LastActivityAt);

/// <summary>What the team's Overview page shows.</summary>
public sealed record TeamOverview(
    IReadOnlyList<GettingStartedStep> Steps,
    Guid? FirstChatbotId,
    int Chatbots,
    int SessionsThisWeek,
    int Participants,
    IReadOnlyList<RecentSession> Recent)
{
    /// <summary>Every required step is done: the checklist can fold away.</summary>
    public bool GettingStartedDone => Steps.All(s => s.Done || s.Optional);
}

/// <summary>
/// The Overview of a team: the getting-started checklist (provider → chatbot → test in the preview → publish → share), counts
/// and recent conversations. Preview sessions count for "tested" but are left out of the public figures and the recent list.
/// </summary>
public sealed class TeamOverviewService(IDbContextFactory<AppDbContext> dbFactory, TimeProvider clock)
{
    public const int RecentCount = 5;

    public async Task<TeamOverview> GetAsync(TeamAccess access, CancellationToken ct)
    {
        await using var db = await dbFactory.CreateForTeamAsync(access.TeamId, ct);
        const string preview = ParticipantPlatforms.Preview;
        var weekAgo = clock.GetUtcNow().UtcDateTime.AddDays(-7);
        var providers = await db.LlmProviders.CountAsync(ct);
        var chatbots = await db.Chatbots.Where(c => !c.IsArchived).OrderBy(c => c.CreatedAt).Select(c => c.Id).ToListAsync(ct);
        var tested = await db.ChatSessions.AnyAsync(s => s.Platform == preview && db.ChatMessages.Any(m => m.SessionId == s.Id), ct);
        var published = await db.ChatbotVersions.AnyAsync(v => v.IsPublished, ct);
        var publicSessions = db.ChatSessions.Where(s => s.Platform != preview && db.ChatMessages.Any(m => m.SessionId == s.Id));
        var shared = await publicSessions.AnyAsync(ct);
        var thisWeek = await publicSessions.CountAsync(s => s.CreatedAt >= weekAgo, ct);
        var participants = await db.Participants.CountAsync(p => p.Platform != preview, ct);
        var recent = await publicSessions
            .OrderByDescending(s => s.LastActivityAt ?? s.CreatedAt)
            .Take(RecentCount)
            .Select(s => new RecentSession(
                s.Id,
                db.Chatbots.Where(c => c.Id == s.ChatbotId).Select(c => c.Name).FirstOrDefault() ?? "",
                db.Participants.Where(p => p.Id == s.ParticipantId).Select(p => p.Name ?? p.Identifier).FirstOrDefault() ?? "",
                s.Platform,
                db.ChatMessages.Count(m => m.SessionId == s.Id && !m.Hidden),
                s.LastActivityAt ?? s.CreatedAt))
            .ToListAsync(ct);

        var steps = new List<GettingStartedStep>
        {
            new("provider", "Connect an LLM provider",
                providers > 0 ? $"{providers} connected." : "Optional: the built-in offline model answers without one, for trying things out.",
                providers > 0, Optional: true),
            new("chatbot", "Create a chatbot", chatbots.Count > 0 ? $"{chatbots.Count} so far." : "Start from a template.", chatbots.Count > 0),
            new("preview", "Test it in the preview", tested ? "Done: you have talked to it." : "Open the designer and send a message in the preview.", tested),
            new("publish", "Publish a version", published ? "A version is live." : "Public surfaces answer with the published version.", published),
            new("share", "Share it", shared ? "People are talking to it." : "Turn on the public page or embed the widget, then share the link.", shared),
        };
        return new TeamOverview(steps, chatbots.Count > 0 ? chatbots[0] : null, chatbots.Count, thisWeek, participants, recent);
    }
}
