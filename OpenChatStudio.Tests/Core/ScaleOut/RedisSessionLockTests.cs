using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.Logging.Abstractions;
using OpenChatStudio.Core.Chat;
using OpenChatStudio.Core.Chatbots;
using OpenChatStudio.Core.Data;
using OpenChatStudio.Core.ScaleOut;
using OpenChatStudio.Core.Teams;
using OpenChatStudio.Tests.TestSupport;
using OpenChatStudio.Tests.TestSupport.Pipelines;
using StackExchange.Redis;

namespace OpenChatStudio.Tests.Core.ScaleOut;

/// <summary>
/// The session lock against a real Redis. Each <see cref="ConnectionMultiplexer"/> stands for one app instance.
/// </summary>
public class RedisSessionLockTests(RedisServer redis) : IClassFixture<RedisServer>, IAsyncLifetime
{
    private ConnectionMultiplexer _instanceA = default!;
    private ConnectionMultiplexer _instanceB = default!;

    public async Task InitializeAsync()
    {
        _instanceA = await redis.ConnectAsync();
        _instanceB = await redis.ConnectAsync();
    }

    public async Task DisposeAsync()
    {
        await _instanceA.DisposeAsync();
        await _instanceB.DisposeAsync();
    }

    private RedisSessionLock LockOn(ConnectionMultiplexer instance, int expiryMs = 30_000, int renewMs = 10_000) =>
        new(instance, NullLogger<RedisSessionLock>.Instance)
        {
            Expiry = TimeSpan.FromMilliseconds(expiryMs),
            RenewEvery = TimeSpan.FromMilliseconds(renewMs),
        };

    [Fact]
    public async Task TwoInstances_WorkOfOneSession_NeverOverlaps_AndAllOfItRuns()
    {
        var queueA = new SessionWorkQueue(LockOn(_instanceA));
        var queueB = new SessionWorkQueue(LockOn(_instanceB));
        var session = Guid.NewGuid();
        var inside = 0;
        var most = 0;
        var ran = new List<string>();

        Task<int> Work(SessionWorkQueue queue, string name) => queue.EnqueueAsync(session, async () =>
        {
            var now = Interlocked.Increment(ref inside);
            lock (ran)
            {
                most = Math.Max(most, now);
                ran.Add(name);
            }
            await Task.Delay(40);
            Interlocked.Decrement(ref inside);
            return 0;
        });

        await Task.WhenAll(Enumerable.Range(0, 4).SelectMany(i => new[] { Work(queueA, "a" + i), Work(queueB, "b" + i) }));

        Assert.Equal(1, most);
        Assert.Equal(8, ran.Count);
        // Within one instance, its own messages keep their order.
        Assert.Equal(["a0", "a1", "a2", "a3"], ran.Where(n => n[0] == 'a'));
        Assert.Equal(["b0", "b1", "b2", "b3"], ran.Where(n => n[0] == 'b'));
        Assert.False(await _instanceA.GetDatabase().KeyExistsAsync(RedisSessionLock.KeyFor(session)));
    }

    [Fact]
    public async Task TwoInstances_DifferentSessions_RunAtTheSameTime()
    {
        var queueA = new SessionWorkQueue(LockOn(_instanceA));
        var queueB = new SessionWorkQueue(LockOn(_instanceB));
        var aStarted = new TaskCompletionSource();
        var bStarted = new TaskCompletionSource();

        var a = queueA.EnqueueAsync(Guid.NewGuid(), async () =>
        {
            aStarted.SetResult();
            await bStarted.Task.WaitAsync(TimeSpan.FromSeconds(10));
            return "a";
        });
        var b = queueB.EnqueueAsync(Guid.NewGuid(), async () =>
        {
            bStarted.SetResult();
            await aStarted.Task.WaitAsync(TimeSpan.FromSeconds(10));
            return "b";
        });

        Assert.Equal(["a", "b"], await Task.WhenAll(a, b));
    }

