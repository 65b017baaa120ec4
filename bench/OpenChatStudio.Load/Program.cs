using System.Diagnostics;
using System.Net.Http.Headers;
using System.Text;
using System.Text.Json;
using System.Text.Json.Nodes;
using OpenChatStudio.Load;

// bench/run.sh drives this tool; see bench/README.md. Every scenario prints one JSON line per measured step on stdout.
var options = Options.Parse(args[1..]);
switch (args.FirstOrDefault())
{
    case "fake-llm":
        return await FakeLlm.RunAsync(options.Int("port", 5999), options.Int("latency-ms", 0));
    case "openai":
        return await Scenarios.OpenAiAsync(options);
    case "widget":
        return await Scenarios.WidgetAsync(options);
    case "first-answer":
        return await Scenarios.FirstAnswerAsync(options);
    default:
        Console.Error.WriteLine("usage: OpenChatStudio.Load fake-llm|openai|widget|first-answer [--option value]...");
        return 2;
}

public sealed class Options(Dictionary<string, string> values)
{
    public static Options Parse(string[] args)
    {
        var values = new Dictionary<string, string>();
        for (var i = 0; i + 1 < args.Length; i += 2)
        {
            values[args[i].TrimStart('-')] = args[i + 1];
        }
        return new Options(values);
    }

    public string Str(string name, string? fallback = null) =>
        values.TryGetValue(name, out var v) ? v : fallback ?? throw new ArgumentException($"--{name} is required");

    public int Int(string name, int fallback) => values.TryGetValue(name, out var v) ? int.Parse(v) : fallback;

    public double Double(string name, double fallback) => values.TryGetValue(name, out var v) ? double.Parse(v) : fallback;
}

public static class Scenarios
{
    private static HttpClient NewClient(string baseUrl, string? apiKey, int timeoutSeconds = 60)
    {
        var handler = new SocketsHttpHandler
        {
            MaxConnectionsPerServer = int.MaxValue,
            PooledConnectionLifetime = TimeSpan.FromMinutes(10),
            ConnectTimeout = TimeSpan.FromSeconds(10),
        };
        var client = new HttpClient(handler) { BaseAddress = new Uri(baseUrl.TrimEnd('/') + "/"), Timeout = TimeSpan.FromSeconds(timeoutSeconds) };
        if (apiKey is not null)
        {
            client.DefaultRequestHeaders.Authorization = new AuthenticationHeaderValue("Bearer", apiKey);
        }
        return client;
    }

    /// <summary>
    /// (a) The OpenAI-compatible endpoint: each worker holds conversations of --turns turns whose history grows (every call
    /// sends the whole conversation so far, as OpenAI clients do). One op = one chat turn.
    /// </summary>
    public static async Task<int> OpenAiAsync(Options o)
    {
        var chatbot = o.Str("chatbot");
        var turns = o.Int("turns", 5);
        using var client = NewClient(o.Str("base"), o.Str("key"));
        var path = $"api/openai/{chatbot}/chat/completions";
        return await RunStepAsync(o, "openai", async (result, ct) =>
        {
            var history = new List<(string Role, string Content)>();
            for (var turn = 1; turn <= turns && !ct.IsCancellationRequested; turn++)
            {
                history.Add(("user", $"Question {turn}: what is {turn} plus {turn}?"));
                var body = new StringBuilder("{\"model\":\"ocs\",\"messages\":[");
                for (var i = 0; i < history.Count; i++)
                {
                    body.Append(i == 0 ? "" : ",").Append("{\"role\":\"").Append(history[i].Role).Append("\",\"content\":")
                        .Append(JsonSerializer.Serialize(history[i].Content)).Append('}');
                }
                body.Append("]}");
                var started = Stopwatch.GetTimestamp();
                try
                {
                    using var response = await client.PostAsync(path, new StringContent(body.ToString(), Encoding.UTF8, "application/json"), ct);
                    var text = await response.Content.ReadAsStringAsync(ct);
                    if (!response.IsSuccessStatusCode)
                    {
                        result?.Error($"{(int)response.StatusCode}: {text[..Math.Min(200, text.Length)]}");
                        return;
                    }
                    result?.Record(Stopwatch.GetElapsedTime(started).TotalMilliseconds);
                    var content = JsonNode.Parse(text)?["choices"]?[0]?["message"]?["content"]?.GetValue<string>() ?? "";
                    history.Add(("assistant", content));
                }
                catch (OperationCanceledException) when (ct.IsCancellationRequested)
                {
                    return;
                }
                catch (Exception ex)
                {
                    result?.Error(ex.GetType().Name + ": " + ex.Message);
                    return;
                }
            }
        });
    }

