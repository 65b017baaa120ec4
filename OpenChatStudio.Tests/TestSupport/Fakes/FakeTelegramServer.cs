using System.Collections.Concurrent;
using System.Net.Http.Json;
using System.Text;
using System.Text.Json;
using System.Text.Json.Nodes;
using System.Text.RegularExpressions;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;

namespace OpenChatStudio.Tests.TestSupport.Fakes;

/// <summary>
/// A local Telegram Bot API (the HTTP shapes of https://core.telegram.org/bots/api): <c>POST /bot{token}/{method}</c> with
/// JSON or form bodies answering <c>{"ok":true,"result":…}</c> or <c>{"ok":false,"error_code":…,"description":…}</c>;
/// getMe, setWebhook (stores the URL and secret), deleteWebhook, sendMessage (4,096-character limit, HTML entities
/// checked), sendChatAction, getFile and file downloads. It also plays the participant: <see cref="SendUpdateAsync"/>
/// posts an update to the registered webhook with the secret header, as Telegram does.
/// </summary>
public sealed partial class FakeTelegramServer : IAsyncDisposable
{
    private readonly ConcurrentDictionary<string, Bot> _bots = new();
    private readonly ConcurrentQueue<(string Token, string Method, int Code, string Description, int? RetryAfter)> _failures = new();
    private readonly List<SentMessage> _sent = [];
    private readonly List<string> _calls = [];
    private readonly ConcurrentDictionary<string, byte[]> _files = new();
    private WebApplication? _app;
    private long _updateId = 1000;
    private int _messageId;

    public Uri Root { get; private set; } = null!;

    public sealed record Bot(string Token, string Username)
    {
        public string? WebhookUrl { get; set; }

        public string? SecretToken { get; set; }

        /// <summary>Chat ids that blocked the bot (sending to them answers 403).</summary>
        public ConcurrentDictionary<long, bool> Blocked { get; } = new();
    }

    public sealed record SentMessage(string Token, long ChatId, string Text, string? ParseMode, int MessageId);

    public static async Task<FakeTelegramServer> StartAsync()
    {
        var server = new FakeTelegramServer();
        (server._app, server.Root) = await LocalFake.StartAsync(app =>
        {
            app.MapPost("/bot{token}/{method}", server.HandleAsync);
            app.MapGet("/file/bot{token}/{*path}", (string token, string path) =>
                server._bots.ContainsKey(token) && server._files.TryGetValue(path, out var bytes)
                    ? Results.Bytes(bytes, "application/octet-stream")
                    : Results.NotFound());
        });
        return server;
    }

    /// <summary>A bot Telegram knows (its token works).</summary>
    public Bot AddBot(string username = "ocs_test_bot")
    {
        var token = $"{Random.Shared.Next(100_000_000, 999_999_999)}:AAE{Guid.NewGuid():N}";
        var bot = new Bot(token, username);
        _bots[token] = bot;
        return bot;
    }

    /// <summary>The bot's next call of <paramref name="method"/> fails like Telegram does.</summary>
    public void FailNext(Bot bot, string method, int code, string description, int? retryAfter = null) =>
        _failures.Enqueue((bot.Token, method, code, description, retryAfter));

    public void AddFile(string path, byte[] content) => _files[path] = content;

    public IReadOnlyList<SentMessage> Sent
    {
        get
        {
            lock (_sent)
            {
                return _sent.ToList();
            }
        }
    }

    public IReadOnlyList<string> Calls
    {
        get
        {
            lock (_calls)
            {
                return _calls.ToList();
            }
        }
    }

    public IReadOnlyList<SentMessage> SentTo(long chatId) => Sent.Where(m => m.ChatId == chatId).ToList();

    /// <summary>Waits until <paramref name="count"/> messages went to the chat (or fails after <paramref name="timeout"/>).</summary>
    public Task<IReadOnlyList<SentMessage>> WaitForMessagesAsync(long chatId, int count, TimeSpan? timeout = null) =>
        LocalFake.WaitForAsync($"Chat {chatId}", () => SentTo(chatId), count, timeout, m => m.Text);

    /// <summary>A text message from a private chat, as an update; returns its update_id.</summary>
    public JsonObject TextUpdate(long chatId, string text, string firstName = "Ada") =>
        MessageUpdate(chatId, firstName, new JsonObject { ["text"] = text });