    [Fact]
    public async Task LockLeftByAnInstanceThatDied_IsTakenOnceItExpires()
    {
        var session = Guid.NewGuid();
        var key = RedisSessionLock.KeyFor(session);
        var db = _instanceB.GetDatabase();
        Assert.True(await db.LockTakeAsync(key, "instance-that-died", TimeSpan.FromMilliseconds(700)));

        var sessionLock = LockOn(_instanceA);
        var acquiring = sessionLock.AcquireAsync(session, default).AsTask();
        await WaitForAsync(() => sessionLock.RefusedAttempts >= 2, "A tried and was refused");
        // Race-free: if A had the lock before this read, the dead instance's token could not be there now.
        var taken = acquiring.IsCompleted;
        Assert.False(taken && (string?)await db.StringGetAsync(key) == "instance-that-died");

        await using (await acquiring.WaitAsync(TimeSpan.FromSeconds(10)))
        {
            Assert.NotEqual("instance-that-died", (string?)await db.StringGetAsync(key));
        }
    }

    [Fact]
    public async Task HeldLock_IsRenewedPastItsExpiry_AndFreedOnRelease()
    {
        var session = Guid.NewGuid();
        var key = RedisSessionLock.KeyFor(session);
        var db = _instanceA.GetDatabase();
        var held = await LockOn(_instanceA, expiryMs: 2_000, renewMs: 250).AcquireAsync(session, default);
        var token = (string?)await db.StringGetAsync(key);
        var otherLock = LockOn(_instanceB);
        var waiting = otherLock.AcquireAsync(session, default).AsTask();

        // Watch the expiry being pushed back (the remaining time rising) until the lock has outlived its 2 s expiry several
        // times over; at every look the holder is still A, so B cannot have it.
        var renewals = 0;
        var acquiredAt = DateTime.UtcNow;
        var last = (await db.KeyTimeToLiveAsync(key))!.Value;
        while (renewals < 12 || DateTime.UtcNow - acquiredAt < TimeSpan.FromSeconds(4))
        {
            await Task.Delay(50);
            var bHasIt = waiting.IsCompleted;
            Assert.Equal(token, (string?)await db.StringGetAsync(key));
            Assert.False(bHasIt);
            var ttl = (await db.KeyTimeToLiveAsync(key))!.Value;
            if (ttl > last)
            {
                renewals++;
            }
            last = ttl;
            Assert.True(DateTime.UtcNow - acquiredAt < TimeSpan.FromSeconds(60), $"only {renewals} renewals seen in a minute");
        }

        await held.DisposeAsync();
        await using (await waiting.WaitAsync(TimeSpan.FromSeconds(5)))
        {
            Assert.NotEqual(token, (string?)await db.StringGetAsync(key));
        }
        Assert.False(await db.KeyExistsAsync(key));
    }

    /// <summary>Polls a condition (10 s at most): for events a test can observe but not await.</summary>
    internal static async Task WaitForAsync(Func<bool> condition, string what)
    {
        var deadline = DateTime.UtcNow.AddSeconds(10);
        while (!condition())
        {
            Assert.True(DateTime.UtcNow < deadline, $"timed out waiting until {what}");
            await Task.Delay(10);
        }
    }
}

/// <summary>The chat runtime configured with <c>Redis:Connection</c>, as several app instances would run it.</summary>
public class ScaledOutRuntimeTests(RedisServer redis) : IClassFixture<RedisServer>, IAsyncLifetime
{
    private CoreHost _host = default!;
    private TeamSummary _team = default!;
    private ConnectionMultiplexer _otherInstance = default!;

    public async Task InitializeAsync()
    {
        _host = new CoreHost(settings: new Dictionary<string, string?> { ["Redis:Connection"] = redis.Connection });
        await _host.InitializeAsync();
        var owner = await _host.CreateUserAsync();
        _team = (await _host.Get<TeamService>().CreateTeamAsync(owner.Id, "Scaled", default)).Value!;
        _otherInstance = await redis.ConnectAsync();
    }

