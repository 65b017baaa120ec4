using System.Text.Json;
using Microsoft.EntityFrameworkCore;
using OpenChatStudio.Core.Chat;
using OpenChatStudio.Core.Chatbots;
using OpenChatStudio.Core.Data;
using OpenChatStudio.Core.Participants;
using OpenChatStudio.Core.Sessions;
using OpenChatStudio.Core.Teams;
using OpenChatStudio.Tests.TestSupport;

namespace OpenChatStudio.Tests.Core.Sessions;

/// <summary>Writes sessions and messages straight into the database, with chosen timestamps, tags, versions and ratings.</summary>
public sealed class SessionSeeder(IServiceProvider services, TeamAccess access)
{
    public SessionSeeder(CoreHost host, TeamAccess access)
        : this(host.Services, access)
    {
    }

    public async Task<Guid> ChatbotAsync(string name)
    {
        var bot = (await services.GetRequiredServiceOf<ChatbotService>().CreateAsync(access, name, ChatbotTemplates.Blank, default)).Value!;
        return bot.Id;
    }

    public Task<Participant> ParticipantAsync(string identifier, string platform = "web", string? name = null) =>
        services.GetRequiredServiceOf<ChatRuntime>().GetOrCreateParticipantAsync(access.TeamId, platform, identifier, name, null, default);

    public async Task<Guid> SessionAsync(Guid chatbotId, Guid participantId, DateTime createdAt, string platform = "web",
        SessionStatus status = SessionStatus.Active, string[]? tags = null, int? version = null, MessageRating? rating = null,
        params string[] exchange)
    {
        await using var db = await services.GetRequiredServiceOf<IDbContextFactory<AppDbContext>>().CreateForTeamAsync(access.TeamId, default);
        var texts = exchange.Length == 0 ? ["hello", "hi there"] : exchange;
        var session = new ChatSession(access.TeamId, chatbotId, participantId, platform)
        {
            Status = status, TagsJson = JsonSerializer.Serialize(tags ?? []), HasRating = rating is not null && texts.Length > 1, // as MessageRatings keeps it
        };
        db.ChatSessions.Add(session);
        db.Entry(session).Property(s => s.CreatedAt).CurrentValue = createdAt;
        for (var i = 0; i < texts.Length; i++)
        {
            var role = i % 2 == 0 ? MessageRole.Human : MessageRole.Ai;
            var message = new ChatMessage(access.TeamId, session.Id, i + 1, role, texts[i])
            {
                VersionNumber = role == MessageRole.Ai ? version : null,
                Rating = role == MessageRole.Ai ? rating : null,
            };
            db.ChatMessages.Add(message);
            db.Entry(message).Property(m => m.CreatedAt).CurrentValue = createdAt.AddSeconds(i);
        }
        await db.SaveChangesAsync();
        return session.Id;
    }
}
