using Microsoft.Extensions.Logging;
using StackExchange.Redis;

namespace OpenChatStudio.Core.ScaleOut;

/// <summary>
/// Tells every app instance about a change each must act on in its own memory (e.g. forget a revoked API key it has
/// cached). The publishing instance hears its own message too; handlers must be idempotent.
/// </summary>
public interface IInstanceMessages
{
    Task PublishAsync(string topic, string message, CancellationToken ct);

    void Subscribe(string topic, Action<string> handler);
}

/// <summary>One instance: nobody else to tell (the publisher has already acted locally).</summary>
public sealed class SingleInstanceMessages : IInstanceMessages
{
    public static readonly SingleInstanceMessages Instance = new();

    public Task PublishAsync(string topic, string message, CancellationToken ct) => Task.CompletedTask;

    public void Subscribe(string topic, Action<string> handler)
    {
    }
}

/// <summary>
/// Redis pub/sub on channel <c>ocs:{topic}</c>. Fire-and-forget: an instance that is disconnected misses it, and a publish
/// while Redis is down is logged, not thrown (the change itself is already saved).
/// </summary>
public sealed partial class RedisInstanceMessages(IConnectionMultiplexer redis, ILogger<RedisInstanceMessages> logger) : IInstanceMessages
{
    private static RedisChannel Channel(string topic) => RedisChannel.Literal("ocs:" + topic);

    public async Task PublishAsync(string topic, string message, CancellationToken ct)
    {
        try
        {
            await redis.GetSubscriber().PublishAsync(Channel(topic), message).ConfigureAwait(false);
        }
        catch (Exception ex) when (ex is RedisException or TimeoutException)
        {
            LogPublishFailed(ex, topic);
        }
    }

    public void Subscribe(string topic, Action<string> handler) =>
        redis.GetSubscriber().Subscribe(Channel(topic), (_, value) => handler(value.ToString()));

    [LoggerMessage(Level = LogLevel.Warning, Message = "Could not tell other instances about {Topic}: Redis did not answer")]
    private partial void LogPublishFailed(Exception ex, string topic);
}
