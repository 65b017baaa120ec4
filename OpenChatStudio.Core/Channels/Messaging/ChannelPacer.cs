using System.Collections.Concurrent;

namespace OpenChatStudio.Core.Channels.Messaging;

/// <summary>
/// Keeps each channel under its platform's sending rate (<see cref="MessagingPlatformInfo.SendsPerSecond"/>: Telegram
/// allows a bot about 30 messages a second): every send takes the channel's next slot, spaced 1/rate apart, and waits for
/// it. Per process; with several instances each keeps its own pace, and the platform's 429s (retried by the outbox after
/// the platform's wait) cover the rest.
/// </summary>
public sealed class ChannelPacer(TimeProvider clock)
{
    private readonly ConcurrentDictionary<Guid, Slot> _slots = new();

    public async Task WaitTurnAsync(Guid channelId, int sendsPerSecond, CancellationToken ct)
    {
        if (sendsPerSecond <= 0)
        {
            return;
        }
        var spacing = TimeSpan.FromTicks(TimeSpan.TicksPerSecond / sendsPerSecond);
        var slot = _slots.GetOrAdd(channelId, _ => new Slot());
        DateTimeOffset mine;
        lock (slot)
        {
            var now = clock.GetUtcNow();
            mine = slot.Next > now ? slot.Next : now;
            slot.Next = mine + spacing;
        }
        var wait = mine - clock.GetUtcNow();
        if (wait > TimeSpan.Zero)
        {
            await Task.Delay(wait, clock, ct).ConfigureAwait(false);
        }
    }

    private sealed class Slot
    {
        public DateTimeOffset Next { get; set; }
    }
}
