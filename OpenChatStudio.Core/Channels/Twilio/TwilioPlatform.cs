using System.Net;
using System.Net.Http.Headers;
using System.Text;
using System.Text.Json;
using System.Text.RegularExpressions;
using OpenChatStudio.Core.Channels.Messaging;
using OpenChatStudio.Core.Chat;
using OpenChatStudio.Core.Participants;

namespace OpenChatStudio.Core.Channels.Twilio;

/// <summary>
/// WhatsApp and SMS through a Twilio number (OCS: Twilio messaging provider). One form-encoded webhook,
/// <c>/channels/twilio/{channelId}</c>, verified with <c>X-Twilio-Signature</c> over the public URL
/// (<c>Channels:PublicBaseUrl</c> behind a proxy); the <c>whatsapp:</c> prefix of <c>From</c> decides the participant's
/// platform; media arrives as <c>MediaUrlN</c>. Replies go through the Messages API, split at Twilio's 1,600 characters.
/// </summary>
public abstract partial class TwilioPlatform(MessagingOptions options) : IMessagingPlatform, IDisposable
{
    public const string AccountSidKey = "account_sid";
    public const string AuthTokenKey = "auth_token";
    public const string NumberKey = "number";

    /// <summary>Twilio's limit for a message body (SMS and WhatsApp).</summary>
    public const int MaxLength = 1600;

    private readonly HttpClient _http = new(new SocketsHttpHandler { PooledConnectionLifetime = TimeSpan.FromMinutes(5) })
    {
        Timeout = TimeSpan.FromSeconds(30),
    };

    public abstract MessagingPlatformInfo Info { get; }

    /// <summary>The address prefix on this channel (<c>whatsapp:</c> or none).</summary>
    protected abstract string AddressPrefix { get; }

    protected static IReadOnlyList<ChannelSettingField> Fields(string numberHelp) =>
    [
        new(AccountSidKey, "Account SID", "From the Twilio console (starts with AC).", Secret: false),
        new(AuthTokenKey, "Auth token", "From the Twilio console, beside the Account SID.", Secret: true),
        new(NumberKey, "Phone number", numberHelp, Secret: false),
    ];

    /// <summary>Twilio answers an empty TwiML response: the reply is sent through the API, not in the response.</summary>
    public WebhookResponse Acknowledge { get; } = new(200, "<?xml version=\"1.0\" encoding=\"UTF-8\"?><Response></Response>", "text/xml");

    public string NormalizeRecipient(string identifier)
    {
        var digits = new string(identifier.Replace("whatsapp:", "", StringComparison.OrdinalIgnoreCase).Where(char.IsAsciiDigit).ToArray());
        return "+" + digits;
    }

    public string? Validate(IReadOnlyDictionary<string, string> settings, IReadOnlyDictionary<string, string> secrets)
    {
        if (!AccountSid().IsMatch(settings.GetValueOrDefault(AccountSidKey) ?? ""))
        {
            return "The Account SID starts with AC followed by 32 letters and digits.";
        }
        return E164().IsMatch(settings.GetValueOrDefault(NumberKey) ?? "")
            ? null
            : "Enter the phone number in international format, e.g. +14155238886.";
    }

