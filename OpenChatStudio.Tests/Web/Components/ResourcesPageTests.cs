using System.Security.Claims;
using Bunit;
using Microsoft.AspNetCore.Components.Web;
using Microsoft.Extensions.DependencyInjection;
using OpenChatStudio.Core.Chatbots;
using OpenChatStudio.Core.Teams;
using OpenChatStudio.Tests.TestSupport;
using ResourcesPage = OpenChatStudio.Web.Components.Teams.Resources;

namespace OpenChatStudio.Tests.Web.Components;

/// <summary>The team resources page over the real ResourceService and database.</summary>
public class ResourcesPageTests : BunitTestContext
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
        Ctx.Services.AddSingleton(_core.Get<ResourceService>());
        Ctx.AddAuthorization().SetAuthorized("tester").SetClaims(new Claim(ClaimTypes.NameIdentifier, userId.ToString()));
    }

    public override async Task DisposeAsync()
    {
        await base.DisposeAsync();
        await _core.DisposeAsync();
    }

    [Fact]
    public async Task Resources_AddSourceMaterial_ShowsRowAndStoresIt()
    {
        var cut = Ctx.Render<ResourcesPage>(p => p.Add(x => x.TeamSlug, _team.Slug));
        cut.WaitForAssertion(() => Assert.Contains("No source material yet", cut.Markup));

        await cut.Find("[data-testid=add-material]").ClickAsync(new MouseEventArgs());
        cut.Find("input[data-testid=material-topic], [data-testid=material-topic] input").Change("Malaria");
        cut.Find("textarea[data-testid=material-text], [data-testid=material-text] textarea").Change("Spread by mosquitoes.");
        await cut.Find("[data-testid=save-material]").ClickAsync(new MouseEventArgs());

        Assert.Contains("Malaria", Assert.Single(cut.FindAll("[data-testid=material-row]")).TextContent);
        Assert.Equal("Spread by mosquitoes.", Assert.Single(await _core.Get<ResourceService>().ListSourceMaterialsAsync(_team, default)).Material);
    }

    [Fact]
    public async Task Resources_SaveWithoutTopic_ShowsValidationMessage()
    {
        var cut = Ctx.Render<ResourcesPage>(p => p.Add(x => x.TeamSlug, _team.Slug));
        cut.WaitForAssertion(() => Assert.NotNull(cut.Find("[data-testid=add-material]")));

        await cut.Find("[data-testid=add-material]").ClickAsync(new MouseEventArgs());
        await cut.Find("[data-testid=save-material]").ClickAsync(new MouseEventArgs());

        Assert.Equal("Give the source material a topic.", cut.Find("[data-testid=material-error]").TextContent.Trim());
        Assert.Empty(await _core.Get<ResourceService>().ListSourceMaterialsAsync(_team, default));
    }
}
