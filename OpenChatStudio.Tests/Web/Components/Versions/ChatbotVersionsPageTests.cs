using System.Security.Claims;
using Bunit;
using Microsoft.Extensions.DependencyInjection;
using OpenChatStudio.Core.Chatbots;
using OpenChatStudio.Core.Pipelines.Graph;
using OpenChatStudio.Core.Teams;
using OpenChatStudio.Core.Versions;
using OpenChatStudio.Tests.TestSupport;
using OpenChatStudio.Tests.TestSupport.Pipelines;
using OpenChatStudio.Web.Components.Versions;

namespace OpenChatStudio.Tests.Web.Components.Versions;

/// <summary>The Versions page over the real services: create (first is published), diff shown, revert with confirmation.</summary>
public class ChatbotVersionsPageTests : BunitTestContext
{
    private readonly CoreHost _core = new();
    private TeamAccess _team = default!;

    public override async Task InitializeAsync()
    {
        await _core.InitializeAsync();
        var userId = (await _core.CreateUserAsync()).Id;
        var teams = _core.Get<TeamService>();
        var team = (await teams.CreateTeamAsync(userId, "Clinic", CancellationToken.None)).Value!;
        _team = (await teams.GetAccessAsync(userId, team.Slug, CancellationToken.None))!;
        Ctx.Services.AddSingleton(teams);
        Ctx.Services.AddSingleton(_core.Get<ChatbotService>());
        Ctx.Services.AddSingleton(_core.Get<VersionService>());
        Ctx.AddAuthorization().SetAuthorized("Tess Tester").SetClaims(new Claim(ClaimTypes.NameIdentifier, userId.ToString()));
    }

    public override async Task DisposeAsync()
    {
        await base.DisposeAsync();
        await _core.DisposeAsync();
    }

    private static PipelineGraph Says(string text) => PipelineGraphBuilder.WithStartAndEnd()
        .Node("t", "RenderTemplate", new { template_string = text }).Connect("start -> t", "t -> end").Build();

    private async Task<Guid> BotAsync(string text)
    {
        var bots = _core.Get<ChatbotService>();
        var bot = (await bots.CreateAsync(_team, "Helper", ChatbotTemplates.Blank, default)).Value!;
        Assert.True((await bots.SavePipelineAsync(_team, bot.Id, Says(text), new Dictionary<string, NodePosition>(), bot.EditRevision, default)).Succeeded);
        return bot.Id;
    }

    private IRenderedComponent<ChatbotVersions> Render(Guid id) =>
        Ctx.Render<ChatbotVersions>(p => p.Add(x => x.TeamSlug, _team.Slug).Add(x => x.ChatbotId, id));

    [Fact]
    public async Task CreatingTheFirstVersion_PublishesIt_AndTheUnpublishedWarningGoes()
    {
        var bot = await BotAsync("one");
        var cut = Render(bot);
        cut.WaitForAssertion(() => Assert.NotNull(cut.Find("[data-testid=unpublished-warning]")));

        cut.WaitForAssertion(() => cut.Find("button[data-testid=create-version]").Click());
        cut.WaitForAssertion(() => cut.Find("textarea[data-testid=version-description], [data-testid=version-description] textarea").Change("Launch"));
        cut.WaitForElement("button[data-testid=create-version-confirm]").Click();

        cut.WaitForAssertion(() => Assert.NotNull(cut.Find("[data-testid=published-badge]")));
        Assert.Empty(cut.FindAll("[data-testid=unpublished-warning]"));
        Assert.Contains("Launch", cut.Find("[data-testid=versions-table]").TextContent);
        Assert.Contains("Tess Tester", cut.Find("[data-testid=versions-table]").TextContent);
        var versions = await _core.Get<VersionService>().ListAsync(_team, bot, default);
        Assert.Equal((1, "Launch", true), (versions.Single().Number, versions.Single().Description, versions.Single().IsPublished));
    }

    [Fact]
    public async Task CompareWithWorking_ShowsTheChangedNodeParam()
    {
        var bot = await BotAsync("one");
        await _core.Get<VersionService>().CreateAsync(_team, bot, "v1", false, "Ed", default);
        var bots = _core.Get<ChatbotService>();
        var details = (await bots.GetAsync(_team, bot, default))!;
        await bots.SavePipelineAsync(_team, bot, Says("two"), details.Layout, details.EditRevision, default);
        var cut = Render(bot);

        cut.WaitForAssertion(() => cut.Find("button[data-testid=diff-working-1]").Click());

        cut.WaitForAssertion(() =>
        {
            var node = cut.Find("[data-testid=diff-node]");
            Assert.Contains("template_string", node.TextContent);
            Assert.Contains("one", node.TextContent);
            Assert.Contains("two", node.TextContent);
        });
    }

    [Fact]
    public async Task Revert_AsksForConfirmation_ThenRestoresTheVersion()
    {
        var bot = await BotAsync("one");
        await _core.Get<VersionService>().CreateAsync(_team, bot, "v1", false, "Ed", default);
        var bots = _core.Get<ChatbotService>();
        var details = (await bots.GetAsync(_team, bot, default))!;
        await bots.SavePipelineAsync(_team, bot, Says("two"), details.Layout, details.EditRevision, default);
        var cut = Render(bot);

        cut.WaitForAssertion(() => cut.Find("button[data-testid=revert-1]").Click());
        Assert.Contains("Unsaved and unreleased changes", cut.WaitForElement("[data-testid=confirm]").TextContent);
        Assert.Equal("two", (await bots.GetAsync(_team, bot, default))!.Pipeline.FindNode("t")!.Params["template_string"]!.GetValue<string>());
        cut.Find("button[data-testid=confirm-yes]").Click();

        cut.WaitForAssertion(() => Assert.Empty(cut.FindAll("[data-testid=confirm]")));
        Assert.Equal("one", (await bots.GetAsync(_team, bot, default))!.Pipeline.FindNode("t")!.Params["template_string"]!.GetValue<string>());
    }
}