    public WebhookParse Parse(WebhookRequest request, ChannelCredentials channel)
    {
        if (!string.Equals(request.Method, "POST", StringComparison.OrdinalIgnoreCase))
        {
            return WebhookParse.Answer(WebhookResponse.Problem(405, "Twilio webhooks are POST requests."));
        }
        if (request.ContentType is null || !request.ContentType.StartsWith("application/x-www-form-urlencoded", StringComparison.OrdinalIgnoreCase))
        {
            return WebhookParse.Invalid("Twilio webhooks are form-encoded.");
        }
        Dictionary<string, string> form;
        try
        {
            var parsed = System.Web.HttpUtility.ParseQueryString(new UTF8Encoding(false, throwOnInvalidBytes: true).GetString(request.Body));
            form = parsed.AllKeys.Where(k => k is not null).ToDictionary(k => k!, k => parsed[k] ?? "", StringComparer.Ordinal);
        }
        catch (DecoderFallbackException)
        {
            return WebhookParse.Invalid("The form is not valid UTF-8.");
        }
        var signature = request.Header("X-Twilio-Signature") ?? "";
        if (signature.Length == 0 || !new global::Twilio.Security.RequestValidator(channel.Secret(AuthTokenKey)).Validate(request.Url, form, signature))
        {
            return WebhookParse.Refused("The Twilio signature is missing or wrong.");
        }
        var sid = form.GetValueOrDefault("MessageSid") ?? form.GetValueOrDefault("SmsMessageSid") ?? "";
        var from = form.GetValueOrDefault("From") ?? "";
        if (sid.Length == 0 || from.Length == 0)
        {
            return WebhookParse.Invalid("MessageSid and From are required.");
        }
        if (!form.ContainsKey("Body") && !form.ContainsKey("NumMedia"))
        {
            return WebhookParse.Of([]);   // a status callback: nothing to answer
        }
        var whatsApp = from.StartsWith("whatsapp:", StringComparison.OrdinalIgnoreCase);
        var sender = whatsApp ? from["whatsapp:".Length..] : from;
        var media = new List<ChannelMedia>();
        _ = int.TryParse(form.GetValueOrDefault("NumMedia"), out var count);
        for (var i = 0; i < Math.Min(count, 10); i++)
        {
            if (form.GetValueOrDefault($"MediaUrl{i}") is { Length: > 0 } url)
            {
                media.Add(new ChannelMedia(url, form.GetValueOrDefault($"MediaContentType{i}"), null));
            }
        }
        var body = form.GetValueOrDefault("Body") ?? "";
        var content = media.Count == 0 ? InboundContent.Text
            : media.All(m => m.ContentType?.StartsWith("audio/", StringComparison.OrdinalIgnoreCase) == true) ? InboundContent.Voice
            : InboundContent.Media;
        var name = form.GetValueOrDefault("ProfileName");
        return WebhookParse.Of([new ChannelInbound(sid, sender, whatsApp ? ParticipantPlatforms.WhatsApp : ParticipantPlatforms.Sms,
            string.IsNullOrWhiteSpace(name) ? null : name, body, content, media)]);
    }

    public async Task<string> SendTextAsync(ChannelCredentials channel, string recipient, string text, bool windowOpen, CancellationToken ct)
    {
        using var request = new HttpRequestMessage(HttpMethod.Post, Api(channel, "/Messages.json"))
        {
            Content = new FormUrlEncodedContent(new Dictionary<string, string>
            {
                ["To"] = AddressPrefix + recipient,
                ["From"] = AddressPrefix + channel.Setting(NumberKey),
                ["Body"] = text,
            }),
        };
        Authorize(request, channel);
        HttpResponseMessage response;
        try
        {
            response = await _http.SendAsync(request, ct);
        }
        catch (HttpRequestException ex)
        {
            throw new ChannelSendException($"Twilio could not be reached: {ex.Message}", retryable: true, inner: ex);
        }
        using (response)
        {
            var json = await response.Content.ReadAsStringAsync(ct);
            if (response.IsSuccessStatusCode)
            {
                return JsonDocument.Parse(json).RootElement.TryGetProperty("sid", out var sid) ? sid.GetString() ?? "" : "";
            }
            throw Translate(response, json);
        }
    }

    public async Task<UploadedFile?> DownloadAsync(ChannelCredentials channel, ChannelMedia media, CancellationToken ct)
    {
        using var request = new HttpRequestMessage(HttpMethod.Get, media.Reference);
        Authorize(request, channel);
        using var response = await _http.SendAsync(request, ct);
        if (!response.IsSuccessStatusCode)
        {
            return null;
        }
        var type = media.ContentType ?? response.Content.Headers.ContentType?.MediaType ?? "application/octet-stream";
        var name = "media" + (type.Split('/') is [_, var sub] ? "." + sub.Split(';')[0] : "");
        return new UploadedFile(name, type, await response.Content.ReadAsByteArrayAsync(ct));
    }

