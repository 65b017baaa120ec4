using System.Collections.Concurrent;
using System.Net;
using System.Net.Sockets;
using System.Text;

namespace OpenChatStudio.Tests.TestSupport;

/// <summary>
/// A "third-party website" on its own 127.0.0.1 port (so every widget call to the app is cross-origin): serves HTML pages
/// registered with <see cref="AddPage"/> and the widget's files under <c>/widget/</c>.
/// </summary>
public sealed class ThirdPartySite : IAsyncDisposable
{
    private readonly HttpListener _listener = new();
    private readonly ConcurrentDictionary<string, string> _pages = new();
    private readonly string _widgetDir;
    private readonly Task _loop;

    private ThirdPartySite(string widgetDir, int port)
    {
        _widgetDir = Path.GetFullPath(widgetDir);
        BaseUri = new Uri($"http://127.0.0.1:{port}/");
        _listener.Prefixes.Add(BaseUri.ToString());
        _listener.Start();
        _loop = Task.Run(LoopAsync);
    }

    public Uri BaseUri { get; }

    public static Task<ThirdPartySite> StartAsync(string widgetDir)
    {
        var probe = new TcpListener(IPAddress.Loopback, 0);
        probe.Start();
        var port = ((IPEndPoint)probe.LocalEndpoint).Port;
        probe.Stop();
        return Task.FromResult(new ThirdPartySite(widgetDir, port));
    }

    /// <summary>A page embedding the widget with these attributes (values HTML-encoded); returns its URL.</summary>
    public string AddPage(IDictionary<string, string?> attributes)
    {
        var name = Guid.NewGuid().ToString("N");
        var attrs = string.Join(' ', attributes.Select(a => a.Value is null ? a.Key : $"{a.Key}=\"{WebUtility.HtmlEncode(a.Value)}\""));
        _pages[name] = $"""
            <!doctype html>
            <html lang="en"><head><meta charset="utf-8"><title>Third-party shop</title>
            <script type="module" src="/widget/open-chat-studio-widget.esm.js"></script></head>
            <body><h1>Welcome to the shop</h1>
            <open-chat-studio-widget {attrs}></open-chat-studio-widget>
            </body></html>
            """;
        return new Uri(BaseUri, $"page/{name}").ToString();
    }

    /// <summary>A page with this body (no widget), e.g. an iframe of the app's public chat page; returns its URL.</summary>
    public string AddRawPage(string body)
    {
        var name = Guid.NewGuid().ToString("N");
        _pages[name] = $"<!doctype html><html lang=\"en\"><head><meta charset=\"utf-8\"><title>Third-party site</title></head><body>{body}</body></html>";
        return new Uri(BaseUri, $"page/{name}").ToString();
    }

    private async Task LoopAsync()
    {
        while (_listener.IsListening)
        {
            HttpListenerContext context;
            try
            {
                context = await _listener.GetContextAsync();
            }
            catch (Exception) when (!_listener.IsListening)
            {
                return;
            }
            catch (HttpListenerException)
            {
                return;
            }
            _ = Task.Run(() => Serve(context));
        }
    }

    private void Serve(HttpListenerContext context)
    {
        var response = context.Response;
        try
        {
            var path = context.Request.Url!.AbsolutePath;
            byte[]? body = null;
            string type = "text/plain";
            if (path.StartsWith("/page/", StringComparison.Ordinal) && _pages.TryGetValue(path["/page/".Length..], out var html))
            {
                body = Encoding.UTF8.GetBytes(html);
                type = "text/html; charset=utf-8";
            }
            else if (path.StartsWith("/widget/", StringComparison.Ordinal))
            {
                var file = Path.GetFullPath(Path.Combine(_widgetDir, path["/widget/".Length..]));
                if (file.StartsWith(_widgetDir, StringComparison.Ordinal) && File.Exists(file))
                {
                    body = File.ReadAllBytes(file);
                    type = file.EndsWith(".js", StringComparison.Ordinal) ? "text/javascript" : file.EndsWith(".css", StringComparison.Ordinal) ? "text/css" : "application/octet-stream";
                }
            }
            if (body is null)
            {
                response.StatusCode = 404;
                body = "not found"u8.ToArray();
            }
            response.ContentType = type;
            response.ContentLength64 = body.Length;
            response.OutputStream.Write(body);
        }
        finally
        {
            response.Close();
        }
    }

    public async ValueTask DisposeAsync()
    {
        _listener.Stop();
        _listener.Close();
        try
        {
            await _loop;
        }
        catch (ObjectDisposedException)
        {
        }
    }
}
