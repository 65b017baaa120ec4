using Microsoft.Extensions.DependencyInjection;
using OpenChatStudio.Core.Teams;
using OpenChatStudio.Tests.TestSupport;

namespace OpenChatStudio.Tests.Core.Teams;

public class InvitationServiceTests : IAsyncLifetime
{
    private readonly CoreHost _host = new();

    public Task InitializeAsync() => _host.InitializeAsync();

    public Task DisposeAsync() => _host.DisposeAsync();

    private async Task<TeamAccess> AdminAccessAsync()
    {
        var owner = await _host.CreateUserAsync();
        var teams = _host.Get<TeamService>();
        var team = (await teams.CreateTeamAsync(owner.Id, "Invites " + Guid.NewGuid().ToString("N")[..6], CancellationToken.None)).Value!;
        return (await teams.GetAccessAsync(owner.Id, team.Slug, CancellationToken.None))!;
    }

    [Fact]
    public async Task Accept_ValidLink_AddsMemberWithRole_AndLinkIsSingleUse()
    {
        var admin = await AdminAccessAsync();
        var invitations = _host.Get<InvitationService>();
        var invite = (await invitations.CreateAsync(admin, null, TeamRole.Editor, CancellationToken.None)).Value!;
        var joiner = await _host.CreateUserAsync();
        var other = await _host.CreateUserAsync();

        var joined = await invitations.AcceptAsync(invite.Token, joiner.Id, joiner.Email!, CancellationToken.None);
        var again = await invitations.AcceptAsync(invite.Token, other.Id, other.Email!, CancellationToken.None);

        Assert.True(joined.Succeeded, joined.Error);
        Assert.Equal(TeamRole.Editor, (await _host.Get<TeamService>().GetAccessAsync(joiner.Id, admin.Slug, CancellationToken.None))!.Role);
        Assert.False(again.Succeeded);
        Assert.Equal("This invitation has already been used.", again.Error);
        Assert.Null(await _host.Get<TeamService>().GetAccessAsync(other.Id, admin.Slug, CancellationToken.None));
    }

    [Fact]
    public async Task Accept_LinkForAnotherEmail_IsRefused()
    {
        var admin = await AdminAccessAsync();
        var invitations = _host.Get<InvitationService>();
        var invite = (await invitations.CreateAsync(admin, "Someone@Example.test", TeamRole.Viewer, CancellationToken.None)).Value!;
        var wrong = await _host.CreateUserAsync("wrong@example.test");

        var result = await invitations.AcceptAsync(invite.Token, wrong.Id, wrong.Email!, CancellationToken.None);

        Assert.False(result.Succeeded);
        Assert.Contains("someone@example.test", result.Error);
    }

    [Fact]
    public async Task Preview_ExpiredLink_SaysExpired()
    {
        var admin = await AdminAccessAsync();
        var clock = new MutableClock(DateTimeOffset.UtcNow);
        var invitations = new InvitationService(_host.Get<Microsoft.EntityFrameworkCore.IDbContextFactory<OpenChatStudio.Core.Data.AppDbContext>>(), clock);
        var invite = (await invitations.CreateAsync(admin, null, TeamRole.Viewer, CancellationToken.None)).Value!;

        clock.Now += InvitationService.Lifetime + TimeSpan.FromMinutes(1);
        var preview = await invitations.PreviewAsync(invite.Token, CancellationToken.None);

        Assert.False(preview!.CanAccept);
        Assert.Contains("expired", preview.Problem);
        Assert.Empty(await invitations.ListPendingAsync(admin, CancellationToken.None));
    }

    [Theory]
    [InlineData("not-an-email")]
    [InlineData("a@")]
    public async Task Create_InvalidEmail_IsRefused(string email)
    {
        var admin = await AdminAccessAsync();
        var result = await _host.Get<InvitationService>().CreateAsync(admin, email, TeamRole.Viewer, CancellationToken.None);
        Assert.Equal("That email address is not valid.", result.Error);
    }

    [Fact]
    public async Task Create_ByViewer_IsRefused()
    {
        var admin = await AdminAccessAsync();
        var result = await _host.Get<InvitationService>().CreateAsync(admin with { Role = TeamRole.Viewer }, null, TeamRole.Admin, CancellationToken.None);
        Assert.False(result.Succeeded);
    }

    [Fact]
    public async Task Preview_UnknownToken_IsNull() =>
        Assert.Null(await _host.Get<InvitationService>().PreviewAsync("nope", CancellationToken.None));

    private sealed class MutableClock(DateTimeOffset start) : TimeProvider
    {
        public DateTimeOffset Now { get; set; } = start;

        public override DateTimeOffset GetUtcNow() => Now;
    }
}
