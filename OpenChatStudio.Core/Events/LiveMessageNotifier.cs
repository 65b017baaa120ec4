using System.Collections.Concurrent;

namespace OpenChatStudio.Core.Events;

/// <summary>A bot message nobody was waiting for (scheduled message, event action), for open views of the session.</summary>
public sealed record LiveMessage(Guid SessionId, Guid MessageId, string Content, string Origin);

/// <summary>
/// In-process fan-out of <see cref="LiveMessage"/>s to open views (the preview pane). Subscribers get called on the
/// delivering thread and must marshal to their own context (Blazor: <c>InvokeAsync</c>) and unsubscribe on dispose.
/// </summary>
public sealed class LiveMessageNotifier
{
    private readonly ConcurrentDictionary<Guid, ConcurrentDictionary<Guid, Func<LiveMessage, Task>>> _bySession = new();

    public IDisposable Subscribe(Guid sessionId, Func<LiveMessage, Task> handler)
    {
        var id = Guid.NewGuid();
        _bySession.GetOrAdd(sessionId, _ => new())[id] = handler;
        return new Subscription(() =>
        {
            if (_bySession.TryGetValue(sessionId, out var handlers))
            {
                handlers.TryRemove(id, out _);
            }
        });
    }

    public async Task PublishAsync(LiveMessage message)
    {
        if (!_bySession.TryGetValue(message.SessionId, out var handlers))
        {
            return;
        }
        foreach (var handler in handlers.Values)
        {
            try
            {
                await handler(message);
            }
            catch (Exception ex) when (ex is ObjectDisposedException or InvalidOperationException or TaskCanceledException)
            {
                // A view that went away between publish and render.
            }
        }
    }

    private sealed class Subscription(Action dispose) : IDisposable
    {
        private Action? _dispose = dispose;

        public void Dispose() => Interlocked.Exchange(ref _dispose, null)?.Invoke();
    }
}