    public JsonObject MessageUpdate(long chatId, string firstName, JsonObject content)
    {
        var update = new JsonObject
        {
            ["update_id"] = Interlocked.Increment(ref _updateId),
            ["message"] = new JsonObject
            {
                ["message_id"] = Interlocked.Increment(ref _messageId),
                ["date"] = DateTimeOffset.UtcNow.ToUnixTimeSeconds(),
                ["from"] = new JsonObject { ["id"] = chatId, ["is_bot"] = false, ["first_name"] = firstName },
                ["chat"] = new JsonObject { ["id"] = chatId, ["type"] = "private", ["first_name"] = firstName },
            },
        };
        foreach (var (key, value) in content)
        {
            update["message"]![key] = value?.DeepClone();
        }
        return update;
    }

    /// <summary>The participant blocked the bot (my_chat_member with status kicked).</summary>
    public JsonObject BlockedUpdate(long chatId) => new()
    {
        ["update_id"] = Interlocked.Increment(ref _updateId),
        ["my_chat_member"] = new JsonObject
        {
            ["chat"] = new JsonObject { ["id"] = chatId, ["type"] = "private", ["first_name"] = "Ada" },
            ["from"] = new JsonObject { ["id"] = chatId, ["is_bot"] = false, ["first_name"] = "Ada" },
            ["date"] = DateTimeOffset.UtcNow.ToUnixTimeSeconds(),
            ["old_chat_member"] = new JsonObject { ["status"] = "member", ["user"] = new JsonObject { ["id"] = 1, ["is_bot"] = true, ["first_name"] = "bot" } },
            ["new_chat_member"] = new JsonObject
            {
                ["status"] = "kicked",
                ["until_date"] = 0,
                ["user"] = new JsonObject { ["id"] = 1, ["is_bot"] = true, ["first_name"] = "bot" },
            },
        },
    };

    /// <summary>Delivers an update to the bot's registered webhook, with the secret header, as Telegram does.</summary>
    public async Task<HttpResponseMessage> SendUpdateAsync(Bot bot, JsonObject update, string? secretOverride = null)
    {
        Assert.NotNull(bot.WebhookUrl);
        using var http = new HttpClient();
        using var request = new HttpRequestMessage(HttpMethod.Post, bot.WebhookUrl)
        {
            Content = new StringContent(update.ToJsonString(), Encoding.UTF8, "application/json"),
        };
        request.Headers.Add("X-Telegram-Bot-Api-Secret-Token", secretOverride ?? bot.SecretToken);
        return await http.SendAsync(request);
    }

    private async Task<IResult> HandleAsync(string token, string method, HttpContext http)
    {
        var args = await ReadArgumentsAsync(http.Request);
        lock (_calls)
        {
            _calls.Add(method);
        }
        if (!_bots.TryGetValue(token, out var bot))
        {
            return Error(401, "Unauthorized");
        }
        if (_failures.TryPeek(out var failure) && failure.Token == token && string.Equals(failure.Method, method, StringComparison.OrdinalIgnoreCase)
            && _failures.TryDequeue(out failure))
        {
            return Error(failure.Code, failure.Description, failure.RetryAfter);
        }
        switch (method)
        {
            case "getMe":
                return Ok(new JsonObject { ["id"] = 1, ["is_bot"] = true, ["first_name"] = "Test bot", ["username"] = bot.Username });
            case "setWebhook":
                bot.WebhookUrl = Str(args, "url");
                bot.SecretToken = Str(args, "secret_token");
                return Ok(true);
            case "deleteWebhook":
                bot.WebhookUrl = null;
                return Ok(true);
            case "sendChatAction":
                return Ok(true);
            case "getFile":
                var fileId = Str(args, "file_id") ?? "";
                return _files.ContainsKey(fileId)
                    ? Ok(new JsonObject { ["file_id"] = fileId, ["file_unique_id"] = fileId, ["file_path"] = fileId, ["file_size"] = _files[fileId].Length })
                    : Error(400, "Bad Request: invalid file_id");
            case "sendMessage":
                var chatId = long.Parse(Str(args, "chat_id") ?? "0", System.Globalization.CultureInfo.InvariantCulture);
                var text = Str(args, "text") ?? "";
                var parseMode = Str(args, "parse_mode");
                if (text.Length == 0)
                {
                    return Error(400, "Bad Request: message text is empty");
                }
                if (VisibleLength(text, parseMode) > 4096)
                {
                    return Error(400, "Bad Request: message is too long");
                }
                if (bot.Blocked.ContainsKey(chatId))
                {
                    return Error(403, "Forbidden: bot was blocked by the user");
                }
                if (string.Equals(parseMode, "HTML", StringComparison.OrdinalIgnoreCase) && HtmlProblem(text) is { } problem)
                {
                    return Error(400, $"Bad Request: can't parse entities: {problem}");
                }
                var id = Interlocked.Increment(ref _messageId);
                lock (_sent)
                {
                    _sent.Add(new SentMessage(token, chatId, text, parseMode, id));
                }
                return Ok(new JsonObject
                {
                    ["message_id"] = id,
                    ["date"] = DateTimeOffset.UtcNow.ToUnixTimeSeconds(),
                    ["chat"] = new JsonObject { ["id"] = chatId, ["type"] = "private" },
                    ["text"] = text,
                });
            default:
                return Error(404, "Not Found: method not found");
        }
    }

