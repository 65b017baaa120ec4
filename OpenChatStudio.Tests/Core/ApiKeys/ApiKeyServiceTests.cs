using Microsoft.EntityFrameworkCore;
using OpenChatStudio.Core.ApiKeys;
using OpenChatStudio.Core.Data;
using OpenChatStudio.Core.Teams;
using OpenChatStudio.Tests.TestSupport;

namespace OpenChatStudio.Tests.Core.ApiKeys;

public class ApiKeyServiceTests : IAsyncLifetime
{
    private readonly CoreHost _host = new();

    public Task InitializeAsync() => _host.InitializeAsync();

    public Task DisposeAsync() => _host.DisposeAsync();

    private ApiKeyService Keys => _host.Get<ApiKeyService>();

    private async Task<TeamAccess> AdminAccessAsync()
    {
        var owner = await _host.CreateUserAsync();
        var teams = _host.Get<TeamService>();
        var team = (await teams.CreateTeamAsync(owner.Id, "Keys " + Guid.NewGuid().ToString("N")[..6], CancellationToken.None)).Value!;
        return (await teams.GetAccessAsync(owner.Id, team.Slug, CancellationToken.None))!;
    }

    [Fact]
    public async Task Create_ReturnsKeyThatAuthenticates_ToItsTeamAndKey()
    {
        var admin = await AdminAccessAsync();

        var created = await Keys.CreateAsync(admin, "CI bot", readOnly: false, CancellationToken.None);
        Assert.True(created.Succeeded, created.Error);
        var identity = await Keys.AuthenticateAsync(created.Value!.Key, CancellationToken.None);

        Assert.Matches("^ocs_[a-z0-9]{8}_[A-Za-z0-9_-]{40,}$", created.Value.Key);
        Assert.NotNull(identity);
        Assert.Equal(admin.TeamId, identity.TeamId);
        Assert.Equal(created.Value.Info.Id, identity.KeyId);
        Assert.False(identity.ReadOnly);
    }

    [Fact]
    public async Task Create_DefaultsToReadOnly_AndStoresOnlyTheHash()
    {
        var admin = await AdminAccessAsync();
        var created = (await Keys.CreateAsync(admin, "Reporting", readOnly: true, CancellationToken.None)).Value!;

        await using var db = await _host.Get<IDbContextFactory<AppDbContext>>().CreateForTeamAsync(admin.TeamId, CancellationToken.None);
        var row = await db.ApiKeys.SingleAsync(k => k.Id == created.Info.Id);
        var columns = new[] { row.Name, row.Prefix, row.Hash };

        Assert.True((await Keys.AuthenticateAsync(created.Key, CancellationToken.None))!.ReadOnly);
        Assert.NotEqual(created.Key, row.Hash);
        Assert.Equal(ApiKeyService.HashKey(created.Key), row.Hash);
        Assert.DoesNotContain(columns, c => c.Contains(created.Key.Split('_', 3)[2], StringComparison.Ordinal));
    }

    [Fact]
    public async Task Authenticate_RevokedWrongOrMalformedKey_ReturnsNull()
    {
        var admin = await AdminAccessAsync();
        var created = (await Keys.CreateAsync(admin, "Temp", readOnly: false, CancellationToken.None)).Value!;
        var tampered = created.Key[..^1] + (created.Key[^1] == 'A' ? 'B' : 'A');

        Assert.Null(await Keys.AuthenticateAsync(tampered, CancellationToken.None));
        Assert.Null(await Keys.AuthenticateAsync("not-a-key", CancellationToken.None));
        Assert.Null(await Keys.AuthenticateAsync("", CancellationToken.None));
        Assert.True((await Keys.RevokeAsync(admin, created.Info.Id, CancellationToken.None)).Succeeded);
        Assert.Null(await Keys.AuthenticateAsync(created.Key, CancellationToken.None));
    }

    [Fact]
    public async Task Authenticate_IsRemembered_ButRevokingForgetsAtOnce()
    {
        var admin = await AdminAccessAsync();
        var created = (await Keys.CreateAsync(admin, "Busy client", readOnly: false, CancellationToken.None)).Value!;
        Assert.NotNull(await Keys.AuthenticateAsync(created.Key, CancellationToken.None));

        Assert.True((await Keys.RevokeAsync(admin, created.Info.Id, CancellationToken.None)).Succeeded);

        Assert.Null(await Keys.AuthenticateAsync(created.Key, CancellationToken.None));
    }

