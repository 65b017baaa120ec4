using Microsoft.EntityFrameworkCore.Diagnostics;
using Microsoft.Extensions.DependencyInjection;
using OpenChatStudio.Core.Chat;
using OpenChatStudio.Core.Chatbots;
using OpenChatStudio.Core.Common;
using OpenChatStudio.Core.Teams;
using OpenChatStudio.Core.Versions;
using OpenChatStudio.Tests.TestSupport;

namespace OpenChatStudio.Tests.Core.Chat;

/// <summary>
/// The resolve step (<see cref="ChatRoutes"/>): warm answers cost no query, and a saved change is seen by the next request —
/// in this process at once, in another instance through Redis.
/// </summary>
public sealed class ChatRoutesTests : IClassFixture<RedisServer>, IAsyncLifetime
{
    private readonly SqlCommandCounter _commands = new();
    private readonly CoreHost _a;
    private readonly CoreHost _b;
    private TeamAccess _editor = default!;

    public ChatRoutesTests(RedisServer redis)
    {
        var scaledOut = new Dictionary<string, string?> { ["Redis:Connection"] = redis.Connection };
        _a = new CoreHost(s => s.AddSingleton<IInterceptor>(_commands), scaledOut);
        _b = new CoreHost(null, scaledOut, _a.Database);   // a second app instance on the same database and Redis
    }

    public async Task InitializeAsync()
    {
        await _a.InitializeAsync();
        await _b.InitializeAsync();
        var owner = await _a.CreateUserAsync();
        var teams = _a.Get<TeamService>();
        var team = (await teams.CreateTeamAsync(owner.Id, "Routes", default)).Value!;
        _editor = (await teams.GetAccessAsync(owner.Id, team.Slug, default))!;
    }

    public async Task DisposeAsync()
    {
        await _b.DisposeAsync();
        await _a.DisposeAsync();
    }

    private async Task<(ChatbotDetails Bot, SessionRoute Session)> StartAsync(CoreHost host)
    {
        var bot = (await host.Get<ChatbotService>().CreateAsync(_editor, "Routed", ChatbotTemplates.Blank, default)).Value!;
        var runtime = host.Get<ChatRuntime>();
        var participant = await runtime.ParticipantIdAsync(_editor.TeamId, "api", "p@example.test", null, default);
        var started = await runtime.StartSessionAsync(_editor.TeamId, bot.Id, participant, "api", null, default, VersionChoice.Working);
        return (bot, (await host.Get<ChatRoutes>().SessionAsync(started.SessionId, default))!);
    }

    private Task<Result<ChatbotDetails>> AllowOnlyAsync(CoreHost host, ChatbotDetails bot, string identifier) =>
        host.Get<ChatbotService>().UpdateSettingsAsync(_editor, bot.Id,
            new ChatbotSettings(bot.Name, bot.Description, null, [identifier], false, null), default);

    [Fact]
    public async Task WarmAnswers_CostNoQuery_AndASavedChange_IsSeenByTheNextCall()
    {
        var routes = _a.Get<ChatRoutes>();
        var (bot, session) = await StartAsync(_a);
        Assert.Equal("p@example.test", session.ParticipantIdentifier);
        Assert.Equal("[]", (await routes.GateAsync(session, default))!.ParticipantAllowlistJson);
        Assert.False(await routes.IsEndedAsync(session, default));

        _commands.Reset();
        Assert.Same(session, await routes.SessionAsync(session.Id, default));
        Assert.Equal("[]", (await routes.GateAsync(session, default))!.ParticipantAllowlistJson);
        Assert.False(await routes.IsEndedAsync(session, default));
        Assert.Equal(bot.Id, (await routes.ChatbotAsync(bot.PublicId, default))!.ChatbotId);
        Assert.Equal(bot.Id, (await routes.ChatbotAsync(bot.PublicId, default))!.ChatbotId);
        Assert.True(_commands.Commands == 1, _commands.Log);   // only the first public-id lookup

        Assert.True((await AllowOnlyAsync(_a, bot, "vip@example.test")).Succeeded);
        await _a.Get<ChatRuntime>().EndSessionAsync(_editor.TeamId, session.Id, "test", default);

        Assert.Contains("vip@example.test", (await routes.GateAsync(session, default))!.ParticipantAllowlistJson);
        _commands.Reset();
        Assert.True(await routes.IsEndedAsync(session, default));
        Assert.True(_commands.Commands == 0, _commands.Log);   // the end is a notice, not a query
    }

    [Fact]
    public async Task AChangeSavedOnOneInstance_IsSeenByAnotherThroughRedis()
    {
        var (bot, session) = await StartAsync(_a);
        var other = _b.Get<ChatRoutes>();
        var onB = (await other.SessionAsync(session.Id, default))!;
        Assert.Equal("[]", (await other.GateAsync(onB, default))!.ParticipantAllowlistJson);   // B has it warm
        Assert.False(await other.IsEndedAsync(onB, default));

        Assert.True((await AllowOnlyAsync(_a, bot, "vip@example.test")).Succeeded);
        await _a.Get<ChatRuntime>().EndSessionAsync(_editor.TeamId, session.Id, "test", default);

        // Pub/sub is asynchronous: wait (bounded) for B to hear it, well inside ChatRoutes.Lifetime.
        var deadline = DateTime.UtcNow.AddSeconds(10);
        while (!(await other.GateAsync(onB, default))!.ParticipantAllowlistJson.Contains("vip@example.test") || !await other.IsEndedAsync(onB, default))
        {
            Assert.True(DateTime.UtcNow < deadline, "instance B never heard about the change");
            await Task.Delay(50);
        }
    }
}
