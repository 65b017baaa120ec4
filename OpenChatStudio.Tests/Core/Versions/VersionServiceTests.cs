using System.Collections.Concurrent;
using Microsoft.Extensions.DependencyInjection;
using OpenChatStudio.Core.Chat;
using OpenChatStudio.Core.Chatbots;
using OpenChatStudio.Core.Data;
using OpenChatStudio.Core.Pipelines.Graph;
using OpenChatStudio.Core.Teams;
using OpenChatStudio.Core.Versions;
using OpenChatStudio.Tests.TestSupport;
using OpenChatStudio.Tests.TestSupport.Pipelines;

namespace OpenChatStudio.Tests.Core.Versions;

/// <summary>Versions over a real database: numbering, exactly one published, and sessions served by the version they chose.</summary>
public class VersionServiceTests : IAsyncLifetime
{
    private readonly RecordingSink _events = new();
    private readonly CoreHost _host;
    private TeamAccess _editor = default!;

    public VersionServiceTests()
    {
        _host = new CoreHost(s => s.AddSingleton<IChatEventSink>(_events));
    }

    public async Task InitializeAsync()
    {
        await _host.InitializeAsync();
        var owner = await _host.CreateUserAsync();
        var teams = _host.Get<TeamService>();
        var team = (await teams.CreateTeamAsync(owner.Id, "Versions", CancellationToken.None)).Value!;
        _editor = (await teams.GetAccessAsync(owner.Id, team.Slug, CancellationToken.None))! with { Role = TeamRole.Editor };
    }

    public Task DisposeAsync() => _host.DisposeAsync();

    private VersionService Versions => _host.Get<VersionService>();

    private ChatRuntime Runtime => _host.Get<ChatRuntime>();

    private static PipelineGraph Says(string text) => PipelineGraphBuilder.WithStartAndEnd()
        .Node("t", "RenderTemplate", new { template_string = text }).Connect("start -> t", "t -> end").Build();

    private async Task<Guid> CreateBotAsync(string reply)
    {
        var bots = _host.Get<ChatbotService>();
        var bot = (await bots.CreateAsync(_editor, "Versioned", ChatbotTemplates.Blank, default)).Value!;
        Assert.True((await bots.SavePipelineAsync(_editor, bot.Id, Says(reply), new Dictionary<string, NodePosition>(), bot.EditRevision, default)).Succeeded);
        return bot.Id;
    }

    private async Task SetReplyAsync(Guid chatbotId, string reply)
    {
        var bots = _host.Get<ChatbotService>();
        var bot = (await bots.GetAsync(_editor, chatbotId, default))!;
        Assert.True((await bots.SavePipelineAsync(_editor, chatbotId, Says(reply), bot.Layout, bot.EditRevision, default)).Succeeded);
    }

    private async Task<Guid> StartAsync(Guid chatbotId, VersionChoice version)
    {
        var participant = await Runtime.GetOrCreateParticipantAsync(_editor.TeamId, "web", "v@example.test", null, null, default);
        return (await Runtime.StartSessionAsync(_editor.TeamId, chatbotId, participant.Id, "web", null, default, version)).SessionId;
    }

    [Fact]
    public async Task FirstVersionIsPublished_LaterOnesOnlyWhenAsked_AndPublishingDemotesThePrevious()
    {
        var bot = await CreateBotAsync("one");

        var v1 = (await Versions.CreateAsync(_editor, bot, "first", publish: false, "Ed", default)).Value!;
        var v2 = (await Versions.CreateAsync(_editor, bot, "second", publish: false, "Ed", default)).Value!;
        var v3 = (await Versions.CreateAsync(_editor, bot, "third", publish: true, "Ed", default)).Value!;

        Assert.Equal((1, true), (v1.Number, v1.IsPublished));
        Assert.Equal((2, false), (v2.Number, v2.IsPublished));
        Assert.Equal((3, true), (v3.Number, v3.IsPublished));
        Assert.Equal([3], (await Versions.ListAsync(_editor, bot, default)).Where(v => v.IsPublished).Select(v => v.Number));

        Assert.True((await Versions.PublishAsync(_editor, bot, 2, default)).Succeeded);
        var list = await Versions.ListAsync(_editor, bot, default);
        Assert.Equal([3, 2, 1], list.Select(v => v.Number));
        Assert.Equal([2], list.Where(v => v.IsPublished).Select(v => v.Number));
        Assert.Equal("Version 9 does not exist for this chatbot.", (await Versions.PublishAsync(_editor, bot, 9, default)).Error);
    }

