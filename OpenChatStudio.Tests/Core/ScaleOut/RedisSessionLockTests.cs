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
        Assert.True(await _instanceB.GetDatabase().LockTakeAsync(RedisSessionLock.KeyFor(session), "instance-that-died", TimeSpan.FromMilliseconds(700)));

        var acquiring = LockOn(_instanceA).AcquireAsync(session, default).AsTask();
        await Task.Delay(250);
        Assert.False(acquiring.IsCompleted);

        await using (await acquiring.WaitAsync(TimeSpan.FromSeconds(10)))
        {
            Assert.NotEqual("instance-that-died", (string?)await _instanceB.GetDatabase().StringGetAsync(RedisSessionLock.KeyFor(session)));
        }
    }

    [Fact]
    public async Task HeldLock_IsRenewedPastItsExpiry_AndFreedOnRelease()
    {
        var session = Guid.NewGuid();
        var held = await LockOn(_instanceA, expiryMs: 2_000, renewMs: 250).AcquireAsync(session, default);

        var waiting = LockOn(_instanceB).AcquireAsync(session, default).AsTask();
        await Task.Delay(5_000); // two and a half times the expiry: only renewals keep it
        Assert.False(waiting.IsCompleted);

        await held.DisposeAsync();
        await using (await waiting.WaitAsync(TimeSpan.FromSeconds(5)))
        {
            Assert.True(await _instanceA.GetDatabase().KeyExistsAsync(RedisSessionLock.KeyFor(session)));
        }
        Assert.False(await _instanceA.GetDatabase().KeyExistsAsync(RedisSessionLock.KeyFor(session)));
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

        var turn = _host.Get<ChatRuntime>().SendAsync(_team.Id, session, "hello", null, default);
        await Task.Delay(400);
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

