using System.Collections.Concurrent;
using OpenChatStudio.Core.Chat;
using OpenChatStudio.Tests.TestSupport;

namespace OpenChatStudio.Tests.Core.Chat;

[Trait(TestLayers.Trait, TestLayers.Unit)]
public class SessionWorkQueueTests
{
    [Fact]
    public async Task WorkOfOneSession_RunsOneAtATime_InArrivalOrder()
    {
        var queue = new SessionWorkQueue();
        var session = Guid.NewGuid();
        var order = new ConcurrentQueue<int>();
        var running = 0;
        var overlapped = false;
        var tasks = Enumerable.Range(1, 20).Select(i => queue.EnqueueAsync(session, async () =>
        {
            overlapped |= Interlocked.Increment(ref running) > 1;
            await Task.Delay(i % 3);
            order.Enqueue(i);
            Interlocked.Decrement(ref running);
            return i;
        })).ToList();

        Assert.Equal(Enumerable.Range(1, 20), await Task.WhenAll(tasks));
        Assert.Equal(Enumerable.Range(1, 20), order);
        Assert.False(overlapped);
        Assert.Equal(0, queue.ActiveSessions);
    }

    [Fact]
    public async Task WorkThatCompletesSynchronously_AndEnqueuesForItsOwnSession_QueuesBehindItself()
    {
        var queue = new SessionWorkQueue();
        var session = Guid.NewGuid();
        var order = new List<string>();
        Task<int>? inner = null;

        var outer = queue.EnqueueAsync(session, () =>
        {
            order.Add("outer starts");
            // Same thread, synchronously (as a synchronous database call and an event sink would do).
            inner = queue.EnqueueAsync(session, () =>
            {
                order.Add("inner");
                return Task.FromResult(2);
            });
            order.Add("outer ends");
            return Task.FromResult(1);
        });

        Assert.Equal(1, await outer);
        Assert.Equal(2, await inner!);
        Assert.Equal(["outer starts", "outer ends", "inner"], order);
    }

    [Fact]
    public async Task AFailure_DoesNotStopTheNextMessage()
    {
        var queue = new SessionWorkQueue();
        var session = Guid.NewGuid();
        var failing = queue.EnqueueAsync<int>(session, () => throw new InvalidOperationException("boom"));
        var next = queue.EnqueueAsync(session, () => Task.FromResult(7));

        await Assert.ThrowsAsync<InvalidOperationException>(() => failing);
        Assert.Equal(7, await next);
    }
}
