using System.Diagnostics;
using System.Net;
using System.Net.Sockets;
using StackExchange.Redis;

namespace OpenChatStudio.Tests.TestSupport;

/// <summary>
/// A real Redis for a test class: the one scripts/test.sh started (OCS_TEST_REDIS=host:port), or, when the suite runs
/// without it, a throwaway <c>redis-server</c> on a free loopback port (stopped on dispose).
/// </summary>
public sealed class RedisServer : IAsyncLifetime
{
    private Process? _own;

    public string Connection { get; private set; } = "";

    /// <summary>A new client connection: each one stands for a separate app instance.</summary>
    public Task<ConnectionMultiplexer> ConnectAsync() => ConnectionMultiplexer.ConnectAsync(Connection);

    public async Task InitializeAsync()
    {
        if (Environment.GetEnvironmentVariable("OCS_TEST_REDIS") is { Length: > 0 } given)
        {
            Connection = given;
            return;
        }
        var listener = new TcpListener(IPAddress.Loopback, 0);
        listener.Start();
        var port = ((IPEndPoint)listener.LocalEndpoint).Port;
        listener.Stop();
        _own = Process.Start(new ProcessStartInfo("redis-server", $"--bind 127.0.0.1 --port {port} --save \"\" --appendonly no")
        {
            RedirectStandardOutput = true,
            UseShellExecute = false,
        }) ?? throw new InvalidOperationException("redis-server did not start (apt-get install redis-server, or set OCS_TEST_REDIS).");
        _own.OutputDataReceived += (_, _) => { };
        _own.BeginOutputReadLine();
        Connection = $"127.0.0.1:{port}";
        for (var i = 0; i < 100; i++)
        {
            try
            {
                await using var probe = await ConnectionMultiplexer.ConnectAsync(Connection + ",connectTimeout=200");
                if (probe.IsConnected)
                {
                    return;
                }
            }
            catch (RedisConnectionException)
            {
                await Task.Delay(50);
            }
        }
        throw new InvalidOperationException($"redis-server on {Connection} did not answer.");
    }

    public async Task DisposeAsync()
    {
        if (_own is { HasExited: false })
        {
            _own.Kill();
            await _own.WaitForExitAsync();
        }
        _own?.Dispose();
    }
}
