using System.Net;
using System.Net.Http.Headers;
using System.Net.Http.Json;
using System.Security.Cryptography;
using System.Text;
using System.Text.Json;
using System.Text.Json.Nodes;
using OpenChatStudio.Core.Channels.Messaging;
using OpenChatStudio.Core.Chat;
using OpenChatStudio.Core.Participants;

namespace OpenChatStudio.Core.Channels.Meta;

/// <summary>
/// WhatsApp through Meta's Cloud API (OCS: WhatsApp via Meta). The webhook <c>/channels/meta-whatsapp/{channelId}</c>
/// answers Meta's <c>GET</c> verify-token challenge and takes <c>POST</c>s signed with <c>X-Hub-Signature-256</c> (HMAC-SHA256
/// of the body with the app secret); messages come as <c>entry[].changes[].value.messages[]</c> (only those for this
/// channel's phone number id); status callbacks are accepted and ignored. Outside the 24-hour customer service window a
/// message goes out as the channel's approved template, its text split into the template's body parameter.
/// </summary>
public sealed class MetaWhatsAppPlatform(MessagingOptions options) : IMessagingPlatform, IDisposable
{
    public const string PhoneNumberIdKey = "phone_number_id";
    public const string TemplateNameKey = "template_name";
    public const string TemplateLanguageKey = "template_language";
    public const string AccessTokenKey = "access_token";
    public const string AppSecretKey = "app_secret";
    public const string VerifyTokenKey = "verify_token";

    /// <summary>Meta's limit for a text message's body.</summary>
    public const int MaxLength = 4096;

    /// <summary>A template's body parameter is limited (1,024 characters); longer text goes out as several template messages.</summary>
    public const int TemplateParameterLength = 974;

    /// <summary>Meta's error for a free-form message outside the 24-hour window ("re-engagement message").</summary>
    public const int OutsideWindowError = 131047;

    private readonly HttpClient _http = new(new SocketsHttpHandler { PooledConnectionLifetime = TimeSpan.FromMinutes(5) })
    {
        Timeout = TimeSpan.FromSeconds(30),
    };

    public MessagingPlatformInfo Info { get; } = new(
        ChannelKind.WhatsAppMeta, "WhatsApp (Meta Cloud API)", "meta-whatsapp", MaxLength, RegistersWebhook: false,
        [
            new ChannelSettingField(PhoneNumberIdKey, "Phone number ID", "WhatsApp → API Setup in your Meta app: the ID of the business phone number (not the number itself).", Secret: false),
            new ChannelSettingField(AccessTokenKey, "Access token", "A permanent token of a system user with whatsapp_business_messaging permission.", Secret: true),
            new ChannelSettingField(AppSecretKey, "App secret", "App settings → Basic → App secret: used to check that webhook calls come from Meta.", Secret: true),
            new ChannelSettingField(TemplateNameKey, "Template for messages outside the 24-hour window",
                "An approved template with one body parameter ({{1}}). Without one, messages to people who have not written in 24 hours cannot be sent.", Secret: false, Required: false),
            new ChannelSettingField(TemplateLanguageKey, "Template language", "The template's language code, e.g. en or en_US.", Secret: false, Required: false),
        ],
        "In your Meta app, open WhatsApp → Configuration, set the callback URL shown after connecting, paste the verify token shown beside it, and subscribe to the \"messages\" field.")
    {
        SendsPerSecond = 80,   // the Cloud API's default throughput per number
        Generated = [new ChannelSettingField(VerifyTokenKey, "Verify token", "Paste this in Meta's webhook configuration beside the callback URL.", Secret: false)],
    };

    public string NormalizeRecipient(string identifier) => new(identifier.Where(char.IsAsciiDigit).ToArray());

    public string? Validate(IReadOnlyDictionary<string, string> settings, IReadOnlyDictionary<string, string> secrets)
    {
        if (!(settings.GetValueOrDefault(PhoneNumberIdKey) ?? "").All(char.IsAsciiDigit))
        {
            return "The phone number ID is a number (from WhatsApp → API Setup), not the phone number itself.";
        }
        var template = settings.GetValueOrDefault(TemplateNameKey) ?? "";
        var language = settings.GetValueOrDefault(TemplateLanguageKey) ?? "";
        return template.Length > 0 && language.Length == 0 ? "Give the template's language code (e.g. en)." : null;
    }

