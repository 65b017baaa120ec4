using System.Security.Claims;
using Bunit;
using Microsoft.AspNetCore.Components.Web;
using Microsoft.Extensions.DependencyInjection;
using OpenChatStudio.Core.Accounts;
using OpenChatStudio.Core.ApiKeys;
using OpenChatStudio.Core.Teams;
using OpenChatStudio.Tests.TestSupport;
using TeamSettingsPage = OpenChatStudio.Web.Components.Teams.TeamSettings;

namespace OpenChatStudio.Tests.Web.Components;

/// <summary>The "API keys" section of team settings over the real ApiKeyService and database.</summary>
public class TeamSettingsApiKeysTests : BunitTestContext
{
    private readonly CoreHost _core = new();
    private TeamAccess _team = default!;

    public override async Task InitializeAsync()
    {
        await _core.InitializeAsync();
        var teams = _core.Get<TeamService>();
        var ownerId = (await _core.CreateUserAsync()).Id;
        var team = (await teams.CreateTeamAsync(ownerId, "Keys UI", CancellationToken.None)).Value!;
        _team = (await teams.GetAccessAsync(ownerId, team.Slug, CancellationToken.None))!;
        Ctx.Services.AddSingleton(teams);
        Ctx.Services.AddSingleton(_core.Get<InvitationService>());
        Ctx.Services.AddSingleton(_core.Get<ApiKeyService>());
    }

    public override async Task DisposeAsync()
    {
        await base.DisposeAsync();
        await _core.DisposeAsync();
    }

    private void SignIn(Guid userId) =>
        Ctx.AddAuthorization().SetAuthorized("tester").SetClaims(new Claim(ClaimTypes.NameIdentifier, userId.ToString()));

    [Fact]
    public async Task ApiKeys_AdminCreatesKey_ShowsItOnce_AndListsPrefix()
    {
        SignIn(_team.UserId);
        var cut = Ctx.Render<TeamSettingsPage>(p => p.Add(x => x.TeamSlug, _team.Slug));
        cut.WaitForAssertion(() => Assert.NotNull(cut.Find("[data-testid=api-keys]")));

        cut.Find("input[data-testid=api-key-name], [data-testid=api-key-name] input").Change("Reporting");
        await cut.Find("[data-testid=create-api-key]").ClickAsync(new MouseEventArgs());

        cut.WaitForAssertion(() => Assert.NotNull(cut.Find("[data-testid=api-keys-table]")));
        var shown = cut.Find("input[data-testid=api-key-value], [data-testid=api-key-value] input").GetAttribute("value")!;
        var identity = await _core.Get<ApiKeyService>().AuthenticateAsync(shown, CancellationToken.None);
        Assert.NotNull(identity);
        Assert.True(identity.ReadOnly);
        Assert.Contains("will not be shown again", cut.Markup);
        var table = cut.Find("[data-testid=api-keys-table]").TextContent;
        Assert.Contains("Reporting", table);
        Assert.Contains(shown[..12], table);
        Assert.DoesNotContain(shown[13..], table);
    }

    [Fact]
    public async Task ApiKeys_Viewer_DoesNotSeeSection()
    {
        var viewer = await _core.CreateUserAsync();
        await using (var scope = _core.Scope())
        {
            var joined = await scope.ServiceProvider.GetRequiredService<AccountService>().AddToTeamAsync(viewer.Id, _team.Slug, TeamRole.Viewer, CancellationToken.None);
            Assert.True(joined.Succeeded, joined.Error);
        }
        SignIn(viewer.Id);

        var cut = Ctx.Render<TeamSettingsPage>(p => p.Add(x => x.TeamSlug, _team.Slug));

        cut.WaitForAssertion(() => Assert.NotNull(cut.Find("[data-testid=members-table]")));
        Assert.Empty(cut.FindAll("[data-testid=api-keys]"));
    }
}
