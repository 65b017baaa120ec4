using System.Text;
using System.Text.Json;
using System.Text.RegularExpressions;

namespace OpenChatStudio.Load;

/// <summary>
/// A local server speaking OpenAI chat completions (plain and streamed), standing in for a hosted LLM. Its latency is the
/// default from the command line, or N ms when the requested model is named <c>latency-N</c> (so one running server can act
/// as a 0 ms and a 200 ms LLM). The reply counts the messages it received, so a driver can check that history grows.
/// </summary>
public static partial class FakeLlm
{
    public static async Task<int> RunAsync(int port, int defaultLatencyMs)
    {
        var builder = WebApplication.CreateSlimBuilder();
        builder.Logging.ClearProviders();
        builder.WebHost.UseUrls($"http://127.0.0.1:{port}");
        var app = builder.Build();
        app.MapPost("/v1/chat/completions", (HttpContext http) => HandleAsync(http, defaultLatencyMs));
        app.MapPost("/chat/completions", (HttpContext http) => HandleAsync(http, defaultLatencyMs));
        app.MapGet("/v1/models", () => Results.Json(new { @object = "list", data = new[] { new { id = "latency-0", @object = "model" } } }));
        Console.WriteLine($"fake LLM listening on http://127.0.0.1:{port}/v1 (default latency {defaultLatencyMs} ms)");
        await app.RunAsync();
        return 0;
    }

    private static async Task HandleAsync(HttpContext http, int defaultLatencyMs)
    {
        using var body = await JsonDocument.ParseAsync(http.Request.Body, cancellationToken: http.RequestAborted);
        var root = body.RootElement;
        var model = root.TryGetProperty("model", out var m) ? m.GetString() ?? "" : "";
        var stream = root.TryGetProperty("stream", out var s) && s.ValueKind == JsonValueKind.True;
        var messages = root.TryGetProperty("messages", out var list) ? list.GetArrayLength() : 0;
        var latency = LatencyModel().Match(model) is { Success: true } match ? int.Parse(match.Groups[1].Value) : defaultLatencyMs;
        var reply = $"Fake reply: I received {messages} messages.";
        if (!stream)
        {
            if (latency > 0)
            {
                await Task.Delay(latency, http.RequestAborted);
            }
            http.Response.ContentType = "application/json";
            await http.Response.WriteAsync(
                $$$"""{"id":"chatcmpl-fake","object":"chat.completion","created":1,"model":"{{{model}}}","choices":[{"index":0,"message":{"role":"assistant","content":"{{{reply}}}"},"finish_reason":"stop"}],"usage":{"prompt_tokens":{{{messages * 10}}},"completion_tokens":8,"total_tokens":{{{messages * 10 + 8}}}}}""",
                http.RequestAborted);
            return;
        }

        // Streamed: the first token after half the latency, the rest after the other half (time to first token is visible).
        http.Response.ContentType = "text/event-stream";
        if (latency > 0)
        {
            await Task.Delay(latency / 2, http.RequestAborted);
        }
        var words = reply.Split(' ');
        var sb = new StringBuilder();
        for (var i = 0; i < words.Length; i++)
        {
            var token = (i == 0 ? "" : " ") + words[i];
            sb.Append("data: ").Append($$"""{"id":"chatcmpl-fake","object":"chat.completion.chunk","created":1,"model":"{{model}}","choices":[{"index":0,"delta":{"content":"{{token}}"},"finish_reason":null}]}""").Append("\n\n");
            await http.Response.WriteAsync(sb.ToString(), http.RequestAborted);
            await http.Response.Body.FlushAsync(http.RequestAborted);
            sb.Clear();
            if (i == 0 && latency > 0)
            {
                await Task.Delay(latency - latency / 2, http.RequestAborted);
            }
        }
        await http.Response.WriteAsync(
            $$$"""data: {"id":"chatcmpl-fake","object":"chat.completion.chunk","created":1,"model":"{{{model}}}","choices":[{"index":0,"delta":{},"finish_reason":"stop"}],"usage":{"prompt_tokens":{{{messages * 10}}},"completion_tokens":8,"total_tokens":{{{messages * 10 + 8}}}}}""" + "\n\ndata: [DONE]\n\n",
            http.RequestAborted);
    }

    [GeneratedRegex(@"^latency-(\d+)$")]
    private static partial Regex LatencyModel();
}
