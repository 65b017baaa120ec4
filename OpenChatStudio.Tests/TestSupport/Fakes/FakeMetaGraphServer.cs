using System.Collections.Concurrent;
using System.Security.Cryptography;
using System.Text;
using System.Text.Json.Nodes;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;

namespace OpenChatStudio.Tests.TestSupport.Fakes;

/// <summary>
/// A local WhatsApp Cloud API on the Graph API's shapes: Bearer-authorised <c>POST /{phone-number-id}/messages</c> (text
/// and template messages; a free-form text to someone who has not written in 24 hours fails with error 131047 as Meta's
/// does), <c>GET /{phone-number-id}</c>, media lookups and downloads, Graph errors
/// (<c>{"error":{"message","type","code","fbtrace_id"}}</c>). It also plays Meta's webhook: <see cref="DeliverAsync"/>
/// posts <c>entry[].changes[].value.messages[]</c> signed with <c>X-Hub-Signature-256</c>.
/// </summary>
public sealed class FakeMetaGraphServer : IAsyncDisposable
{
    private readonly ConcurrentDictionary<string, Number> _numbers = new();
    private readonly ConcurrentDictionary<string, byte[]> _media = new();
    private readonly List<Sent> _sent = [];
    private WebApplication? _app;
    private int _counter;

    public Uri Root { get; private set; } = null!;

    public sealed record Number(string PhoneNumberId, string AccessToken, string AppSecret, string Display)
    {
        /// <summary>When each WhatsApp user last wrote to this number (Meta's customer service window).</summary>
        public ConcurrentDictionary<string, DateTime> LastInbound { get; } = new();

        public HashSet<string> Templates { get; } = ["ocs_followup"];
    }

    public sealed record Sent(string PhoneNumberId, string To, string Type, string Text, string? Template, string Id);

    public static async Task<FakeMetaGraphServer> StartAsync()
    {
        var server = new FakeMetaGraphServer();
        (server._app, server.Root) = await LocalFake.StartAsync(app =>
        {
            app.MapPost("/{id}/messages", server.SendAsync);
            app.MapGet("/media-bytes/{id}", (string id) => server._media.TryGetValue(id, out var bytes) ? Results.Bytes(bytes, "image/jpeg") : Results.NotFound());
            app.MapGet("/{id}", (string id, HttpContext http) =>
            {
                if (server._numbers.TryGetValue(id, out var number))
                {
                    return server.Authorized(http, number)
                        ? Results.Json(new JsonObject { ["display_phone_number"] = number.Display, ["verified_name"] = "Clinic", ["id"] = id })
                        : Error(401, 190, "Invalid OAuth access token - Cannot parse access token");
                }
                if (server._media.ContainsKey(id))
                {
                    return server._numbers.Values.Any(n => server.Authorized(http, n))
                        ? Results.Json(new JsonObject { ["url"] = $"{server.Root}media-bytes/{id}", ["mime_type"] = "image/jpeg", ["id"] = id })
                        : Error(401, 190, "Invalid OAuth access token");
                }
                return Error(400, 100, $"Unsupported get request. Object with ID '{id}' does not exist");
            });
        });
        return server;
    }

    public Number AddNumber()
    {
        var number = new Number(Random.Shared.NextInt64(100_000_000_000_000, 999_999_999_999_999).ToString(System.Globalization.CultureInfo.InvariantCulture),
            "EAAG" + Guid.NewGuid().ToString("N"), Guid.NewGuid().ToString("N"), "+1 555-0100");
        _numbers[number.PhoneNumberId] = number;
        return number;
    }

    public string AddMedia(byte[] content)
    {
        var id = Random.Shared.NextInt64(1_000_000_000, 9_999_999_999).ToString(System.Globalization.CultureInfo.InvariantCulture);
        _media[id] = content;
        return id;
    }

    public IReadOnlyList<Sent> SentTo(string to)
    {
        lock (_sent)
        {
            return _sent.Where(m => m.To == to).ToList();
        }
    }

    public Task<IReadOnlyList<Sent>> WaitForMessagesAsync(string to, int count, TimeSpan? timeout = null) =>
        LocalFake.WaitForAsync(to, () => SentTo(to), count, timeout, m => m.Text);

    /// <summary>A webhook body with one message from <paramref name="waId"/> (type text unless <paramref name="message"/> says otherwise).</summary>
    public static JsonObject Webhook(Number number, string waId, JsonObject message, string name = "Thandi")
    {
        message["from"] = waId;
        message["id"] ??= "wamid." + Convert.ToBase64String(Guid.NewGuid().ToByteArray());
        message["timestamp"] ??= DateTimeOffset.UtcNow.ToUnixTimeSeconds().ToString(System.Globalization.CultureInfo.InvariantCulture);
        return new JsonObject
        {
            ["object"] = "whatsapp_business_account",
            ["entry"] = new JsonArray(new JsonObject
            {
                ["id"] = "WABA-1",
                ["changes"] = new JsonArray(new JsonObject
                {
                    ["field"] = "messages",
                    ["value"] = new JsonObject
                    {
                        ["messaging_product"] = "whatsapp",
                        ["metadata"] = new JsonObject { ["display_phone_number"] = "15550100", ["phone_number_id"] = number.PhoneNumberId },
                        ["contacts"] = new JsonArray(new JsonObject { ["profile"] = new JsonObject { ["name"] = name }, ["wa_id"] = waId }),
                        ["messages"] = new JsonArray(message),
                    },
                }),
            }),
        };
    }