    [Fact]
    public async Task Authenticate_RevokedElsewhere_IsRefusedOnceTheCacheTimePassed()
    {
        var admin = await AdminAccessAsync();
        var clock = new MutableClock(DateTimeOffset.UtcNow);
        var factory = _host.Get<IDbContextFactory<AppDbContext>>();
        var keys = new ApiKeyService(factory, clock);
        var created = (await keys.CreateAsync(admin, "Shared", readOnly: true, CancellationToken.None)).Value!;
        Assert.NotNull(await keys.AuthenticateAsync(created.Key, CancellationToken.None));

        // Another instance (or an operator) revokes the key in the database: this instance stops accepting it within the cache time.
        await using (var db = await factory.CreateForTeamAsync(admin.TeamId, CancellationToken.None))
        {
            (await db.ApiKeys.SingleAsync(k => k.Id == created.Info.Id)).Revoke(clock.GetUtcNow().UtcDateTime);
            await db.SaveChangesAsync();
        }
        Assert.NotNull(await keys.AuthenticateAsync(created.Key, CancellationToken.None));
        clock.Now += ApiKeyService.AuthenticationCacheTime + TimeSpan.FromSeconds(1);

        Assert.Null(await keys.AuthenticateAsync(created.Key, CancellationToken.None));
    }

    [Theory]
    [InlineData(TeamRole.Viewer)]
    [InlineData(TeamRole.Editor)]
    public async Task CreateOrRevoke_ByNonAdmin_IsRefused(TeamRole role)
    {
        var admin = await AdminAccessAsync();
        var existing = (await Keys.CreateAsync(admin, "Existing", readOnly: true, CancellationToken.None)).Value!;
        var member = admin with { Role = role };

        var created = await Keys.CreateAsync(member, "Sneaky", readOnly: false, CancellationToken.None);
        var revoked = await Keys.RevokeAsync(member, existing.Info.Id, CancellationToken.None);

        Assert.False(created.Succeeded);
        Assert.Equal("Only team admins can create API keys.", created.Error);
        Assert.False(revoked.Succeeded);
        Assert.NotNull(await Keys.AuthenticateAsync(existing.Key, CancellationToken.None));
        Assert.Empty(await Keys.ListAsync(member, CancellationToken.None));
    }

    [Fact]
    public async Task List_ShowsPrefixOnly_AndOnlyThisTeamsKeys()
    {
        var admin = await AdminAccessAsync();
        var other = await AdminAccessAsync();
        var created = (await Keys.CreateAsync(admin, "Listed", readOnly: true, CancellationToken.None)).Value!;
        await Keys.CreateAsync(other, "Other team", readOnly: true, CancellationToken.None);

        var list = await Keys.ListAsync(admin, CancellationToken.None);

        var info = Assert.Single(list);
        Assert.Equal("Listed", info.Name);
        Assert.Equal(created.Key.Substring(4, 8), info.Prefix);
        Assert.DoesNotContain(created.Key.Split('_', 3)[2], info.ToString(), StringComparison.Ordinal);
    }

    [Fact]
    public async Task Create_WithoutName_IsRefused()
    {
        var admin = await AdminAccessAsync();

        var created = await Keys.CreateAsync(admin, "  ", readOnly: true, CancellationToken.None);

        Assert.False(created.Succeeded);
        Assert.Equal("Give the API key a name.", created.Error);
    }

    [Fact]
    public async Task Authenticate_UpdatesLastUsedAt()
    {
        var admin = await AdminAccessAsync();
        var created = (await Keys.CreateAsync(admin, "Used", readOnly: true, CancellationToken.None)).Value!;
        Assert.Null(created.Info.LastUsedAt);

        await Keys.AuthenticateAsync(created.Key, CancellationToken.None);

        Assert.NotNull((await Keys.ListAsync(admin, CancellationToken.None)).Single().LastUsedAt);
    }

    private sealed class MutableClock(DateTimeOffset start) : TimeProvider
    {
        public DateTimeOffset Now { get; set; } = start;

        public override DateTimeOffset GetUtcNow() => Now;
    }
}
