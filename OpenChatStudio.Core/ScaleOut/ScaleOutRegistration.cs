using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.DependencyInjection.Extensions;
using StackExchange.Redis;

namespace OpenChatStudio.Core.ScaleOut;

/// <summary>Options of section <c>Redis</c>: leave <see cref="Connection"/> empty for a single instance.</summary>
public sealed class RedisOptions
{
    /// <summary>A StackExchange.Redis configuration string, e.g. <c>redis:6379</c> or <c>host:6379,password=…</c>.</summary>
    public string? Connection { get; set; }
}

public static class ScaleOutRegistration
{
    /// <summary>
    /// Several app instances on one database: with <c>Redis:Connection</c> set, sessions are locked in Redis
    /// (<see cref="RedisSessionLock"/>) and instances tell each other about cache changes (<see cref="RedisInstanceMessages"/>);
    /// without it, the in-process queue and caches are all there is (one instance).
    /// </summary>
    public static IServiceCollection AddScaleOut(this IServiceCollection services, IConfiguration configuration)
    {
        var options = configuration.GetSection("Redis").Get<RedisOptions>() ?? new RedisOptions();
        if (string.IsNullOrWhiteSpace(options.Connection))
        {
            services.TryAddSingleton<ISessionLock>(InProcessSessionLock.Instance);
            services.TryAddSingleton<IInstanceMessages>(SingleInstanceMessages.Instance);
            return services;
        }
        var redisConfig = ConfigurationOptions.Parse(options.Connection);
        redisConfig.AbortOnConnectFail = false; // start even when Redis is down for a moment; commands fail clearly until it is back
        services.TryAddSingleton<IConnectionMultiplexer>(_ => ConnectionMultiplexer.Connect(redisConfig));
        services.TryAddSingleton<ISessionLock, RedisSessionLock>();
        services.TryAddSingleton<IInstanceMessages, RedisInstanceMessages>();
        return services;
    }
}
