using OpenChatStudio.Core.Chatbots;
using OpenChatStudio.Core.Pipelines.Graph;
using OpenChatStudio.Core.Pipelines.Registry;
using OpenChatStudio.Core.Teams;
using OpenChatStudio.Tests.TestSupport;

namespace OpenChatStudio.Tests.Core.Chatbots;

public class ChatbotServiceTests : IAsyncLifetime
{
    private readonly CoreHost _host = new();
    private TeamAccess _editor = default!;

    public async Task InitializeAsync()
    {
        await _host.InitializeAsync();
        var owner = await _host.CreateUserAsync();
        var teams = _host.Get<TeamService>();
        var team = (await teams.CreateTeamAsync(owner.Id, "Bots", CancellationToken.None)).Value!;
        _editor = (await teams.GetAccessAsync(owner.Id, team.Slug, CancellationToken.None))! with { Role = TeamRole.Editor };
    }

    public Task DisposeAsync() => _host.DisposeAsync();

    private ChatbotService Service => _host.Get<ChatbotService>();

    [Theory]
    [InlineData(ChatbotTemplates.Blank)]
    [InlineData(ChatbotTemplates.SimpleAssistant)]
    [InlineData(ChatbotTemplates.RouterWithSpecialists)]
    [InlineData(ChatbotTemplates.Intake)]
    public async Task Create_FromEveryTemplate_GivesAValidPipelineWithLayout(string template)
    {
        var created = await Service.CreateAsync(_editor, "My bot", template, default);

        Assert.True(created.Succeeded, created.Error);
        Assert.Empty(new GraphValidator(_host.Get<NodeRegistry>()).Validate(created.Value!.Pipeline));
        Assert.All(created.Value.Pipeline.Nodes, n => Assert.True(created.Value.Layout.ContainsKey(n.Id)));
    }

    [Fact]
    public async Task SavePipeline_StaleRevision_IsRefused_AndNothingIsOverwritten()
    {
        var bot = (await Service.CreateAsync(_editor, "Shared", ChatbotTemplates.Blank, default)).Value!;
        var mine = bot.Pipeline with { Nodes = [.. bot.Pipeline.Nodes, GraphNode.Create("pass", "Passthrough", "pass")] };
        var theirs = bot.Pipeline with { Nodes = [.. bot.Pipeline.Nodes, GraphNode.Create("other", "Passthrough", "other")] };

        var first = await Service.SavePipelineAsync(_editor, bot.Id, mine, bot.Layout, bot.EditRevision, default);
        var stale = await Service.SavePipelineAsync(_editor, bot.Id, theirs, bot.Layout, bot.EditRevision, default);

        Assert.True(first.Succeeded);
        Assert.Equal(bot.EditRevision + 1, first.Value);
        Assert.False(stale.Succeeded);
        Assert.Contains("Someone else saved this pipeline", stale.Error);
        var stored = (await Service.GetAsync(_editor, bot.Id, default))!;
        Assert.Contains(stored.Pipeline.Nodes, n => n.Id == "pass");
        Assert.DoesNotContain(stored.Pipeline.Nodes, n => n.Id == "other");
    }

    [Fact]
    public async Task Settings_AllowlistBulkPaste_IsNormalized_AndBadInputRefused()
    {
        var bot = (await Service.CreateAsync(_editor, "Gated", ChatbotTemplates.Blank, default)).Value!;
        var list = ChatbotService.ParseAllowlist("a@x.org, b@x.org;\n a@x.org  +15550100\n\n");

        var saved = await Service.UpdateSettingsAsync(_editor, bot.Id, new ChatbotSettings("Gated", "d", "hi", list, true, null), default);
        var blank = await Service.UpdateSettingsAsync(_editor, bot.Id, new ChatbotSettings(" ", "", null, [], false, null), default);
        var badForm = await Service.UpdateSettingsAsync(_editor, bot.Id, new ChatbotSettings("Gated", "", null, [], false, Guid.NewGuid()), default);

        Assert.Equal(["a@x.org", "b@x.org", "+15550100"], saved.Value!.ParticipantAllowlist);
        Assert.Equal("hi", saved.Value.SeedMessage);
        Assert.Equal("Give the chatbot a name.", blank.Error);
        Assert.Contains("consent form does not exist", badForm.Error);
    }

    [Fact]
    public async Task CopyArchiveSearch_Work_AndViewerIsRefused()
    {
        var bot = (await Service.CreateAsync(_editor, "Triage", ChatbotTemplates.RouterWithSpecialists, default)).Value!;
        var copy = (await Service.CopyAsync(_editor, bot.Id, default)).Value!;
        await Service.SetArchivedAsync(_editor, bot.Id, true, default);

        var active = await Service.ListAsync(_editor, "triage", includeArchived: false, default);
        var all = await Service.ListAsync(_editor, null, includeArchived: true, default);
        var viewer = await Service.CreateAsync(_editor with { Role = TeamRole.Viewer }, "Nope", ChatbotTemplates.Blank, default);

        Assert.Equal("Copy of Triage", copy.Name);
        Assert.True(copy.Pipeline.SameAs(bot.Pipeline));
        Assert.Equal(["Copy of Triage"], active.Select(c => c.Name));
        Assert.Equal(2, all.Count);
        Assert.False(viewer.Succeeded);
    }
}
