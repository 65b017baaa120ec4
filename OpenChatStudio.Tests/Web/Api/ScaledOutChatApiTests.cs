using Microsoft.Extensions.DependencyInjection;
using OpenChatStudio.Core.ScaleOut;
using OpenChatStudio.Tests.TestSupport;
using StackExchange.Redis;
using static OpenChatStudio.Tests.Web.Api.ChatApiTestKit;

namespace OpenChatStudio.Tests.Web.Api;

/// <summary>The web host configured with <c>Redis:Connection</c> (a real Redis): the widget's chat flow through the session lock.</summary>
public class ScaledOutChatApiTests(RedisServer redis) : IClassFixture<RedisServer>, IAsyncLifetime
{
    private readonly OcsAppFactory _app = new();

    public Task InitializeAsync()
    {
        _app.ExtraSettings["Redis:Connection"] = redis.Connection;
        return _app.InitializeAsync();
    }

    public Task DisposeAsync() => ((IAsyncLifetime)_app).DisposeAsync();

    [Fact]
    public async Task WidgetTurn_RunsUnderTheRedisSessionLock_AndReleasesIt()
    {
        Assert.IsType<RedisSessionLock>(_app.Services.GetRequiredService<ISessionLock>());
        Assert.IsType<RedisInstanceMessages>(_app.Services.GetRequiredService<IInstanceMessages>());
        var kit = new ChatApiTestKit(_app);
        var bot = await kit.BotAsync();
        var session = await kit.StartAsync(bot, "ocs:scaled");
        await using var observer = await redis.ConnectAsync();
        var key = RedisSessionLock.KeyFor(Guid.Parse(session));
        // Another instance holds the session: the accepted message waits for it.
        Assert.True(await observer.GetDatabase().LockTakeAsync(key, "other-instance", TimeSpan.FromSeconds(20)));

        var task = await kit.SendAsync(session, "hello from afar");
        await Task.Delay(500);
        var waiting = await BodyAsync(await _app.NewClient().SendAsync(Json(HttpMethod.Get, $"/api/chat/{session}/{task}/poll/", null)), 200);
        Assert.Equal("processing", waiting.GetProperty("status").GetString());

        await observer.GetDatabase().LockReleaseAsync(key, "other-instance");
        await kit.IdleAsync();

        var done = await BodyAsync(await _app.NewClient().SendAsync(Json(HttpMethod.Get, $"/api/chat/{session}/{task}/poll/", null)), 200);
        Assert.Equal("complete", done.GetProperty("status").GetString());
        Assert.Contains("hello from afar", done.GetProperty("message").GetProperty("content").GetString());
        Assert.False(await observer.GetDatabase().KeyExistsAsync(key));
    }
}
