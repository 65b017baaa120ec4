using System.Collections.Concurrent;
using System.Security.Cryptography;
using System.Text;
using System.Text.Json.Nodes;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;

namespace OpenChatStudio.Tests.TestSupport.Fakes;

/// <summary>
/// A local Twilio REST API (the shapes of https://www.twilio.com/docs/messaging/api/message-resource): Basic-auth
/// <c>POST /2010-04-01/Accounts/{sid}/Messages.json</c> (form: To, From, Body; 1,600-character limit, error 21617;
/// 201 with a message sid), <c>GET /2010-04-01/Accounts/{sid}.json</c>, media downloads, and Twilio's JSON errors
/// (<c>{"code","message","more_info","status"}</c>). It also plays the participant: <see cref="SendAsync"/> posts the
/// form-encoded webhook with an <c>X-Twilio-Signature</c> computed as Twilio documents it (HMAC-SHA1 of the URL followed
/// by the sorted parameters, keyed by the auth token).
/// </summary>
public sealed class FakeTwilioServer : IAsyncDisposable
{
    private readonly ConcurrentDictionary<string, string> _accounts = new();   // sid -> auth token
    private readonly ConcurrentQueue<(int Status, int Code, string Message)> _failures = new();
    private readonly ConcurrentDictionary<string, byte[]> _media = new();
    private readonly List<SentMessage> _sent = [];
    private WebApplication? _app;
    private int _counter;

    public Uri Root { get; private set; } = null!;

    public sealed record Account(string Sid, string AuthToken);

    public sealed record SentMessage(string AccountSid, string To, string From, string Body, string Sid);

    public static async Task<FakeTwilioServer> StartAsync()
    {
        var server = new FakeTwilioServer();
        (server._app, server.Root) = await LocalFake.StartAsync(app =>
        {
            app.MapPost("/2010-04-01/Accounts/{sid}/Messages.json", server.SendMessageAsync);
            app.MapGet("/2010-04-01/Accounts/{sid}.json", (string sid, HttpContext http) => server.Authorized(http, sid)
                ? Results.Json(new JsonObject { ["sid"] = sid, ["friendly_name"] = "Clinic account", ["status"] = "active" })
                : Error(401, 20003, "Authenticate"));
            app.MapGet("/media/{id}", (string id, HttpContext http) => server._media.TryGetValue(id, out var bytes) && server.AnyAuthorized(http)
                ? Results.Bytes(bytes, "image/jpeg")
                : Results.NotFound());
        });
        return server;
    }

    public Account AddAccount()
    {
        var account = new Account("AC" + Guid.NewGuid().ToString("N"), Guid.NewGuid().ToString("N"));
        _accounts[account.Sid] = account.AuthToken;
        return account;
    }

    public string AddMedia(byte[] content)
    {
        var id = "ME" + Guid.NewGuid().ToString("N");
        _media[id] = content;
        return $"{Root}media/{id}";
    }

    /// <summary>The next message send fails like Twilio does.</summary>
    public void FailNext(int status, int code, string message) => _failures.Enqueue((status, code, message));

    public IReadOnlyList<SentMessage> SentTo(string to)
    {
        lock (_sent)
        {
            return _sent.Where(m => m.To == to).ToList();
        }
    }

    public Task<IReadOnlyList<SentMessage>> WaitForMessagesAsync(string to, int count, TimeSpan? timeout = null) =>
        LocalFake.WaitForAsync(to, () => SentTo(to), count, timeout, m => m.Body);