    /// <summary>
    /// (b) The widget flow: start a session, send a message (202 + task id), then poll the task until complete. One op = one
    /// message answered; the latency is from the send to the poll that returned the reply. Polls every --poll-ms (the real
    /// widget polls every 1000 ms; a short interval measures when the reply is ready rather than the widget's cadence).
    /// </summary>
    public static async Task<int> WidgetAsync(Options o)
    {
        var chatbot = o.Str("chatbot");
        var pollMs = o.Int("poll-ms", 10);
        var turns = o.Int("turns", 5);
        using var client = NewClient(o.Str("base"), null);
        client.DefaultRequestHeaders.Add("x-ocs-widget-version", "0.6.0");
        var origin = o.Str("origin", "");
        if (origin.Length > 0)
        {
            client.DefaultRequestHeaders.Add("Origin", origin);
        }
        var embedKey = o.Str("embed-key", "");
        if (embedKey.Length > 0)
        {
            client.DefaultRequestHeaders.Add("X-Embed-Key", embedKey);
        }
        var worker = 0;
        return await RunStepAsync(o, "widget", async (result, ct) =>
        {
            try
            {
                var participant = $"load-{Interlocked.Increment(ref worker)}-{Guid.NewGuid():N}";
                using var start = await client.PostAsync("api/chat/start/", Json($$"""{"chatbot_id":"{{chatbot}}","participant_remote_id":"{{participant}}"}"""), ct);
                var startText = await start.Content.ReadAsStringAsync(ct);
                if (!start.IsSuccessStatusCode)
                {
                    result?.Error($"start {(int)start.StatusCode}: {startText[..Math.Min(200, startText.Length)]}");
                    await Task.Delay(100, ct);
                    return;
                }
                var session = JsonNode.Parse(startText)!["session_id"]!.GetValue<string>();
                for (var turn = 1; turn <= turns && !ct.IsCancellationRequested; turn++)
                {
                    var started = Stopwatch.GetTimestamp();
                    using var sent = await client.PostAsync($"api/chat/{session}/message/", Json($$"""{"message":"Question {{turn}}"}"""), ct);
                    var sentText = await sent.Content.ReadAsStringAsync(ct);
                    if (!sent.IsSuccessStatusCode)
                    {
                        result?.Error($"message {(int)sent.StatusCode}: {sentText[..Math.Min(200, sentText.Length)]}");
                        return;
                    }
                    var task = JsonNode.Parse(sentText)!["task_id"]!.GetValue<string>();
                    while (!ct.IsCancellationRequested)
                    {
                        using var poll = await client.GetAsync($"api/chat/{session}/{task}/poll/", ct);
                        var pollText = await poll.Content.ReadAsStringAsync(ct);
                        if (!poll.IsSuccessStatusCode)
                        {
                            result?.Error($"poll {(int)poll.StatusCode}: {pollText[..Math.Min(200, pollText.Length)]}");
                            return;
                        }
                        if (pollText.Contains("\"complete\"", StringComparison.Ordinal))
                        {
                            result?.Record(Stopwatch.GetElapsedTime(started).TotalMilliseconds);
                            break;
                        }
                        await Task.Delay(pollMs, ct);
                    }
                }
            }
            catch (OperationCanceledException) when (ct.IsCancellationRequested)
            {
            }
            catch (Exception ex)
            {
                result?.Error(ex.GetType().Name + ": " + ex.Message);
            }
        });
    }

    /// <summary>(e) Cold start: retries one chat completion until it succeeds; prints ms since --since-epoch-ms (the app's launch).</summary>
    public static async Task<int> FirstAnswerAsync(Options o)
    {
        var since = DateTimeOffset.FromUnixTimeMilliseconds(long.Parse(o.Str("since-epoch-ms")));
        using var client = NewClient(o.Str("base"), o.Str("key"), timeoutSeconds: 10);
        var deadline = Stopwatch.StartNew();
        while (deadline.Elapsed < TimeSpan.FromSeconds(o.Int("timeout", 60)))
        {
            try
            {
                using var response = await client.PostAsync($"api/openai/{o.Str("chatbot")}/chat/completions",
                    Json("""{"model":"ocs","messages":[{"role":"user","content":"hello"}]}"""));
                if (response.IsSuccessStatusCode)
                {
                    var ms = (DateTimeOffset.UtcNow - since).TotalMilliseconds;
                    Console.WriteLine(new JsonObject { ["scenario"] = "cold-start", ["first_answer_ms"] = Math.Round(ms) }.ToJsonString());
                    return 0;
                }
            }
            catch (HttpRequestException)
            {
                // Not listening yet.
            }
            await Task.Delay(20);
        }
        Console.Error.WriteLine("the app did not answer in time");
        return 1;
    }

    private static StringContent Json(string json) => new(json, Encoding.UTF8, "application/json");

    /// <summary>
    /// Runs --concurrency workers repeating <paramref name="iteration"/>: --warmup seconds unmeasured, then --duration seconds
    /// measured (latencies, errors, the app's CPU time from /proc/--pid and its RSS sampled every 250 ms).
    /// </summary>
    private static async Task<int> RunStepAsync(Options o, string scenario, Func<StepResult?, CancellationToken, Task> iteration)
    {
        var concurrency = o.Int("concurrency", 1);
        var warmup = o.Double("warmup", 3);
        var duration = o.Double("duration", 10);
        var app = new ProcessStats(o.Int("pid", 0));
        StepResult? measuring = null;
        using var stop = new CancellationTokenSource();
        var workers = Enumerable.Range(0, concurrency).Select(async _ =>
        {
            await Task.Yield();
            while (!stop.IsCancellationRequested)
            {
                await iteration(Volatile.Read(ref measuring), stop.Token);
            }
        }).ToList();

        await Task.Delay(TimeSpan.FromSeconds(warmup));
        var result = new StepResult();
        var cpu0 = app.CpuMs();
        var clock = Stopwatch.StartNew();
        Volatile.Write(ref measuring, result);
        long maxRss = 0;
        while (clock.Elapsed.TotalSeconds < duration)
        {
            maxRss = Math.Max(maxRss, app.RssKb());
            await Task.Delay(250);
        }
        Volatile.Write(ref measuring, null);
        var seconds = clock.Elapsed.TotalSeconds;
        var cpu = app.CpuMs() - cpu0;
        await stop.CancelAsync();
        try
        {
            await Task.WhenAll(workers).WaitAsync(TimeSpan.FromSeconds(30));
        }
        catch (Exception)
        {
            // Cancelled in-flight requests.
        }
        Console.WriteLine(result.ToJson(scenario, o.Str("label", scenario), concurrency, seconds, cpu, maxRss, app.PeakRssKb()).ToJsonString());
        return 0;
    }
}
