using System.Data.Common;
using Microsoft.EntityFrameworkCore;
using Microsoft.EntityFrameworkCore.Diagnostics;
using Microsoft.Extensions.DependencyInjection;
using OpenChatStudio.Core.Chat;
using OpenChatStudio.Core.Chatbots;
using OpenChatStudio.Core.Data;
using OpenChatStudio.Core.Events;
using OpenChatStudio.Core.Pipelines.Graph;
using OpenChatStudio.Core.Teams;
using OpenChatStudio.Core.Versions;
using OpenChatStudio.Tests.TestSupport;
using OpenChatStudio.Tests.TestSupport.Pipelines;

namespace OpenChatStudio.Tests.Core.Chat;

/// <summary>
/// What a chat turn costs in database round trips (the load benchmark's main lever), and that the caches behind the low
/// count (chatbot snapshots, compiled pipelines) never serve a stale version.
/// </summary>
public class ChatTurnCostTests : IAsyncLifetime
{
    private readonly SqlCommandCounter _commands = new();
    private readonly CoreHost _host;
    private TeamAccess _editor = default!;

    public ChatTurnCostTests()
    {
        _host = new CoreHost(s => s.AddSingleton<IInterceptor>(_commands));
    }

    public async Task InitializeAsync()
    {
        await _host.InitializeAsync();
        var owner = await _host.CreateUserAsync();
        var teams = _host.Get<TeamService>();
        var team = (await teams.CreateTeamAsync(owner.Id, "Turn cost", CancellationToken.None)).Value!;
        _editor = (await teams.GetAccessAsync(owner.Id, team.Slug, CancellationToken.None))! with { Role = TeamRole.Editor };
    }

    public Task DisposeAsync() => _host.DisposeAsync();

    private ChatRuntime Runtime => _host.Get<ChatRuntime>();

    private static PipelineGraph Says(string text) => PipelineGraphBuilder.WithStartAndEnd()
        .Node("t", "RenderTemplate", new { template_string = text }).Connect("start -> t", "t -> end").Build();

    private async Task<Guid> CreateBotAsync(string reply)
    {
        var bots = _host.Get<ChatbotService>();
        var bot = (await bots.CreateAsync(_editor, "Costed", ChatbotTemplates.Blank, default)).Value!;
        Assert.True((await bots.SavePipelineAsync(_editor, bot.Id, Says(reply), new Dictionary<string, NodePosition>(), bot.EditRevision, default)).Succeeded);
        return bot.Id;
    }

    private async Task SetReplyAsync(Guid chatbotId, string reply)
    {
        var bots = _host.Get<ChatbotService>();
        var bot = (await bots.GetAsync(_editor, chatbotId, default))!;
        Assert.True((await bots.SavePipelineAsync(_editor, chatbotId, Says(reply), bot.Layout, bot.EditRevision, default)).Succeeded);
    }

    private async Task<Guid> StartAsync(Guid chatbotId, VersionChoice version, string identifier = "p@example.test")
    {
        var participant = await Runtime.GetOrCreateParticipantAsync(_editor.TeamId, "api", identifier, null, null, default);
        return (await Runtime.StartSessionAsync(_editor.TeamId, chatbotId, participant.Id, "api", null, default, version)).SessionId;
    }

    [Fact]
    public async Task ATurn_OfAChatbotWithoutTriggers_TakesThreeRoundTrips()
    {
        var chatbotId = await CreateBotAsync("Hello {{ input }}");
        var session = await StartAsync(chatbotId, VersionChoice.Working);
        await Runtime.SendAsync(_editor.TeamId, session, "warm-up", null, default); // fills the snapshot and pipeline caches
        await _host.Get<EventEngine>().WhenIdleAsync();

        _commands.Reset();
        var turn = await Runtime.SendAsync(_editor.TeamId, session, "again", null, default);
        await _host.Get<EventEngine>().WhenIdleAsync();

        Assert.Equal("Hello again", turn.Reply!.Content);
        // One read (session, participant, participant data, chatbot stamp, last sequence number) and two saves (the human
        // message first; then reply, trace and session together). Nothing for triggers: the chatbot has none.
        Assert.True(_commands.Reads == 1, _commands.Log);
        Assert.Equal(2, _commands.Saves);
    }