    public static JsonObject Text(string body) => new() { ["type"] = "text", ["text"] = new JsonObject { ["body"] = body } };

    /// <summary>Posts a webhook body to <paramref name="url"/> signed with the app secret, as Meta does; the sender's window opens.</summary>
    public async Task<HttpResponseMessage> DeliverAsync(Number number, string url, JsonObject body, string? appSecretOverride = null)
    {
        foreach (var message in body["entry"]!.AsArray().SelectMany(e => e!["changes"]!.AsArray()).Select(c => c!["value"]!["messages"]).OfType<JsonArray>().SelectMany(a => a))
        {
            number.LastInbound[message!["from"]!.ToString()] = DateTime.UtcNow;
        }
        var bytes = Encoding.UTF8.GetBytes(body.ToJsonString());
        using var http = new HttpClient();
        using var request = new HttpRequestMessage(HttpMethod.Post, url) { Content = new ByteArrayContent(bytes) };
        request.Content.Headers.ContentType = new System.Net.Http.Headers.MediaTypeHeaderValue("application/json");
        request.Headers.Add("X-Hub-Signature-256",
            "sha256=" + Convert.ToHexStringLower(HMACSHA256.HashData(Encoding.UTF8.GetBytes(appSecretOverride ?? number.AppSecret), bytes)));
        return await http.SendAsync(request);
    }

    private async Task<IResult> SendAsync(string id, HttpContext http)
    {
        if (!_numbers.TryGetValue(id, out var number) || !Authorized(http, number))
        {
            return Error(401, 190, "Invalid OAuth access token - Cannot parse access token");
        }
        var body = (await System.Text.Json.JsonSerializer.DeserializeAsync<JsonObject>(http.Request.Body))!;
        if (body["messaging_product"]?.ToString() != "whatsapp" || body["to"]?.ToString() is not { Length: > 0 } to)
        {
            return Error(400, 100, "(#100) Invalid parameter");
        }
        var type = body["type"]?.ToString();
        string text;
        string? template = null;
        if (type == "text")
        {
            text = body["text"]?["body"]?.ToString() ?? "";
            if (text.Length is 0 or > 4096)
            {
                return Error(400, 100, "(#100) Param text['body'] must be at most 4096 characters long.");
            }
            if (!number.LastInbound.TryGetValue(to, out var last) || DateTime.UtcNow - last > TimeSpan.FromHours(24))
            {
                return Error(400, 131047, "Re-engagement message");
            }
        }
        else if (type == "template")
        {
            template = body["template"]?["name"]?.ToString();
            if (template is null || !number.Templates.Contains(template))
            {
                return Error(404, 132001, "Template name does not exist in the translation");
            }
            text = body["template"]?["components"]?[0]?["parameters"]?[0]?["text"]?.ToString() ?? "";
            if (text.Length > 1024)
            {
                return Error(400, 132005, "Translated text too long");
            }
        }
        else
        {
            return Error(400, 100, "(#100) Invalid parameter");
        }
        var messageId = $"wamid.FAKE{Interlocked.Increment(ref _counter)}";
        lock (_sent)
        {
            _sent.Add(new Sent(id, to, type!, text, template, messageId));
        }
        return Results.Json(new JsonObject
        {
            ["messaging_product"] = "whatsapp",
            ["contacts"] = new JsonArray(new JsonObject { ["input"] = to, ["wa_id"] = to }),
            ["messages"] = new JsonArray(new JsonObject { ["id"] = messageId }),
        });
    }

    /// <summary>Meta's recipient may write again later: forget their window (as if 24 hours passed).</summary>
    public static void CloseWindow(Number number, string waId) => number.LastInbound.TryRemove(waId, out _);

    private bool Authorized(HttpContext http, Number number) => http.Request.Headers.Authorization.ToString() == $"Bearer {number.AccessToken}";

    private static IResult Error(int status, int code, string message) => Results.Json(new JsonObject
    {
        ["error"] = new JsonObject { ["message"] = message, ["type"] = "OAuthException", ["code"] = code, ["fbtrace_id"] = "AbCdEf" },
    }, statusCode: status);

    public async ValueTask DisposeAsync()
    {
        if (_app is not null)
        {
            await _app.DisposeAsync();
        }
    }
}