    public WebhookParse Parse(WebhookRequest request, ChannelCredentials channel)
    {
        if (string.Equals(request.Method, "GET", StringComparison.OrdinalIgnoreCase))
        {
            return WebhookParse.Answer(Challenge(request, channel));
        }
        var header = request.Header("X-Hub-Signature-256") ?? "";
        var secret = channel.Secret(AppSecretKey);
        var expected = "sha256=" + Convert.ToHexStringLower(HMACSHA256.HashData(Encoding.UTF8.GetBytes(secret), request.Body));
        if (secret.Length == 0 || !CryptographicOperations.FixedTimeEquals(Encoding.ASCII.GetBytes(header.ToLowerInvariant()), Encoding.ASCII.GetBytes(expected)))
        {
            return WebhookParse.Refused("The X-Hub-Signature-256 signature is missing or wrong.");
        }
        JsonNode? root;
        try
        {
            root = JsonNode.Parse(request.Body);
        }
        catch (JsonException ex)
        {
            return WebhookParse.Invalid($"Not a WhatsApp webhook: {ex.Message}");
        }
        if (root is not JsonObject body || body["entry"] is not JsonArray entries)
        {
            return WebhookParse.Invalid("Not a WhatsApp webhook: entry is missing.");
        }
        var phoneNumberId = channel.Setting(PhoneNumberIdKey);
        var messages = new List<ChannelInbound>();
        foreach (var value in entries.OfType<JsonObject>().SelectMany(e => e["changes"] as JsonArray ?? []).OfType<JsonObject>()
                     .Select(c => c["value"] as JsonObject).OfType<JsonObject>())
        {
            if (value["metadata"]?["phone_number_id"]?.ToString() is { } to && to != phoneNumberId)
            {
                continue;   // another number of the same Meta app
            }
            var names = (value["contacts"] as JsonArray ?? []).OfType<JsonObject>()
                .Where(c => c["wa_id"] is not null)
                .GroupBy(c => c["wa_id"]!.ToString())
                .ToDictionary(g => g.Key, g => g.First()["profile"]?["name"]?.ToString());
            foreach (var message in (value["messages"] as JsonArray ?? []).OfType<JsonObject>())
            {
                if (Read(message, names) is { } inbound)
                {
                    messages.Add(inbound);
                }
            }
        }
        return WebhookParse.Of(messages);
    }

    private static ChannelInbound? Read(JsonObject message, Dictionary<string, string?> names)
    {
        var id = message["id"]?.ToString();
        var from = message["from"]?.ToString();
        if (string.IsNullOrEmpty(id) || string.IsNullOrEmpty(from))
        {
            return null;
        }
        var name = names.GetValueOrDefault(from);
        DateTime? sentAt = long.TryParse(message["timestamp"]?.ToString(), out var unix) ? DateTimeOffset.FromUnixTimeSeconds(unix).UtcDateTime : null;
        var type = message["type"]?.ToString();
        ChannelInbound Of(string text, InboundContent content, IReadOnlyList<ChannelMedia> media) =>
            new(id, from, ParticipantPlatforms.WhatsApp, name, text, content, media) { SentAt = sentAt };
        if (type == "text")
        {
            return Of(message["text"]?["body"]?.ToString() ?? "", InboundContent.Text, []);
        }
        if (type is "image" or "document" or "audio" or "voice" or "video" && message[type] is JsonObject media && media["id"] is not null)
        {
            var file = new ChannelMedia(media["id"]!.ToString(), media["mime_type"]?.ToString(), media["filename"]?.ToString());
            var caption = media["caption"]?.ToString() ?? "";
            return Of(caption, type is "audio" or "voice" ? InboundContent.Voice : InboundContent.Media, [file]);
        }
        return Of("", InboundContent.Unsupported, []);
    }

