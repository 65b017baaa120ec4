using OpenChatStudio.Core.Teams;
using OpenChatStudio.Tests.TestSupport;

namespace OpenChatStudio.Tests.Core.Teams;

public class TeamServiceTests : IAsyncLifetime
{
    private readonly CoreHost _host = new();

    public Task InitializeAsync() => _host.InitializeAsync();

    public Task DisposeAsync() => _host.DisposeAsync();

    private TeamService Teams => _host.Get<TeamService>();

    [Fact]
    public async Task CreateTeam_SameNameTwice_GetsDistinctSlugs()
    {
        var owner = await _host.CreateUserAsync();

        var first = await Teams.CreateTeamAsync(owner.Id, "Field Research", CancellationToken.None);
        var second = await Teams.CreateTeamAsync(owner.Id, "Field Research", CancellationToken.None);

        Assert.Equal("field-research", first.Value!.Slug);
        Assert.Equal("field-research-2", second.Value!.Slug);
        Assert.Equal(TeamRole.Admin, first.Value.Role);
    }

    [Theory]
    [InlineData("")]
    [InlineData("   ")]
    public async Task CreateTeam_BlankName_IsRefusedWithMessage(string name)
    {
        var owner = await _host.CreateUserAsync();
        var result = await Teams.CreateTeamAsync(owner.Id, name, CancellationToken.None);
        Assert.False(result.Succeeded);
        Assert.Equal("Enter a team name.", result.Error);
    }

    [Fact]
    public async Task GetAccess_NonMember_IsNull_MemberGetsRole()
    {
        var owner = await _host.CreateUserAsync();
        var stranger = await _host.CreateUserAsync();
        var team = (await Teams.CreateTeamAsync(owner.Id, "Alpha", CancellationToken.None)).Value!;

        Assert.Null(await Teams.GetAccessAsync(stranger.Id, team.Slug, CancellationToken.None));
        Assert.Null(await Teams.GetAccessAsync(owner.Id, "no-such-team", CancellationToken.None));
        Assert.Null(await Teams.GetAccessAsync(owner.Id, "../Alpha", CancellationToken.None));
        var access = await Teams.GetAccessAsync(owner.Id, team.Slug, CancellationToken.None);
        Assert.Equal(TeamRole.Admin, access!.Role);
        Assert.Equal(team.Id, access.TeamId);
    }

    [Fact]
    public async Task ChangeRole_LastAdminDemotingThemselves_IsRefused()
    {
        var owner = await _host.CreateUserAsync();
        var team = (await Teams.CreateTeamAsync(owner.Id, "Solo", CancellationToken.None)).Value!;
        var access = (await Teams.GetAccessAsync(owner.Id, team.Slug, CancellationToken.None))!;
        var me = (await Teams.ListMembersAsync(access, CancellationToken.None)).Single();

        var result = await Teams.ChangeRoleAsync(access, me.MembershipId, TeamRole.Viewer, CancellationToken.None);

        Assert.False(result.Succeeded);
        Assert.Contains("at least one admin", result.Error);
        Assert.Equal(TeamRole.Admin, (await Teams.ListMembersAsync(access, CancellationToken.None)).Single().Role);
    }

    [Fact]
    public async Task ChangeRole_ByEditor_IsRefused()
    {
        var owner = await _host.CreateUserAsync();
        var team = (await Teams.CreateTeamAsync(owner.Id, "Roles", CancellationToken.None)).Value!;
        var ownerAccess = (await Teams.GetAccessAsync(owner.Id, team.Slug, CancellationToken.None))!;
        var owners = await Teams.ListMembersAsync(ownerAccess, CancellationToken.None);
        var editorAccess = ownerAccess with { Role = TeamRole.Editor };

        var result = await Teams.ChangeRoleAsync(editorAccess, owners[0].MembershipId, TeamRole.Viewer, CancellationToken.None);

        Assert.False(result.Succeeded);
        Assert.Equal("Only team admins can change roles.", result.Error);
    }

    [Fact]
    public async Task ListForUser_OnlyTheirTeams()
    {
        var a = await _host.CreateUserAsync();
        var b = await _host.CreateUserAsync();
        await Teams.CreateTeamAsync(a.Id, "A team", CancellationToken.None);
        await Teams.CreateTeamAsync(b.Id, "B team", CancellationToken.None);

        var list = await Teams.ListForUserAsync(a.Id, CancellationToken.None);

        Assert.Equal(["A team"], list.Select(t => t.Name));
    }
}
