using System.Text.Json.Nodes;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Hosting.Server;
using Microsoft.AspNetCore.Hosting.Server.Features;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;

namespace OpenChatStudio.Tests.TestSupport.Fakes;

/// <summary>
/// Base of the fake provider servers: a real Kestrel on 127.0.0.1:0, a script of <see cref="FakeReply"/> answers and a log of
/// the requests received. Subclasses speak one provider's wire protocol.
/// </summary>
public abstract class FakeLlmServer : IAsyncDisposable
{
    public const int PromptTokens = 11;
    public const int CompletionTokens = 7;

    private readonly Queue<FakeReply> _script = new();
    private readonly List<RecordedRequest> _requests = [];
    private WebApplication? _app;

    /// <summary>http://127.0.0.1:port (no trailing slash).</summary>
    public Uri Root { get; private set; } = null!;

    public IReadOnlyList<RecordedRequest> Requests
    {
        get
        {
            lock (_requests)
            {
                return _requests.ToList();
            }
        }
    }

    public void Enqueue(params FakeReply[] replies)
    {
        lock (_script)
        {
            foreach (var reply in replies)
            {
                _script.Enqueue(reply);
            }
        }
    }

    protected abstract void Map(WebApplication app);

    protected async Task StartCoreAsync()
    {
        var builder = WebApplication.CreateSlimBuilder();
        builder.WebHost.UseUrls("http://127.0.0.1:0");
        builder.Logging.ClearProviders();
        var app = builder.Build();
        Map(app);
        app.MapFallback(async context =>
        {
            // Record wrong paths too, so a test can show what was asked for.
            await ReceiveAsync(context);
            context.Response.StatusCode = 404;
            await context.Response.WriteAsync($"{{\"error\":{{\"message\":\"no route {context.Request.Method} {context.Request.Path}\"}}}}");
        });
        await app.StartAsync();
        var address = app.Services.GetRequiredService<IServer>().Features.Get<IServerAddressesFeature>()!.Addresses.First();
        Root = new Uri(address.TrimEnd('/'));
        _app = app;
    }

    /// <summary>Records the request and takes the next scripted reply (null when the script is empty).</summary>
    protected async Task<(JsonNode Body, FakeReply? Reply)> ReceiveAsync(HttpContext context)
    {
        var text = await new StreamReader(context.Request.Body).ReadToEndAsync(context.RequestAborted);
        var body = text.Length == 0 ? new JsonObject() : JsonNode.Parse(text) ?? new JsonObject();
        var headers = context.Request.Headers.ToDictionary(h => h.Key.ToLowerInvariant(), h => h.Value.ToString());
        lock (_requests)
        {
            _requests.Add(new RecordedRequest(context.Request.Path, context.Request.QueryString.Value ?? "", body, headers));
        }
        FakeReply? reply = null;
        lock (_script)
        {
            if (_script.Count > 0)
            {
                reply = _script.Peek().Sticky ? _script.Peek() : _script.Dequeue();
            }
        }
        if (reply is { Delay: var delay } && delay > TimeSpan.Zero)
        {
            await Task.Delay(delay, context.RequestAborted);
        }
        return (body, reply);
    }

    /// <summary>Writes the scripted failure, if the reply is one. True when it was.</summary>
    protected static async Task<bool> TryFailAsync(HttpContext context, FakeReply? reply, Func<int, string> defaultBody)
    {
        if (reply is null || reply.StatusCode == 200)
        {
            return false;
        }
        context.Response.StatusCode = reply.StatusCode;
        if (reply.RetryAfter is not null)
        {
            context.Response.Headers.RetryAfter = reply.RetryAfter;
        }
        context.Response.ContentType = "application/json";
        await context.Response.WriteAsync(reply.ErrorBody ?? defaultBody(reply.StatusCode));
        return true;
    }

    protected static async Task StartStreamAsync(HttpContext context, FakeReply? reply, string contentType)
    {
        context.Response.ContentType = contentType;
        context.Response.Headers.CacheControl = "no-cache";
        await context.Response.StartAsync(context.RequestAborted);
        await context.Response.Body.FlushAsync(context.RequestAborted);
        if (reply is { FirstChunkDelay: var delay } && delay > TimeSpan.Zero)
        {
            await Task.Delay(delay, context.RequestAborted);
        }
    }

    protected static IEnumerable<string> Chunk(string text, int size)
    {
        for (var i = 0; i < text.Length; i += size)
        {
            yield return text.Substring(i, Math.Min(size, text.Length - i));
        }
    }

    /// <summary>A port on 127.0.0.1 with nothing listening (bound then released).</summary>
    public static Uri UnusedLocalUri()
    {
        var listener = new System.Net.Sockets.TcpListener(System.Net.IPAddress.Loopback, 0);
        listener.Start();
        var port = ((System.Net.IPEndPoint)listener.LocalEndpoint).Port;
        listener.Stop();
        return new Uri($"http://127.0.0.1:{port}");
    }

    public async ValueTask DisposeAsync()
    {
        if (_app is not null)
        {
            await _app.StopAsync();
            await _app.DisposeAsync();
        }
        GC.SuppressFinalize(this);
    }
}
