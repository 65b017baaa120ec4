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

    /// <summary>
    /// A paste travels to the server in one SignalR message (1 MB at most, StudioLimits): the long text fields stop at
    /// their server-side limit in the browser (maxlength, 3 bytes a character at most stays under the hub limit), show a
    /// counter, and the server still refuses longer text with a message.
    /// </summary>
    [Fact]
    public async Task Resources_LongTextFields_HaveACounterAndALimitBelowTheHubLimit_AndTheServerRefusesMore()
    {
        var cut = Ctx.Render<ResourcesPage>(p => p.Add(x => x.TeamSlug, _team.Slug));
        cut.WaitForAssertion(() => Assert.NotNull(cut.Find("[data-testid=add-material]")));
        await cut.Find("[data-testid=add-material]").ClickAsync(new MouseEventArgs());

        var material = cut.Find("textarea[data-testid=material-text], [data-testid=material-text] textarea");
        Assert.Equal(ResourceService.MaxMaterialLength.ToString(System.Globalization.CultureInfo.InvariantCulture), material.GetAttribute("maxlength"));
        Assert.True(ResourceService.MaxMaterialLength * 3 < OpenChatStudio.Web.Hosting.StudioLimits.MaxHubMessageBytes);
        Assert.Contains("0 / 200000", cut.Markup);
        Assert.Contains("At most 200,000 characters", cut.Markup);

        cut.Find("input[data-testid=material-topic], [data-testid=material-topic] input").Change("Long");
        material.Change(new string('x', ResourceService.MaxMaterialLength + 1));   // what a client without maxlength could send
        await cut.Find("[data-testid=save-material]").ClickAsync(new MouseEventArgs());

        cut.WaitForAssertion(() => Assert.Equal("Material is at most 200,000 characters.", cut.Find("[data-testid=material-error]").TextContent.Trim()));
        Assert.Empty(await _core.Get<ResourceService>().ListSourceMaterialsAsync(_team, default));
    }

    [Fact]
    public async Task ConsentText_TooLong_IsRefusedWithAMessage()
    {
        var refused = await _core.Get<ResourceService>().CreateConsentFormAsync(_team,
            new ConsentFormInput("Form", new string('x', ResourceService.MaxConsentTextLength + 1), false, "", ResourceService.IdentifierText, "1", false), default);

        Assert.Equal("Consent text is at most 20,000 characters.", refused.Error);
    }
}