    private static WebhookResponse Challenge(WebhookRequest request, ChannelCredentials channel)
    {
        var token = request.Query.GetValueOrDefault("hub.verify_token") ?? "";
        var expected = channel.Setting(VerifyTokenKey);
        var matches = expected.Length > 0 && CryptographicOperations.FixedTimeEquals(Encoding.UTF8.GetBytes(token), Encoding.UTF8.GetBytes(expected));
        return request.Query.GetValueOrDefault("hub.mode") == "subscribe" && matches
            ? new WebhookResponse(200, request.Query.GetValueOrDefault("hub.challenge") ?? "", "text/plain")
            : WebhookResponse.Problem(403, "The verify token does not match this channel's.");
    }

    public async Task<string> SendTextAsync(ChannelCredentials channel, string recipient, string text, bool windowOpen, CancellationToken ct)
    {
        if (windowOpen)
        {
            try
            {
                return await PostMessageAsync(channel, new JsonObject
                {
                    ["messaging_product"] = "whatsapp",
                    ["recipient_type"] = "individual",
                    ["to"] = recipient,
                    ["type"] = "text",
                    ["text"] = new JsonObject { ["body"] = text, ["preview_url"] = false },
                }, ct);
            }
            catch (ChannelSendException ex) when (ex.OutsideWindow)
            {
                // Meta knows better than our clock: fall back to the template.
            }
        }
        return await SendTemplateAsync(channel, recipient, text, ct);
    }

    private async Task<string> SendTemplateAsync(ChannelCredentials channel, string recipient, string text, CancellationToken ct)
    {
        var template = channel.Setting(TemplateNameKey);
        if (template.Length == 0)
        {
            throw new ChannelSendException("The participant has not written in the last 24 hours, and this channel has no template for that.",
                retryable: false, outsideWindow: true);
        }
        var id = "";
        foreach (var chunk in MessageSplitter.Split(text, TemplateParameterLength))
        {
            id = await PostMessageAsync(channel, new JsonObject
            {
                ["messaging_product"] = "whatsapp",
                ["to"] = recipient,
                ["type"] = "template",
                ["template"] = new JsonObject
                {
                    ["name"] = template,
                    ["language"] = new JsonObject { ["code"] = channel.Setting(TemplateLanguageKey) },
                    ["components"] = new JsonArray(new JsonObject
                    {
                        ["type"] = "body",
                        ["parameters"] = new JsonArray(new JsonObject { ["type"] = "text", ["text"] = chunk }),
                    }),
                },
            }, ct);
        }
        return id;
    }

    private async Task<string> PostMessageAsync(ChannelCredentials channel, JsonObject payload, CancellationToken ct)
    {
        using var request = new HttpRequestMessage(HttpMethod.Post, Graph($"{channel.Setting(PhoneNumberIdKey)}/messages"))
        {
            Content = JsonContent.Create(payload),
        };
        request.Headers.Authorization = new AuthenticationHeaderValue("Bearer", channel.Secret(AccessTokenKey));
        HttpResponseMessage response;
        try
        {
            response = await _http.SendAsync(request, ct);
        }
        catch (HttpRequestException ex)
        {
            throw new ChannelSendException($"Meta could not be reached: {ex.Message}", retryable: true, inner: ex);
        }
        using (response)
        {
            var json = await response.Content.ReadAsStringAsync(ct);
            if (response.IsSuccessStatusCode)
            {
                return JsonNode.Parse(json)?["messages"]?[0]?["id"]?.ToString() ?? "";
            }
            throw Translate(response, json);
        }
    }

