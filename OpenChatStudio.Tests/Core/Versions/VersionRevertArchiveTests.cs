using Microsoft.EntityFrameworkCore;
using OpenChatStudio.Core.Chatbots;
using OpenChatStudio.Core.Data;
using OpenChatStudio.Core.Pipelines.Graph;
using OpenChatStudio.Core.Teams;
using OpenChatStudio.Core.Versions;
using OpenChatStudio.Tests.TestSupport;
using OpenChatStudio.Tests.TestSupport.Pipelines;

namespace OpenChatStudio.Tests.Core.Versions;

/// <summary>Diff, revert and archive over a real database.</summary>
public class VersionRevertArchiveTests : IAsyncLifetime
{
    private readonly CoreHost _host = new();
    private TeamAccess _editor = default!;

    public async Task InitializeAsync()
    {
        await _host.InitializeAsync();
        var owner = await _host.CreateUserAsync();
        var teams = _host.Get<TeamService>();
        var team = (await teams.CreateTeamAsync(owner.Id, "Revert", CancellationToken.None)).Value!;
        _editor = (await teams.GetAccessAsync(owner.Id, team.Slug, CancellationToken.None))! with { Role = TeamRole.Editor };
    }

    public Task DisposeAsync() => _host.DisposeAsync();

    private VersionService Versions => _host.Get<VersionService>();

    private ChatbotService Bots => _host.Get<ChatbotService>();

    private static PipelineGraph Says(string text) => PipelineGraphBuilder.WithStartAndEnd()
        .Node("t", "RenderTemplate", new { template_string = text }).Connect("start -> t", "t -> end").Build();

    private async Task<Guid> BotSayingAsync(string text)
    {
        var bot = (await Bots.CreateAsync(_editor, "Reverting", ChatbotTemplates.Blank, default)).Value!;
        Assert.True((await Bots.SavePipelineAsync(_editor, bot.Id, Says(text), new Dictionary<string, NodePosition> { ["t"] = new(10, 20) }, bot.EditRevision, default)).Succeeded);
        return bot.Id;
    }

    private async Task SaveAsync(Guid id, string text, string name)
    {
        var bot = (await Bots.GetAsync(_editor, id, default))!;
        Assert.True((await Bots.SavePipelineAsync(_editor, id, Says(text), new Dictionary<string, NodePosition> { ["t"] = new(99, 99) }, bot.EditRevision, default)).Succeeded);
        var details = (await Bots.GetAsync(_editor, id, default))!;
        Assert.True((await Bots.UpdateSettingsAsync(_editor, id, new ChatbotSettings(name, details.Description, "seed!", [], true, null), default)).Succeeded);
    }

    [Fact]
    public async Task Diff_BetweenVersionAndWorking_ShowsTheChangedParamAndSettings()
    {
        var bot = await BotSayingAsync("one");
        await Versions.CreateAsync(_editor, bot, "v1", false, "Ed", default);
        await SaveAsync(bot, "two", "Renamed");

        var diff = (await Versions.DiffAsync(_editor, bot, 1, null, default)).Value!;

        Assert.Equal(("Version 1", "Working version"), (diff.FromLabel, diff.ToLabel));
        Assert.Contains(new FieldChange("Name", "Reverting", "Renamed"), diff.Settings);
        var node = Assert.Single(diff.Nodes);
        Assert.Equal([new FieldChange("template_string", "one", "two")], node.Fields);
        Assert.True(diff.LayoutChanged);
        Assert.False((await Versions.DiffAsync(_editor, bot, 1, 7, default)).Succeeded);
    }

    [Fact]
    public async Task Revert_RestoresSettingsPipelineAndLayout_BumpsRevision_AndLeavesVersionsUntouched()
    {
        var bot = await BotSayingAsync("one");
        await Versions.CreateAsync(_editor, bot, "v1", false, "Ed", default);
        await SaveAsync(bot, "two", "Renamed");
        var before = (await Bots.GetAsync(_editor, bot, default))!;

        var revert = await Versions.RevertAsync(_editor, bot, 1, default);

        Assert.True(revert.Succeeded, revert.Error);
        var after = (await Bots.GetAsync(_editor, bot, default))!;
        Assert.Equal("Reverting", after.Name);
        Assert.Null(after.SeedMessage);
        Assert.False(after.FileUploadsEnabled);
        Assert.Equal("one", after.Pipeline.FindNode("t")!.Params["template_string"]!.GetValue<string>());
        Assert.Equal(new NodePosition(10, 20), after.Layout["t"]);
        Assert.True(after.EditRevision > before.EditRevision);
        Assert.Equal(revert.Value, after.EditRevision);
        // A designer still holding the old revision is refused rather than overwriting the revert.
        var stale = await Bots.SavePipelineAsync(_editor, bot, Says("stale"), before.Layout, before.EditRevision, default);
        Assert.False(stale.Succeeded);
        Assert.True((await Versions.DiffAsync(_editor, bot, 1, null, default)).Value!.IsEmpty);
    }

    [Fact]
    public async Task Revert_UnknownVersionOrViewer_IsRefused()
    {
        var bot = await BotSayingAsync("one");
        await Versions.CreateAsync(_editor, bot, "v1", false, "Ed", default);

        Assert.False((await Versions.RevertAsync(_editor, bot, 5, default)).Succeeded);
        Assert.False((await Versions.RevertAsync(_editor with { Role = TeamRole.Viewer }, bot, 1, default)).Succeeded);
    }

    [Fact]
    public async Task Archive_RefusesThePublishedVersion_ArchivesOthers_WhichThenCannotBePublished()
    {
        var bot = await BotSayingAsync("one");
        await Versions.CreateAsync(_editor, bot, "v1", false, "Ed", default);
        await Versions.CreateAsync(_editor, bot, "v2", false, "Ed", default);

        var published = await Versions.ArchiveAsync(_editor, bot, 1, default);
        var other = await Versions.ArchiveAsync(_editor, bot, 2, default);

        Assert.False(published.Succeeded);
        Assert.Contains("published", published.Error);
        Assert.True(other.Succeeded);
        Assert.True((await Versions.ListAsync(_editor, bot, default)).Single(v => v.Number == 2).IsArchived);
        Assert.False((await Versions.PublishAsync(_editor, bot, 2, default)).Succeeded);
    }

    [Fact]
    public async Task OtherTeamsChatbot_IsNotFound()
    {
        var bot = await BotSayingAsync("one");
        await Versions.CreateAsync(_editor, bot, "v1", false, "Ed", default);
        var owner = await _host.CreateUserAsync();
        var teams = _host.Get<TeamService>();
        var other = (await teams.CreateTeamAsync(owner.Id, "Other", CancellationToken.None)).Value!;
        var stranger = (await teams.GetAccessAsync(owner.Id, other.Slug, CancellationToken.None))!;

        Assert.False((await Versions.DiffAsync(stranger, bot, 1, null, default)).Succeeded);
        Assert.False((await Versions.RevertAsync(stranger, bot, 1, default)).Succeeded);
        Assert.False((await Versions.ArchiveAsync(stranger, bot, 1, default)).Succeeded);
        await using var db = await _host.Get<IDbContextFactory<AppDbContext>>().CreateForTeamAsync(_editor.TeamId, default);
        Assert.False(await db.ChatbotVersions.AnyAsync(v => v.ChatbotId == bot && v.IsArchived));
    }
}
