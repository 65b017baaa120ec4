using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.Logging.Abstractions;
using OpenChatStudio.Core.ApiKeys;
using OpenChatStudio.Core.Data;
using OpenChatStudio.Core.ScaleOut;
using OpenChatStudio.Core.Teams;
using OpenChatStudio.Tests.TestSupport;
using StackExchange.Redis;

namespace OpenChatStudio.Tests.Core.ScaleOut;

/// <summary>Instances telling each other about changes through a real Redis (two clients stand for two instances).</summary>
public class InstanceMessagesTests(RedisServer redis) : IClassFixture<RedisServer>, IAsyncLifetime
{
    private readonly CoreHost _host = new();
    private ConnectionMultiplexer _instanceA = default!;
    private ConnectionMultiplexer _instanceB = default!;

    public async Task InitializeAsync()
    {
        await _host.InitializeAsync();
        _instanceA = await redis.ConnectAsync();
        _instanceB = await redis.ConnectAsync();
    }

    public async Task DisposeAsync()
    {
        await _instanceA.DisposeAsync();
        await _instanceB.DisposeAsync();
        await _host.DisposeAsync();
    }

    private ApiKeyService KeysOn(ConnectionMultiplexer instance) => new(_host.Get<IDbContextFactory<AppDbContext>>(), TimeProvider.System,
        new RedisInstanceMessages(instance, NullLogger<RedisInstanceMessages>.Instance));

    [Fact]
    public async Task RevokingAKey_OnOneInstance_StopsItAtOnceOnAnotherThatHadItCached()
    {
        var owner = await _host.CreateUserAsync();
        var teams = _host.Get<TeamService>();
        var team = (await teams.CreateTeamAsync(owner.Id, "Scaled keys", default)).Value!;
        var admin = (await teams.GetAccessAsync(owner.Id, team.Slug, default))!;
        var onA = KeysOn(_instanceA);
        var onB = KeysOn(_instanceB);
        var created = (await onA.CreateAsync(admin, "Shared", readOnly: false, default)).Value!;
        Assert.NotNull(await onB.AuthenticateAsync(created.Key, default)); // B now remembers it for 10 s

        Assert.True((await onA.RevokeAsync(admin, created.Info.Id, default)).Succeeded);

        // Well inside B's 10 s cache time: B has been told and reads the key again.
        var refused = false;
        for (var i = 0; i < 50 && !refused; i++)
        {
            refused = await onB.AuthenticateAsync(created.Key, default) is null;
            if (!refused)
            {
                await Task.Delay(100);
            }
        }
        Assert.True(refused, "instance B still accepted the revoked key after 5 s");
    }

    [Fact]
    public async Task WithoutRedis_AnotherInstanceKeepsTheCachedKeyUntilItsCacheTimeEnds()
    {
        // The contrast that shows the message above is what made B forget: single-instance messages tell nobody.
        var owner = await _host.CreateUserAsync();
        var teams = _host.Get<TeamService>();
        var team = (await teams.CreateTeamAsync(owner.Id, "Lonely keys", default)).Value!;
        var admin = (await teams.GetAccessAsync(owner.Id, team.Slug, default))!;
        var factory = _host.Get<IDbContextFactory<AppDbContext>>();
        var onA = new ApiKeyService(factory, TimeProvider.System);
        var onB = new ApiKeyService(factory, TimeProvider.System);
        var created = (await onA.CreateAsync(admin, "Shared", readOnly: false, default)).Value!;
        Assert.NotNull(await onB.AuthenticateAsync(created.Key, default));

        await onA.RevokeAsync(admin, created.Info.Id, default);
        await Task.Delay(500);

        Assert.NotNull(await onB.AuthenticateAsync(created.Key, default));
        Assert.Null(await onA.AuthenticateAsync(created.Key, default));
    }
}