    [Fact]
    public async Task ViewersCannotCreateVersions()
    {
        var bot = await CreateBotAsync("one");
        var result = await Versions.CreateAsync(_editor with { Role = TeamRole.Viewer }, bot, null, false, "Vi", default);
        Assert.False(result.Succeeded);
        Assert.Empty(await Versions.ListAsync(_editor, bot, default));
    }

    [Fact]
    public async Task PublishedSessions_FollowThePublishedVersion_WorkingSessionsTheDraft_AndBotMessagesRecordTheirVersion()
    {
        var bot = await CreateBotAsync("from v1");
        await Versions.CreateAsync(_editor, bot, null, false, "Ed", default);
        await SetReplyAsync(bot, "from the draft");

        var published = await StartAsync(bot, VersionChoice.Published);
        var working = await StartAsync(bot, VersionChoice.Working);
        Assert.Equal("from v1", (await Runtime.SendAsync(_editor.TeamId, published, "hi", null, default)).Reply!.Content);
        Assert.Equal("from the draft", (await Runtime.SendAsync(_editor.TeamId, working, "hi", null, default)).Reply!.Content);

        await Versions.CreateAsync(_editor, bot, null, publish: true, "Ed", default);
        Assert.Equal("from the draft", (await Runtime.SendAsync(_editor.TeamId, published, "again", null, default)).Reply!.Content);

        var pinned = await StartAsync(bot, VersionChoice.Specific(1));
        Assert.Equal("from v1", (await Runtime.SendAsync(_editor.TeamId, pinned, "hi", null, default)).Reply!.Content);

        await using var db = await _host.Get<Microsoft.EntityFrameworkCore.IDbContextFactory<OpenChatStudio.Core.Data.AppDbContext>>()
            .CreateForTeamAsync(_editor.TeamId, default);
        var versions = db.ChatMessages.Where(m => m.SessionId == published && m.Role == MessageRole.Ai).OrderBy(m => m.Sequence)
            .Select(m => m.VersionNumber).ToList();
        Assert.Equal([1, 2], versions);
        Assert.Equal([null], db.ChatMessages.Where(m => m.SessionId == working && m.Role == MessageRole.Ai).Select(m => m.VersionNumber).ToList());
    }

    [Fact]
    public async Task APublishedSessionOfAnUnpublishedChatbot_IsRefusedWithAClearMessage()
    {
        var bot = await CreateBotAsync("never");
        var ex = await Assert.ThrowsAsync<ChatbotUnavailableException>(() => StartAsync(bot, VersionChoice.Published));
        Assert.Equal(VersionService.NotPublishedMessage, ex.Message);

        var fallback = await StartAsync(bot, VersionChoice.PublishedOrWorking);
        Assert.Equal("never", (await Runtime.SendAsync(_editor.TeamId, fallback, "hi", null, default)).Reply!.Content);
    }

    [Fact]
    public async Task Runtime_PublishesEvents_ParticipantJoinedOnce_MessagesAndEnd()
    {
        var bot = await CreateBotAsync("ok");
        var first = await StartAsync(bot, VersionChoice.Working);
        await Runtime.SendAsync(_editor.TeamId, first, "hello", null, default);
        await Runtime.EndSessionAsync(_editor.TeamId, first, "user", default);
        await Runtime.EndSessionAsync(_editor.TeamId, first, "manual", default);
        await StartAsync(bot, VersionChoice.Working);

        Assert.Equal(
            [ChatEventKind.ParticipantJoined, ChatEventKind.SessionStarted, ChatEventKind.HumanMessage, ChatEventKind.BotMessage,
             ChatEventKind.SessionEnded, ChatEventKind.SessionStarted],
            _events.Events.Select(e => e.Kind));
        Assert.Equal("user", _events.Events.Single(e => e.Kind == ChatEventKind.SessionEnded).EndReason);
        Assert.All(_events.Events, e => Assert.Equal(bot, e.ChatbotId));
    }

    private sealed class RecordingSink : IChatEventSink
    {
        private readonly ConcurrentQueue<ChatEvent> _events = new();

        public IReadOnlyList<ChatEvent> Events => _events.ToList();

        public ValueTask OnChatEventAsync(ChatEvent chatEvent, CancellationToken ct)
        {
            _events.Enqueue(chatEvent);
            return ValueTask.CompletedTask;
        }
    }
}
