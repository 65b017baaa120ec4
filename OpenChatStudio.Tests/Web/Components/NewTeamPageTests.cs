using System.Security.Claims;
using Bunit;
using Bunit.TestDoubles;
using Microsoft.AspNetCore.Components;
using Microsoft.Extensions.DependencyInjection;
using OpenChatStudio.Core.Teams;
using OpenChatStudio.Tests.TestSupport;
using OpenChatStudio.Web.Components.Pages;

namespace OpenChatStudio.Tests.Web.Components;

/// <summary>The create-team page over the real TeamService and database.</summary>
public class NewTeamPageTests : BunitTestContext
{
    private readonly CoreHost _core = new();
    private Guid _userId;

    public override async Task InitializeAsync()
    {
        await _core.InitializeAsync();
        _userId = (await _core.CreateUserAsync()).Id;
        Ctx.Services.AddSingleton(_core.Get<TeamService>());
        Ctx.AddAuthorization().SetAuthorized("tester").SetClaims(new Claim(ClaimTypes.NameIdentifier, _userId.ToString()));
    }

    public override async Task DisposeAsync()
    {
        await base.DisposeAsync();
        await _core.DisposeAsync();
    }

    [Fact]
    public async Task CreateTeam_WithName_CreatesTeamAndNavigatesToIt()
    {
        var cut = Ctx.Render<NewTeam>();

        cut.Find("input[data-testid=team-name], [data-testid=team-name] input").Input("Clinic Pilot");
        cut.WaitForAssertion(() => Assert.False(cut.Find("[data-testid=create-team]").HasAttribute("disabled")));
        await cut.InvokeAsync(() => cut.Find("[data-testid=create-team]").Click());

        var nav = Ctx.Services.GetRequiredService<NavigationManager>();
        cut.WaitForAssertion(() => Assert.EndsWith("t/clinic-pilot", nav.Uri));
        var teams = await _core.Get<TeamService>().ListForUserAsync(_userId, CancellationToken.None);
        Assert.Equal("Clinic Pilot", Assert.Single(teams).Name);
    }

    [Fact]
    public void CreateButton_IsDisabledUntilNameEntered()
    {
        var cut = Ctx.Render<NewTeam>();
        Assert.True(cut.Find("[data-testid=create-team]").HasAttribute("disabled"));
    }
}
