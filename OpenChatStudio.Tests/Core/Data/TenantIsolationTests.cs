using Microsoft.EntityFrameworkCore;
using OpenChatStudio.Core.Data;
using OpenChatStudio.Core.Teams;
using OpenChatStudio.Tests.TestSupport;

namespace OpenChatStudio.Tests.Core.Data;

/// <summary>The database-level half of tenant isolation: <see cref="AppDbContext.TeamScope"/>.</summary>
public class TenantIsolationTests : IAsyncLifetime
{
    private readonly CoreHost _host = new();

    public Task InitializeAsync() => _host.InitializeAsync();

    public Task DisposeAsync() => _host.DisposeAsync();

    private async Task<(TeamAccess A, TeamAccess B)> TwoTeamsWithInvitationsAsync()
    {
        var teams = _host.Get<TeamService>();
        var invitations = _host.Get<InvitationService>();
        var ua = await _host.CreateUserAsync();
        var ub = await _host.CreateUserAsync();
        var ta = (await teams.CreateTeamAsync(ua.Id, "Team A", CancellationToken.None)).Value!;
        var tb = (await teams.CreateTeamAsync(ub.Id, "Team B", CancellationToken.None)).Value!;
        var a = (await teams.GetAccessAsync(ua.Id, ta.Slug, CancellationToken.None))!;
        var b = (await teams.GetAccessAsync(ub.Id, tb.Slug, CancellationToken.None))!;
        await invitations.CreateAsync(a, null, TeamRole.Viewer, CancellationToken.None);
        await invitations.CreateAsync(b, null, TeamRole.Viewer, CancellationToken.None);
        return (a, b);
    }

    [Fact]
    public async Task ScopedContext_SeesOnlyItsTeamsRows()
    {
        var (a, _) = await TwoTeamsWithInvitationsAsync();
        var factory = _host.Get<IDbContextFactory<AppDbContext>>();

        await using var db = await factory.CreateForTeamAsync(a.TeamId, CancellationToken.None);

        Assert.All(await db.TeamInvitations.ToListAsync(), i => Assert.Equal(a.TeamId, i.TeamId));
        Assert.Single(await db.TeamInvitations.ToListAsync());
        Assert.All(await db.TeamMemberships.ToListAsync(), m => Assert.Equal(a.TeamId, m.TeamId));
    }

    [Fact]
    public async Task UnscopedContext_SeesNoTeamOwnedRows()
    {
        await TwoTeamsWithInvitationsAsync();
        await using var db = await _host.Get<IDbContextFactory<AppDbContext>>().CreateDbContextAsync();

        Assert.Empty(await db.TeamInvitations.ToListAsync());
        Assert.Equal(2, await db.TeamInvitations.IgnoreQueryFilters().CountAsync());
    }

    [Fact]
    public async Task PooledContexts_NeverCarryAPreviousTeamScope()
    {
        var (a, b) = await TwoTeamsWithInvitationsAsync();
        var factory = _host.Get<IDbContextFactory<AppDbContext>>();
        var scopedBefore = new HashSet<AppDbContext>(ReferenceEqualityComparer.Instance);
        for (var i = 0; i < 4; i++)
        {
            await using var scoped = await factory.CreateForTeamAsync(a.TeamId, CancellationToken.None);
            Assert.Single(await scoped.TeamInvitations.ToListAsync());
            scopedBefore.Add(scoped);
        }

        // Contexts are pooled: later rents reuse those instances, and each must come back unscoped.
        var reused = 0;
        for (var i = 0; i < 4; i++)
        {
            await using var next = await factory.CreateDbContextAsync();
            reused += scopedBefore.Contains(next) ? 1 : 0;
            Assert.Null(next.TeamScope);
            Assert.Empty(await next.TeamInvitations.ToListAsync());
            next.TeamScope = b.TeamId;
            Assert.Equal(b.TeamId, Assert.Single(await next.TeamInvitations.ToListAsync()).TeamId);
        }
        Assert.True(reused > 0, "expected pooled contexts to be reused");
    }

    [Fact]
    public async Task ScopedContext_RefusesToDeleteAnotherTeamsRow()
    {
        var (a, b) = await TwoTeamsWithInvitationsAsync();
        var factory = _host.Get<IDbContextFactory<AppDbContext>>();
        await using var db = await factory.CreateForTeamAsync(a.TeamId, CancellationToken.None);
        var foreign = await db.TeamInvitations.IgnoreQueryFilters().FirstAsync(i => i.TeamId == b.TeamId);

        db.TeamInvitations.Remove(foreign);

        var ex = await Assert.ThrowsAsync<InvalidOperationException>(() => db.SaveChangesAsync());
        Assert.Contains("another team", ex.Message);
        await using var check = await factory.CreateDbContextAsync();
        Assert.Equal(2, await check.TeamInvitations.IgnoreQueryFilters().CountAsync());
    }

    [Fact]
    public async Task Revoke_OtherTeamsInvitationId_ReturnsFalseAndKeepsIt()
    {
        var (a, b) = await TwoTeamsWithInvitationsAsync();
        var invitations = _host.Get<InvitationService>();
        var bInvite = (await invitations.ListPendingAsync(b, CancellationToken.None)).Single();

        Assert.False(await invitations.RevokeAsync(a, bInvite.Id, CancellationToken.None));
        Assert.Single(await invitations.ListPendingAsync(b, CancellationToken.None));
    }

    [Fact]
    public async Task Timestamps_ComeBackAsUtc()
    {
        var (a, _) = await TwoTeamsWithInvitationsAsync();
        var invite = (await _host.Get<InvitationService>().ListPendingAsync(a, CancellationToken.None)).Single();
        Assert.Equal(DateTimeKind.Utc, invite.CreatedAt.Kind);
        Assert.Equal(DateTimeKind.Utc, invite.ExpiresAt.Kind);
    }
}
