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
    case "sse":
        return await Scenarios.SseAsync(options);
    case "idle-pages":
        return await Scenarios.IdlePagesAsync(options);
    default:
        Console.Error.WriteLine("usage: OpenChatStudio.Load fake-llm|openai|widget|sse|idle-pages|first-answer [--option value]...");
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
                var session = await StartWidgetSessionAsync(client, chatbot, $"load-{Interlocked.Increment(ref worker)}-{Guid.NewGuid():N}", result, ct);
                for (var turn = 1; session is not null && turn <= turns && !ct.IsCancellationRequested; turn++)
                {
                    var started = Stopwatch.GetTimestamp();
                    var task = await SendWidgetMessageAsync(client, session, $"Question {turn}", result, ct);
                    if (task is null)
                    {
                        return;
                    }
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

    private static HttpClient NewWidgetClient(Options o)
    {
        var client = NewClient(o.Str("base"), null);
        client.DefaultRequestHeaders.Add("x-ocs-widget-version", "0.6.0");
        var origin = o.Str("origin", "");
        if (origin.Length > 0)
        {
            client.DefaultRequestHeaders.Add("Origin", origin);
        }
        return client;
    }

    /// <summary>
    /// (c) Streaming: start a session, send a message, read <c>/stream/</c> (SSE). One op = one message; the latency recorded
    /// is the time from sending to the first <c>delta</c> event (time to first token); the step's JSON also carries the
    /// time to the final <c>message</c> event as <c>complete_p50_ms</c>/<c>complete_p99_ms</c>.
    /// </summary>
    public static async Task<int> SseAsync(Options o)
    {
        var chatbot = o.Str("chatbot");
        var turns = o.Int("turns", 5);
        using var client = NewWidgetClient(o);
        var complete = new System.Collections.Concurrent.ConcurrentBag<double>();
        var worker = 0;
        var code = await RunStepAsync(o, "sse", async (result, ct) =>
        {
            try
            {
                var session = await StartWidgetSessionAsync(client, chatbot, $"sse-{Interlocked.Increment(ref worker)}-{Guid.NewGuid():N}", result, ct);
                for (var turn = 1; session is not null && turn <= turns && !ct.IsCancellationRequested; turn++)
                {
                    var started = Stopwatch.GetTimestamp();
                    var task = await SendWidgetMessageAsync(client, session, $"Question {turn}", result, ct);
                    if (task is null)
                    {
                        return;
                    }
                    using var stream = await client.GetAsync($"api/chat/{session}/{task}/stream/", HttpCompletionOption.ResponseHeadersRead, ct);
                    if (!stream.IsSuccessStatusCode)
                    {
                        result?.Error($"stream {(int)stream.StatusCode}");
                        return;
                    }
                    using var reader = new StreamReader(await stream.Content.ReadAsStreamAsync(ct));
                    var firstToken = false;
                    while (await reader.ReadLineAsync(ct) is { } line)
                    {
                        if (line == "event: delta" && !firstToken)
                        {
                            firstToken = true;
                            result?.Record(Stopwatch.GetElapsedTime(started).TotalMilliseconds);
                        }
                        else if (line == "event: message")
                        {
                            if (!firstToken)
                            {
                                result?.Record(Stopwatch.GetElapsedTime(started).TotalMilliseconds); // nothing streamed: the reply is the first token
                            }
                            if (result is not null)
                            {
                                complete.Add(Stopwatch.GetElapsedTime(started).TotalMilliseconds);
                            }
                        }
                        else if (line == "event: error")
                        {
                            result?.Error("stream reported an error");
                        }
                        else if (line == "event: done")
                        {
                            break;
                        }
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
        }, extra: json =>
        {
            var sorted = complete.Order().ToArray();
            json["complete_p50_ms"] = sorted.Length == 0 ? 0 : Math.Round(sorted[sorted.Length / 2], 1);
            json["complete_p99_ms"] = sorted.Length == 0 ? 0 : Math.Round(sorted[Math.Min(sorted.Length - 1, (int)(sorted.Length * 0.99))], 1);
        });
        return code;
    }

    /// <summary>
    /// (d) Idle public chat pages: --pages visitors each load the hosted page (<c>/chat/{id}</c>), start a session as its
    /// script does, fetch the history once, then stay idle with their connections open. Prints the app's RSS before and
    /// after (both after a settle period) and the difference per page. The hosted page is statically rendered, so an idle
    /// visitor holds no Blazor circuit: what remains is an idle keep-alive connection.
    /// </summary>
    public static async Task<int> IdlePagesAsync(Options o)
    {
        var chatbot = o.Str("chatbot");
        var pages = o.Int("pages", 500);
        var app = new ProcessStats(o.Int("pid", 0));
        await Task.Delay(2000);
        var before = app.RssKb();
        var clients = new List<HttpClient>();
        var errors = 0;
        try
        {
            for (var batch = 0; batch < pages; batch += 50)
            {
                await Task.WhenAll(Enumerable.Range(batch, Math.Min(50, pages - batch)).Select(async i =>
                {
                    var client = NewWidgetClient(o);
                    lock (clients)
                    {
                        clients.Add(client);
                    }
                    try
                    {
                        using var page = await client.GetAsync($"chat/{chatbot}");
                        var html = await page.Content.ReadAsStringAsync();
                        using var start = await client.PostAsync("api/chat/start/",
                            Json($$$"""{"chatbot_id":"{{{chatbot}}}","participant_remote_id":"anon:idle-{{{i}}}-{{{Guid.NewGuid():N}}}","session_data":{"source":"hosted_page"}}"""));
                        var startText = await start.Content.ReadAsStringAsync();
                        if (!page.IsSuccessStatusCode || !start.IsSuccessStatusCode)
                        {
                            Interlocked.Increment(ref errors);
                            return;
                        }
                        var session = JsonNode.Parse(startText)!["session_id"]!.GetValue<string>();
                        using var poll = await client.GetAsync($"api/chat/{session}/poll/");
                        await poll.Content.ReadAsStringAsync();
                    }
                    catch (Exception)
                    {
                        Interlocked.Increment(ref errors);
                    }
                }));
            }
            await Task.Delay(o.Int("settle-ms", 5000));
            var after = app.RssKb();
            Console.WriteLine(new JsonObject
            {
                ["scenario"] = "idle-pages",
                ["label"] = o.Str("label", "idle"),
                ["pages"] = pages,
                ["errors"] = errors,
                ["rss_before_mb"] = Math.Round(before / 1024.0, 1),
                ["rss_after_mb"] = Math.Round(after / 1024.0, 1),
                ["kb_per_page"] = Math.Round((after - before) / (double)Math.Max(1, pages - errors), 1),
            }.ToJsonString());
            return 0;
        }
        finally
        {
            foreach (var client in clients)
            {
                client.Dispose();
            }
        }
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

    /// <summary>Starts a widget session; <c>null</c> (error recorded) when the app refuses.</summary>
    private static async Task<string?> StartWidgetSessionAsync(HttpClient client, string chatbot, string participant, StepResult? result,
        CancellationToken ct)
    {
        using var start = await client.PostAsync("api/chat/start/", Json($$"""{"chatbot_id":"{{chatbot}}","participant_remote_id":"{{participant}}"}"""), ct);
        var startText = await start.Content.ReadAsStringAsync(ct);
        if (!start.IsSuccessStatusCode)
        {
            result?.Error($"start {(int)start.StatusCode}: {startText[..Math.Min(200, startText.Length)]}");
            await Task.Delay(100, ct);
            return null;
        }
        return JsonNode.Parse(startText)!["session_id"]!.GetValue<string>();
    }

    /// <summary>Sends a widget message; returns its task id, or <c>null</c> (error recorded).</summary>
    private static async Task<string?> SendWidgetMessageAsync(HttpClient client, string session, string text, StepResult? result, CancellationToken ct)
    {
        using var sent = await client.PostAsync($"api/chat/{session}/message/", Json(new JsonObject { ["message"] = text }.ToJsonString()), ct);
        var sentText = await sent.Content.ReadAsStringAsync(ct);
        if (!sent.IsSuccessStatusCode)
        {
            result?.Error($"message {(int)sent.StatusCode}: {sentText[..Math.Min(200, sentText.Length)]}");
            return null;
        }
        return JsonNode.Parse(sentText)!["task_id"]!.GetValue<string>();
    }

    private static StringContent Json(string json) => new(json, Encoding.UTF8, "application/json");

    /// <summary>
    /// Runs --concurrency workers (started over --ramp seconds) repeating <paramref name="iteration"/>: --warmup seconds
    /// unmeasured (including the ramp), then --duration seconds
    /// measured (latencies, errors, the app's CPU time from /proc/--pid and its RSS sampled every 250 ms).
    /// </summary>
    private static async Task<int> RunStepAsync(Options o, string scenario, Func<StepResult?, CancellationToken, Task> iteration,
        Action<JsonObject>? extra = null)
    {
        var concurrency = o.Int("concurrency", 1);
        var warmup = o.Double("warmup", 3);
        var duration = o.Double("duration", 10);
        var app = new ProcessStats(o.Int("pid", 0));
        StepResult? measuring = null;
        using var stop = new CancellationTokenSource();
        // --ramp seconds: workers start evenly over that time instead of all at once (1,000 conversations arriving in the
        // same millisecond share the cores so fairly that the whole first wave finishes together, many seconds later).
        var ramp = o.Double("ramp", 0);
        var workers = Enumerable.Range(0, concurrency).Select(async index =>
        {
            await Task.Yield();
            if (ramp > 0)
            {
                await Task.Delay(TimeSpan.FromSeconds(ramp * index / concurrency));
            }
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
        var json = result.ToJson(scenario, o.Str("label", scenario), concurrency, seconds, cpu, maxRss, app.PeakRssKb());
        extra?.Invoke(json);
        Console.WriteLine(json.ToJsonString());
        return 0;
    }
}
