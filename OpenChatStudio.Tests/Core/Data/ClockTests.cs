using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Time.Testing;
using OpenChatStudio.Core.Chat;
using OpenChatStudio.Core.Chatbots;
using OpenChatStudio.Core.Data;
using OpenChatStudio.Core.Teams;
using OpenChatStudio.Core.Versions;
using OpenChatStudio.Tests.TestSupport;

namespace OpenChatStudio.Tests.Core.Data;

/// <summary>Every stored time comes from the app's TimeProvider: a fake clock governs rows, messages and the chatbot's stamp.</summary>
public sealed class ClockTests : IAsyncLifetime
{
    private static readonly DateTimeOffset Start = new(2031, 5, 6, 7, 8, 9, TimeSpan.Zero);
    private readonly FakeTimeProvider _clock = new(Start);
    private readonly CoreHost _host;

    public ClockTests() => _host = new CoreHost(s => s.AddSingleton<TimeProvider>(_clock));

    public Task InitializeAsync() => _host.InitializeAsync();

    public Task DisposeAsync() => _host.DisposeAsync();

    [Fact]
    public async Task RowsMessagesAndTheChatbotStamp_FollowTheFakeClock()
    {
        var owner = await _host.CreateUserAsync();
        var teams = _host.Get<TeamService>();
        var team = (await teams.CreateTeamAsync(owner.Id, "Clocked", default)).Value!;
        var access = (await teams.GetAccessAsync(owner.Id, team.Slug, default))!;
        var bots = _host.Get<ChatbotService>();
        var bot = (await bots.CreateAsync(access, "Timed", ChatbotTemplates.Blank, default)).Value!;
        var runtime = _host.Get<ChatRuntime>();
        var participant = await runtime.ParticipantIdAsync(access.TeamId, "api", "t@example.test", null, default);
        var session = (await runtime.StartSessionAsync(access.TeamId, bot.Id, participant, "api", null, default, VersionChoice.Working)).SessionId;
        await runtime.SendAsync(access.TeamId, session, "hello", null, default);

        _clock.Advance(TimeSpan.FromHours(3));
        var details = (await bots.GetAsync(access, bot.Id, default))!;
        Assert.True((await bots.UpdateSettingsAsync(access, bot.Id,
            new ChatbotSettings("Renamed", details.Description, null, [], false, null), default)).Succeeded);

        await using var db = await _host.Get<IDbContextFactory<AppDbContext>>().CreateForTeamAsync(access.TeamId, default);
        Assert.Equal(Start.UtcDateTime, (await db.Teams.SingleAsync(t => t.Id == access.TeamId)).CreatedAt);
        Assert.Equal(Start.UtcDateTime, (await db.ChatSessions.SingleAsync(s => s.Id == session)).CreatedAt);
        Assert.All(await db.ChatMessages.Where(m => m.SessionId == session).ToListAsync(), m => Assert.Equal(Start.UtcDateTime, m.CreatedAt));
        var stored = await db.Chatbots.SingleAsync(c => c.Id == bot.Id);
        Assert.Equal(Start.UtcDateTime, stored.CreatedAt);
        Assert.Equal(Start.UtcDateTime.AddHours(3), stored.UpdatedAt);   // the edit moved the stamp, by the same clock
    }
}