    public async Task DisposeAsync()
    {
        await _otherInstance.DisposeAsync();
        await _host.DisposeAsync();
    }

    private async Task<Guid> StartSessionAsync()
    {
        var graph = PipelineGraphBuilder.WithStartAndEnd()
            .Node("tpl", "RenderTemplate", new { template_string = "You said: {{ input }}" }).Connect("start -> tpl", "tpl -> end").Build();
        await using var db = await _host.Get<IDbContextFactory<AppDbContext>>().CreateForTeamAsync(_team.Id, default);
        var bot = new Chatbot(_team.Id, "Bot", graph);
        db.Chatbots.Add(bot);
        await db.SaveChangesAsync();
        var runtime = _host.Get<ChatRuntime>();
        var participant = await runtime.GetOrCreateParticipantAsync(_team.Id, "web", "p@example.test", null, null, default);
        return (await runtime.StartSessionAsync(_team.Id, bot.Id, participant.Id, "web", null, default)).SessionId;
    }

    [Fact]
    public async Task Message_WaitsWhileAnotherInstanceHoldsTheSession_ThenRuns()
    {
        Assert.IsType<RedisSessionLock>(_host.Get<ISessionLock>());
        var session = await StartSessionAsync();
        var key = RedisSessionLock.KeyFor(session);
        Assert.True(await _otherInstance.GetDatabase().LockTakeAsync(key, "other-instance", TimeSpan.FromSeconds(20)));

        var sessionLock = (RedisSessionLock)_host.Get<ISessionLock>();
        var refusedBefore = sessionLock.RefusedAttempts;
        var turn = _host.Get<ChatRuntime>().SendAsync(_team.Id, session, "hello", null, default);
        await RedisSessionLockTests.WaitForAsync(() => sessionLock.RefusedAttempts >= refusedBefore + 2, "the turn waits for the other instance");
        Assert.False(turn.IsCompleted);
        Assert.Empty(await _host.Get<ChatRuntime>().GetTranscriptAsync(_team.Id, session, default));

        Assert.True(await _otherInstance.GetDatabase().LockReleaseAsync(key, "other-instance"));
        var done = await turn.WaitAsync(TimeSpan.FromSeconds(10));

        Assert.Equal("You said: hello", done.Reply!.Content);
        Assert.Equal(["hello", "You said: hello"], (await _host.Get<ChatRuntime>().GetTranscriptAsync(_team.Id, session, default)).Select(m => m.Content));
    }

    [Fact]
    public async Task InboundMessageAnotherInstanceAlreadyAnswered_IsNotRunAgain()
    {
        var session = await StartSessionAsync();
        var runtime = _host.Get<ChatRuntime>();
        var row = new InboundMessage(_team.Id, session, "once", [], null, DateTime.UtcNow);
        await using (var db = await _host.Get<IDbContextFactory<AppDbContext>>().CreateForTeamAsync(_team.Id, default))
        {
            db.InboundMessages.Add(row);
            await db.SaveChangesAsync();
        }
        var first = await runtime.SendAsync(_team.Id, session, "once", null, default, new InboundDetails(row.Id, [], null));

        // The same row reaches this instance again (another instance recovered it while it was running here).
        var again = await runtime.SendAsync(_team.Id, session, "once", null, default, new InboundDetails(row.Id, [], null, Recovering: true));

        Assert.Equal("You said: once", first.Reply!.Content);
        Assert.True(again.AlreadyHandled);
        Assert.Equal((first.HumanMessageId, first.Reply.MessageId), (again.HumanMessageId, again.ExistingReplyId));
        Assert.Equal(2, (await runtime.GetTranscriptAsync(_team.Id, session, default)).Count);
    }
}