    /// <summary>Telegram's HTML mode: only its tags, balanced, and no bare &lt; or &amp;.</summary>
    private static string? HtmlProblem(string text)
    {
        var stack = new Stack<string>();
        foreach (Match tag in Tag().Matches(text))
        {
            var name = tag.Groups[2].Value.ToLowerInvariant();
            if (name is not ("b" or "i" or "u" or "s" or "code" or "pre" or "a" or "strong" or "em" or "blockquote" or "tg-spoiler"))
            {
                return $"unsupported start tag \"{name}\"";
            }
            if (tag.Groups[1].Value == "/")
            {
                if (stack.Count == 0 || stack.Pop() != name)
                {
                    return $"unexpected end tag \"{name}\"";
                }
            }
            else
            {
                stack.Push(name);
            }
        }
        var stripped = Tag().Replace(text, "");
        if (stripped.Contains('<') || BareAmpersand().IsMatch(stripped))
        {
            return "unescaped character";
        }
        return stack.Count == 0 ? null : $"can't find end tag corresponding to start tag \"{stack.Peek()}\"";
    }

    /// <summary>Telegram counts the limit after entities are parsed: tags and escapes do not count.</summary>
    private static int VisibleLength(string text, string? parseMode) =>
        string.Equals(parseMode, "HTML", StringComparison.OrdinalIgnoreCase)
            ? System.Net.WebUtility.HtmlDecode(Tag().Replace(text, "")).Length
            : text.Length;

    private static async Task<Dictionary<string, string?>> ReadArgumentsAsync(HttpRequest request)
    {
        if (request.HasFormContentType)
        {
            var form = await request.ReadFormAsync();
            return form.ToDictionary(f => f.Key, f => (string?)f.Value.ToString());
        }
        var text = await new StreamReader(request.Body).ReadToEndAsync();
        if (string.IsNullOrWhiteSpace(text))
        {
            return [];
        }
        var json = JsonNode.Parse(text)!.AsObject();
        return json.ToDictionary(p => p.Key, p => p.Value is JsonValue v && v.TryGetValue<string>(out var s) ? s : p.Value?.ToJsonString());
    }

    private static string? Str(Dictionary<string, string?> args, string key) => args.TryGetValue(key, out var v) ? v : null;

    private static IResult Ok(JsonNode result) => Results.Json(new JsonObject { ["ok"] = true, ["result"] = result });

    private static IResult Ok(bool result) => Results.Json(new JsonObject { ["ok"] = true, ["result"] = result });

    private static IResult Error(int code, string description, int? retryAfter = null)
    {
        var body = new JsonObject { ["ok"] = false, ["error_code"] = code, ["description"] = description };
        if (retryAfter is { } seconds)
        {
            body["parameters"] = new JsonObject { ["retry_after"] = seconds };
        }
        return Results.Json(body, statusCode: code);
    }

    [GeneratedRegex(@"<(/?)([a-zA-Z-]+)[^>]*>")]
    private static partial Regex Tag();

    [GeneratedRegex(@"&(?!(amp|lt|gt|quot|#\d+);)")]
    private static partial Regex BareAmpersand();

    public async ValueTask DisposeAsync()
    {
        if (_app is not null)
        {
            await _app.DisposeAsync();
        }
    }
}