    public async Task<UploadedFile?> DownloadAsync(ChannelCredentials channel, ChannelMedia media, CancellationToken ct)
    {
        using var lookup = new HttpRequestMessage(HttpMethod.Get, Graph(media.Reference));
        lookup.Headers.Authorization = new AuthenticationHeaderValue("Bearer", channel.Secret(AccessTokenKey));
        using var found = await _http.SendAsync(lookup, ct);
        if (!found.IsSuccessStatusCode || JsonNode.Parse(await found.Content.ReadAsStringAsync(ct)) is not JsonObject info
            || info["url"]?.ToString() is not { } url)
        {
            return null;
        }
        using var download = new HttpRequestMessage(HttpMethod.Get, url);
        download.Headers.Authorization = new AuthenticationHeaderValue("Bearer", channel.Secret(AccessTokenKey));
        using var file = await _http.SendAsync(download, ct);
        if (!file.IsSuccessStatusCode)
        {
            return null;
        }
        var type = info["mime_type"]?.ToString() ?? media.ContentType ?? "application/octet-stream";
        var name = media.FileName ?? "media" + (type.Split('/') is [_, var sub] ? "." + sub.Split(';')[0] : "");
        return new UploadedFile(name, type, await file.Content.ReadAsByteArrayAsync(ct));
    }

    public async Task<ConnectionCheck> TestConnectionAsync(ChannelCredentials channel, CancellationToken ct)
    {
        try
        {
            using var request = new HttpRequestMessage(HttpMethod.Get, Graph($"{channel.Setting(PhoneNumberIdKey)}?fields=display_phone_number,verified_name"));
            request.Headers.Authorization = new AuthenticationHeaderValue("Bearer", channel.Secret(AccessTokenKey));
            using var response = await _http.SendAsync(request, ct);
            var json = await response.Content.ReadAsStringAsync(ct);
            if (!response.IsSuccessStatusCode)
            {
                return response.StatusCode is HttpStatusCode.Unauthorized or HttpStatusCode.Forbidden or HttpStatusCode.BadRequest or HttpStatusCode.NotFound
                    ? new ConnectionCheck(false, "Meta refused the access token or the phone number ID. Check both in WhatsApp → API Setup.")
                    : new ConnectionCheck(false, $"Meta answered {(int)response.StatusCode}. Try again in a moment.");
            }
            var number = JsonNode.Parse(json);
            return new ConnectionCheck(true, $"Connected to the WhatsApp number {number?["display_phone_number"]} ({number?["verified_name"]}).");
        }
        catch (Exception ex) when (ex is HttpRequestException or TaskCanceledException or JsonException)
        {
            return new ConnectionCheck(false, $"Meta could not be reached ({ex.GetType().Name}). Try again in a moment.");
        }
    }

    public void Dispose() => _http.Dispose();

    private Uri Graph(string path) => new($"{options.Meta.ApiBaseUrl.TrimEnd('/')}/{path}");

    /// <summary>Meta's error body: <c>{"error": {"message", "type", "code", "error_subcode", "fbtrace_id"}}</c>.</summary>
    private static ChannelSendException Translate(HttpResponseMessage response, string json)
    {
        int? code = null;
        var message = response.ReasonPhrase ?? "error";
        try
        {
            var error = JsonNode.Parse(json)?["error"];
            code = error?["code"]?.GetValue<int>();
            message = error?["message"]?.ToString() ?? message;
        }
        catch (Exception ex) when (ex is JsonException or InvalidOperationException or FormatException)
        {
            // Not Meta's JSON: the status says enough.
        }
        var status = (int)response.StatusCode;
        var label = code?.ToString(System.Globalization.CultureInfo.InvariantCulture) ?? status.ToString(System.Globalization.CultureInfo.InvariantCulture);
        return code switch
        {
            OutsideWindowError => new ChannelSendException($"Outside the 24-hour window ({label}): {message}", retryable: false, outsideWindow: true),
            // Rate limits: 4 app, 80007 account, 130429 throughput, 131048 spam rate, 131056 pair rate.
            4 or 80007 or 130429 or 131048 or 131056 => new ChannelSendException($"Meta asked to slow down ({label}).", retryable: true,
                response.Headers.RetryAfter?.Delta),
            // 131026: the recipient cannot receive WhatsApp messages.
            131026 => new ChannelSendException($"The participant cannot be messaged on WhatsApp ({label}): {message}", retryable: false, unreachable: true),
            _ => new ChannelSendException($"Meta refused the message ({label}): {message}", retryable: status >= 500),
        };
    }
}