    [Fact]
    public async Task ManyConcurrentTurns_OnSeparateSessions_AreAllStoredInOrder()
    {
        var chatbotId = await CreateBotAsync("echo {{ input }}");
        var sessions = new List<Guid>();
        for (var i = 0; i < 24; i++)
        {
            sessions.Add(await StartAsync(chatbotId, VersionChoice.Working, $"p{i}@example.test"));
        }

        // Every session gets three messages at once; writers of all sessions contend for the database together.
        var turns = await Task.WhenAll(sessions.SelectMany(s => Enumerable.Range(1, 3).Select(n => Runtime.SendAsync(_editor.TeamId, s, $"m{n}", null, default))));

        Assert.All(turns, t => Assert.Null(t.Error));
        foreach (var session in sessions)
        {
            var transcript = await Runtime.GetTranscriptAsync(_editor.TeamId, session, default);
            Assert.Equal(["m1", "echo m1", "m2", "echo m2", "m3", "echo m3"], transcript.Select(m => m.Content));
            Assert.Equal([1, 2, 3, 4, 5, 6], transcript.Select(m => m.Sequence));
        }
    }

    [Fact]
    public async Task StartingASession_WithHistory_StoresItInTheSameSave()
    {
        var chatbotId = await CreateBotAsync("Hi");
        await StartAsync(chatbotId, VersionChoice.Working, "warm@example.test");
        var participant = await Runtime.GetOrCreateParticipantAsync(_editor.TeamId, "api", "h@example.test", null, null, default);

        _commands.Reset();
        var started = await Runtime.StartSessionAsync(_editor.TeamId, chatbotId, participant.Id, "api", null, default, VersionChoice.Working,
            [(MessageRole.Human, "one"), (MessageRole.Ai, "two")]);
        // One read (chatbot stamp, participant exists, first session?) and one save for the session and its history.
        Assert.True(_commands.Reads == 1, _commands.Log);
        Assert.Equal(1, _commands.Saves);

        var transcript = await Runtime.GetTranscriptAsync(_editor.TeamId, started.SessionId, default);
        Assert.Equal([("one", 1), ("two", 2)], transcript.Select(m => (m.Content, m.Sequence)));
    }

    [Fact]
    public async Task EditingTheWorkingVersion_IsSeenByTheNextMessage()
    {
        var chatbotId = await CreateBotAsync("first");
        var session = await StartAsync(chatbotId, VersionChoice.Working);
        Assert.Equal("first", (await Runtime.SendAsync(_editor.TeamId, session, "a", null, default)).Reply!.Content);

        await SetReplyAsync(chatbotId, "second");
        Assert.Equal("second", (await Runtime.SendAsync(_editor.TeamId, session, "b", null, default)).Reply!.Content);

        // A settings change that does not touch the pipeline still moves the stamp (the seed message is part of the snapshot).
        await using (var db = await _host.Get<IDbContextFactory<AppDbContext>>().CreateForTeamAsync(_editor.TeamId, default))
        {
            var bot = await db.Chatbots.SingleAsync(c => c.Id == chatbotId);
            bot.SeedMessage = "Say hello";
            await db.SaveChangesAsync();
        }
        var restarted = await Runtime.StartSessionAsync(_editor.TeamId, chatbotId,
            (await Runtime.GetOrCreateParticipantAsync(_editor.TeamId, "api", "seeded@example.test", null, null, default)).Id, "api", null, default,
            VersionChoice.Working);
        Assert.Equal("second", restarted.Seed?.Reply?.Content);
    }

    [Fact]
    public async Task PublishingAnotherVersion_IsSeenByTheNextPublicMessage()
    {
        var versions = _host.Get<VersionService>();
        var chatbotId = await CreateBotAsync("v1 reply");
        Assert.True((await versions.CreateAsync(_editor, chatbotId, "one", publish: true, "Ed", default)).Succeeded);
        var session = await StartAsync(chatbotId, VersionChoice.Published);
        Assert.Equal("v1 reply", (await Runtime.SendAsync(_editor.TeamId, session, "a", null, default)).Reply!.Content);

        await SetReplyAsync(chatbotId, "v2 reply");
        Assert.Equal("v1 reply", (await Runtime.SendAsync(_editor.TeamId, session, "b", null, default)).Reply!.Content);

        Assert.True((await versions.CreateAsync(_editor, chatbotId, "two", publish: true, "Ed", default)).Succeeded);
        var turn = await Runtime.SendAsync(_editor.TeamId, session, "c", null, default);
        Assert.Equal("v2 reply", turn.Reply!.Content);

        Assert.True((await versions.PublishAsync(_editor, chatbotId, 1, default)).Succeeded);
        Assert.Equal("v1 reply", (await Runtime.SendAsync(_editor.TeamId, session, "d", null, default)).Reply!.Content);
    }
}