    public async Task<ConnectionCheck> TestConnectionAsync(ChannelCredentials channel, CancellationToken ct)
    {
        try
        {
            using var request = new HttpRequestMessage(HttpMethod.Get, Api(channel, ".json"));
            Authorize(request, channel);
            using var response = await _http.SendAsync(request, ct);
            if (response.StatusCode is HttpStatusCode.Unauthorized or HttpStatusCode.Forbidden or HttpStatusCode.NotFound)
            {
                return new ConnectionCheck(false, "Twilio refused the Account SID and auth token. Copy them again from the Twilio console.");
            }
            if (!response.IsSuccessStatusCode)
            {
                return new ConnectionCheck(false, $"Twilio answered {(int)response.StatusCode}. Try again in a moment.");
            }
            var account = JsonDocument.Parse(await response.Content.ReadAsStringAsync(ct)).RootElement;
            var name = account.TryGetProperty("friendly_name", out var n) ? n.GetString() : channel.Setting(AccountSidKey);
            return new ConnectionCheck(true, $"Connected to the Twilio account \"{name}\". Sending from {channel.Setting(NumberKey)}.");
        }
        catch (Exception ex) when (ex is HttpRequestException or TaskCanceledException)
        {
            return new ConnectionCheck(false, $"Twilio could not be reached ({ex.GetType().Name}). Try again in a moment.");
        }
    }

    public void Dispose()
    {
        _http.Dispose();
        GC.SuppressFinalize(this);
    }

    private Uri Api(ChannelCredentials channel, string path) =>
        new($"{options.Twilio.ApiBaseUrl.TrimEnd('/')}/2010-04-01/Accounts/{Uri.EscapeDataString(channel.Setting(AccountSidKey))}{path}");

    private static void Authorize(HttpRequestMessage request, ChannelCredentials channel) =>
        request.Headers.Authorization = new AuthenticationHeaderValue("Basic",
            Convert.ToBase64String(Encoding.UTF8.GetBytes($"{channel.Setting(AccountSidKey)}:{channel.Secret(AuthTokenKey)}")));

    /// <summary>Twilio's error body: <c>{"code": 21610, "message": "…", "status": 400}</c>.</summary>
    private static ChannelSendException Translate(HttpResponseMessage response, string json)
    {
        int? code = null;
        var message = response.ReasonPhrase ?? "error";
        try
        {
            var error = JsonDocument.Parse(json).RootElement;
            code = error.TryGetProperty("code", out var c) && c.ValueKind == JsonValueKind.Number ? c.GetInt32() : null;
            message = error.TryGetProperty("message", out var m) ? m.GetString() ?? message : message;
        }
        catch (JsonException)
        {
            // Not Twilio's JSON (a proxy's page): the status says enough.
        }
        var status = (int)response.StatusCode;
        TimeSpan? wait = response.Headers.RetryAfter?.Delta;
        // 21610 unsubscribed (STOP), 21211/21614 invalid or not a mobile number, 63003/63024 not a WhatsApp user.
        var unreachable = code is 21610 or 21211 or 21614 or 63003 or 63024;
        return new ChannelSendException($"Twilio refused the message ({code?.ToString(System.Globalization.CultureInfo.InvariantCulture) ?? status.ToString(System.Globalization.CultureInfo.InvariantCulture)}): {message}",
            retryable: status is 429 or >= 500 || code == 20429, wait, unreachable);
    }

    [GeneratedRegex(@"^AC[0-9a-fA-F]{32}$")]
    private static partial Regex AccountSid();

    [GeneratedRegex(@"^\+[1-9]\d{6,14}$")]
    private static partial Regex E164();
}

/// <summary>WhatsApp through a Twilio number (the number must be enabled for WhatsApp in Twilio).</summary>
public sealed class TwilioWhatsAppPlatform(MessagingOptions options) : TwilioPlatform(options)
{
    public override MessagingPlatformInfo Info { get; } = new(
        ChannelKind.WhatsAppTwilio, "WhatsApp (Twilio)", "twilio", MaxLength, RegistersWebhook: false,
        Fields("The WhatsApp-enabled Twilio number, in international format (+14155238886)."),
        "In the Twilio console, open the WhatsApp sender of your number and paste the webhook URL shown after connecting as \"A message comes in\" (HTTP POST).");

    protected override string AddressPrefix => "whatsapp:";
}

/// <summary>SMS through a Twilio number.</summary>
public sealed class TwilioSmsPlatform(MessagingOptions options) : TwilioPlatform(options)
{
    public override MessagingPlatformInfo Info { get; } = new(
        ChannelKind.SmsTwilio, "SMS (Twilio)", "twilio", MaxLength, RegistersWebhook: false,
        Fields("The Twilio phone number that receives SMS, in international format (+14155238886)."),
        "In the Twilio console, open the phone number and paste the webhook URL shown after connecting under Messaging → \"A message comes in\" (HTTP POST).");

    protected override string AddressPrefix => "";
}
