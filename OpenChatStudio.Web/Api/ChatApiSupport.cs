using System.Collections.Concurrent;
using System.Globalization;
using System.Text.Json;
using Microsoft.Extensions.Options;
using OpenChatStudio.Core.Chat;

namespace OpenChatStudio.Web.Api;

/// <summary>Settings of the OCS-compatible chat API (section <c>ChatApi</c>, docs/configuration.md).</summary>
public sealed class ChatApiOptions
{
    public const string SectionName = "ChatApi";

    /// <summary>Set false to switch rate limiting off (e.g. behind a gateway that limits).</summary>
    public bool RateLimitEnabled { get; set; } = true;

    /// <summary>Requests per session per window on the session endpoints (OCS: 300 per 5 minutes).</summary>
    public int SessionRequestsPerWindow { get; set; } = 300;

    /// <summary>Session starts per client IP per window (OCS: the same 300 per 5 minutes).</summary>
    public int StartsPerIpPerWindow { get; set; } = 300;

    public int WindowSeconds { get; set; } = 300;

    /// <summary>Requests per API key per window on the OpenAI-compatible and REST APIs (429 with Retry-After beyond).</summary>
    public int ApiKeyRequestsPerWindow { get; set; } = 600;

    /// <summary>How long a session token from <c>start/</c> proves ownership (OCS: 7 days).</summary>
    public TimeSpan SessionTokenLifetime { get; set; } = TimeSpan.FromDays(7);
}

/// <summary>Fixed-window counters per key (session or IP), in memory. Per process, like the session work queue.</summary>
public sealed class ChatRateLimiter(IOptionsMonitor<ChatApiOptions> options, TimeProvider clock)
{
    private readonly ConcurrentDictionary<string, Window> _windows = new();
    private long _calls;

    public readonly record struct Decision(bool Allowed, int Limit, int Remaining, int ResetSeconds);

    public Decision Check(string key, int limit)
    {
        var settings = options.CurrentValue;
        if (!settings.RateLimitEnabled || limit <= 0)
        {
            return new Decision(true, limit, limit, 0);
        }
        var now = clock.GetUtcNow();
        var length = TimeSpan.FromSeconds(Math.Max(1, settings.WindowSeconds));
        if (Interlocked.Increment(ref _calls) % 1000 == 0)
        {
            foreach (var (k, w) in _windows)
            {
                if (now - w.Start >= length)
                {
                    _windows.TryRemove(k, out _);
                }
            }
        }
        var window = _windows.AddOrUpdate(key, _ => new Window(now, 1), (_, w) => now - w.Start >= length ? new Window(now, 1) : w with { Count = w.Count + 1 });
        var reset = (int)Math.Ceiling((window.Start + length - now).TotalSeconds);
        return new Decision(window.Count <= limit, limit, Math.Max(0, limit - window.Count), Math.Max(1, reset));
    }

    private sealed record Window(DateTimeOffset Start, int Count);
}

/// <summary>Runs at start-up: processes chat messages left pending by a crash, then purges unsent uploads every hour.</summary>
public sealed partial class ChatInboxRecovery(ChatInbox inbox, ChatRuntime runtime, ChatAttachmentStore files, ILogger<ChatInboxRecovery> logger)
    : BackgroundService
{
    /// <summary>
    /// An OpenAI-compatible call whose human message has had no reply for this long was lost with a process: no caller
    /// waits for it any more (generous, so a slow call on another instance is never marked).
    /// </summary>
    public static readonly TimeSpan AbandonedAfter = TimeSpan.FromMinutes(15);

    public const string AbandonedReason = "Not answered: the app stopped while this API call was running, and the caller's connection was lost.";

    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        try
        {
            await inbox.RecoverAsync(stoppingToken);
        }
        catch (Exception ex) when (ex is not OperationCanceledException)
        {
            LogFailed(ex, "recovering pending chat messages");
        }
        using var timer = new PeriodicTimer(TimeSpan.FromHours(1));
        do
        {
            try
            {
                var abandoned = await runtime.MarkAbandonedTurnsAsync(OpenAiApi.Platform, AbandonedAfter, AbandonedReason, stoppingToken);
                if (abandoned > 0)
                {
                    LogAbandoned(abandoned);
                }
            }
            catch (Exception ex) when (ex is not OperationCanceledException)
            {
                LogFailed(ex, "marking abandoned API calls");
            }
            try
            {
                var purged = await files.PurgeUnattachedAsync(stoppingToken);
                if (purged > 0)
                {
                    LogPurged(purged);
                }
            }
            catch (Exception ex) when (ex is not OperationCanceledException)
            {
                LogFailed(ex, "purging unsent uploads");
            }
        }
        while (await timer.WaitForNextTickAsync(stoppingToken));
    }

    [LoggerMessage(Level = LogLevel.Error, Message = "Chat API background work failed while {Work}")]
    private partial void LogFailed(Exception ex, string work);

    [LoggerMessage(Level = LogLevel.Warning, Message = "Marked {Count} OpenAI-compatible API calls as not answered: the app stopped while they ran")]
    private partial void LogAbandoned(int count);

    [LoggerMessage(Level = LogLevel.Information, Message = "Purged {Count} uploads never sent with a message")]
    private partial void LogPurged(int count);
}

/// <summary>JSON shapes of the chat API (snake_case, as OCS).</summary>
public static class ChatApiJson
{
    public static readonly JsonSerializerOptions Options = new(JsonSerializerDefaults.Web)
    {
        PropertyNamingPolicy = JsonNamingPolicy.SnakeCaseLower,
        DictionaryKeyPolicy = null,
    };

    /// <summary>Timestamps as the API emits them: UTC, microseconds, Z (round-trips through <see cref="TryParseSince"/>).</summary>
    public static string Timestamp(DateTime utc) =>
        TruncateToMicroseconds(utc).ToString("yyyy-MM-dd'T'HH:mm:ss.ffffff'Z'", CultureInfo.InvariantCulture);

    public static DateTime TruncateToMicroseconds(DateTime utc) => new(utc.Ticks - (utc.Ticks % 10), DateTimeKind.Utc);

    /// <summary>Parses a <c>since</c> value (ISO 8601; µs as we emit, ms as JavaScript's toISOString, or an offset).</summary>
    public static bool TryParseSince(string text, out DateTime utc)
    {
        utc = default;
        if (string.IsNullOrWhiteSpace(text) || text.Length > 64 || !char.IsDigit(text[0]))
        {
            return false;
        }
        if (!DateTimeOffset.TryParse(text.Trim(), CultureInfo.InvariantCulture,
                DateTimeStyles.AssumeUniversal | DateTimeStyles.AdjustToUniversal, out var parsed))
        {
            return false;
        }
        utc = TruncateToMicroseconds(parsed.UtcDateTime);
        return true;
    }

    public static string Role(MessageRole role) => role switch
    {
        MessageRole.Human => "user",
        MessageRole.Ai => "assistant",
        _ => "system",
    };
}