    /// <summary>An inbound message's webhook form, as Twilio posts it.</summary>
    public static Dictionary<string, string> InboundForm(Account account, string from, string to, string body, string? profileName = null,
        IReadOnlyList<(string Url, string Type)>? media = null)
    {
        var form = new Dictionary<string, string>
        {
            ["MessageSid"] = "SM" + Guid.NewGuid().ToString("N"),
            ["AccountSid"] = account.Sid,
            ["From"] = from,
            ["To"] = to,
            ["Body"] = body,
            ["NumMedia"] = (media?.Count ?? 0).ToString(System.Globalization.CultureInfo.InvariantCulture),
            ["ApiVersion"] = "2010-04-01",
        };
        if (profileName is not null)
        {
            form["ProfileName"] = profileName;
        }
        for (var i = 0; i < (media?.Count ?? 0); i++)
        {
            form[$"MediaUrl{i}"] = media![i].Url;
            form[$"MediaContentType{i}"] = media[i].Type;
        }
        return form;
    }

    /// <summary>Posts the webhook form to <paramref name="url"/>, signed with the account's auth token (or a wrong one).</summary>
    public static async Task<HttpResponseMessage> SendAsync(Account account, string url, Dictionary<string, string> form, string? signatureOverride = null)
    {
        using var http = new HttpClient();
        using var request = new HttpRequestMessage(HttpMethod.Post, url) { Content = new FormUrlEncodedContent(form) };
        request.Headers.Add("X-Twilio-Signature", signatureOverride ?? Sign(account.AuthToken, url, form));
        return await http.SendAsync(request);
    }

    /// <summary>Twilio's webhook signature: Base64(HMAC-SHA1(auth token, URL + each parameter's name and value, sorted by name)).</summary>
    public static string Sign(string authToken, string url, IReadOnlyDictionary<string, string> form)
    {
        var data = new StringBuilder(url);
        foreach (var (key, value) in form.OrderBy(p => p.Key, StringComparer.Ordinal))
        {
            data.Append(key).Append(value);
        }
        return Convert.ToBase64String(HMACSHA1.HashData(Encoding.UTF8.GetBytes(authToken), Encoding.UTF8.GetBytes(data.ToString())));
    }

    private async Task<IResult> SendMessageAsync(string sid, HttpContext http)
    {
        if (!Authorized(http, sid))
        {
            return Error(401, 20003, "Authenticate");
        }
        var form = await http.Request.ReadFormAsync();
        if (_failures.TryDequeue(out var failure))
        {
            return Error(failure.Status, failure.Code, failure.Message);
        }
        var body = form["Body"].ToString();
        if (string.IsNullOrEmpty(form["To"]) || string.IsNullOrEmpty(form["From"]))
        {
            return Error(400, 21604, "A 'To' phone number is required.");
        }
        if (body.Length > 1600)
        {
            return Error(400, 21617, "The concatenated message body exceeds the 1600 character limit.");
        }
        var messageSid = $"SM{Interlocked.Increment(ref _counter):D32}";
        lock (_sent)
        {
            _sent.Add(new SentMessage(sid, form["To"].ToString(), form["From"].ToString(), body, messageSid));
        }
        return Results.Json(new JsonObject
        {
            ["sid"] = messageSid,
            ["account_sid"] = sid,
            ["to"] = form["To"].ToString(),
            ["from"] = form["From"].ToString(),
            ["body"] = body,
            ["status"] = "queued",
        }, statusCode: 201);
    }

    private bool Authorized(HttpContext http, string sid) =>
        _accounts.TryGetValue(sid, out var token) && http.Request.Headers.Authorization.ToString() ==
        "Basic " + Convert.ToBase64String(Encoding.UTF8.GetBytes($"{sid}:{token}"));

    private bool AnyAuthorized(HttpContext http) => _accounts.Keys.Any(sid => Authorized(http, sid));

    private static IResult Error(int status, int code, string message) => Results.Json(new JsonObject
    {
        ["code"] = code,
        ["message"] = message,
        ["more_info"] = $"https://www.twilio.com/docs/errors/{code}",
        ["status"] = status,
    }, statusCode: status);

    public async ValueTask DisposeAsync()
    {
        if (_app is not null)
        {
            await _app.DisposeAsync();
        }
    }
}
