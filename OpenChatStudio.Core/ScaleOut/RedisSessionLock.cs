using System.Diagnostics;
using Microsoft.Extensions.Logging;
using StackExchange.Redis;

namespace OpenChatStudio.Core.ScaleOut;

/// <summary>
/// A session lock in Redis (<c>SET key token NX PX</c> through <see cref="IDatabaseAsync.LockTakeAsync"/>): held while
/// one turn runs, renewed every <see cref="RenewEvery"/> (10 s) so a long LLM call keeps it, and expiring after
/// <see cref="Expiry"/> (30 s) when its instance dies, so a crash never blocks a session for long. A waiting instance polls
/// (5 ms doubling to 100 ms); the lock is uncontended in the usual case (a session's messages reach one instance).
/// </summary>
public sealed partial class RedisSessionLock(IConnectionMultiplexer redis, ILogger<RedisSessionLock> logger) : ISessionLock
{
    /// <summary>How long a lock outlives its last renewal (an instance that died frees its sessions after this).</summary>
    public TimeSpan Expiry { get; init; } = TimeSpan.FromSeconds(30);

    public TimeSpan RenewEvery { get; init; } = TimeSpan.FromSeconds(10);

    /// <summary>How long a message waits for another instance's turn of the same session before it fails.</summary>
    public static readonly TimeSpan MaxWait = TimeSpan.FromMinutes(5);

    public const string KeyPrefix = "ocs:session-lock:";

    public bool IsDistributed => true;

    private long _refused;

    /// <summary>Attempts refused because another instance held the session (contention, for diagnostics and tests).</summary>
    public long RefusedAttempts => Interlocked.Read(ref _refused);

    public static RedisKey KeyFor(Guid sessionId) => KeyPrefix + sessionId.ToString("N");

    public async ValueTask<IAsyncDisposable> AcquireAsync(Guid sessionId, CancellationToken ct)
    {
        var db = redis.GetDatabase();
        var key = KeyFor(sessionId);
        RedisValue token = Guid.NewGuid().ToString("N");
        var started = Stopwatch.GetTimestamp();
        var delay = TimeSpan.FromMilliseconds(5);
        while (!await db.LockTakeAsync(key, token, Expiry).ConfigureAwait(false))
        {
            Interlocked.Increment(ref _refused);
            if (Stopwatch.GetElapsedTime(started) > MaxWait)
            {
                throw new TimeoutException($"Another app instance has held this session for over {MaxWait.TotalMinutes:0} minutes.");
            }
            await Task.Delay(delay, ct).ConfigureAwait(false);
            delay = TimeSpan.FromMilliseconds(Math.Min(delay.TotalMilliseconds * 2, 100));
        }
        return new Held(this, db, key, token);
    }

    private sealed class Held : IAsyncDisposable
    {
        private readonly RedisSessionLock _owner;
        private readonly IDatabase _db;
        private readonly RedisKey _key;
        private readonly RedisValue _token;
        private readonly CancellationTokenSource _stop = new();
        private readonly Task _renewing;

        public Held(RedisSessionLock owner, IDatabase db, RedisKey key, RedisValue token)
        {
            _owner = owner;
            _db = db;
            _key = key;
            _token = token;
            _renewing = RenewAsync();
        }

        private async Task RenewAsync()
        {
            using var timer = new PeriodicTimer(_owner.RenewEvery);
            try
            {
                while (await timer.WaitForNextTickAsync(_stop.Token).ConfigureAwait(false))
                {
                    if (!await _db.LockExtendAsync(_key, _token, _owner.Expiry).ConfigureAwait(false))
                    {
                        _owner.LogLost(_key.ToString());
                        return;
                    }
                }
            }
            catch (OperationCanceledException)
            {
                // Released.
            }
            catch (Exception ex) when (ex is RedisException or TimeoutException)
            {
                _owner.LogRenewFailed(ex, _key.ToString());
            }
        }

        public async ValueTask DisposeAsync()
        {
            await _stop.CancelAsync().ConfigureAwait(false);
            await _renewing.ConfigureAwait(false);
            _stop.Dispose();
            try
            {
                await _db.LockReleaseAsync(_key, _token).ConfigureAwait(false);
            }
            catch (Exception ex) when (ex is RedisException or TimeoutException)
            {
                // It expires on its own after Expiry.
                _owner.LogRenewFailed(ex, _key.ToString());
            }
        }
    }

    [LoggerMessage(Level = LogLevel.Warning, Message = "Session lock {Key} was lost before the turn ended (held past its expiry?)")]
    private partial void LogLost(string key);

    [LoggerMessage(Level = LogLevel.Warning, Message = "Session lock {Key}: Redis did not answer; the lock expires on its own")]
    private partial void LogRenewFailed(Exception ex, string key);
}
