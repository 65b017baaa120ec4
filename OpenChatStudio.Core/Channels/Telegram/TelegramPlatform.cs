using System.Security.Cryptography;
using System.Text;
using System.Text.Json;
using System.Text.RegularExpressions;
using OpenChatStudio.Core.Channels.Messaging;
using OpenChatStudio.Core.Chat;
using OpenChatStudio.Core.Participants;
using Telegram.Bot;
using Telegram.Bot.Exceptions;
using Telegram.Bot.Types;
using Telegram.Bot.Types.Enums;

namespace OpenChatStudio.Core.Channels.Telegram;

/// <summary>
/// Telegram bots (OCS: <c>apps/channels</c> Telegram): the webhook <c>/channels/telegram/{channelId}</c>, verified by the
/// secret token given to <c>setWebhook</c> (header <c>X-Telegram-Bot-Api-Secret-Token</c>); text, voice notes, photos and
/// documents in; replies as Telegram HTML (markdown converted, plain text if Telegram refuses it), typing while the bot
/// works; a participant who blocks the bot is marked unreachable. The Bot API's base URL is
/// <c>Channels:Telegram:ApiBaseUrl</c>.
/// </summary>
public sealed partial class TelegramPlatform(MessagingOptions options) : IMessagingPlatform, IDisposable
{
    public const string BotTokenKey = "bot_token";

    /// <summary>Telegram's limit for a message's text.</summary>
    public const int MaxLength = 4096;

    private readonly HttpClient _http = new(new SocketsHttpHandler { PooledConnectionLifetime = TimeSpan.FromMinutes(5) })
    {
        Timeout = TimeSpan.FromSeconds(30),
    };

    public MessagingPlatformInfo Info { get; } = new(
        ChannelKind.Telegram,
        "Telegram",
        "telegram",
        MaxLength,
        RegistersWebhook: true,
       
        [new ChannelSettingField(BotTokenKey, "Bot token", "Create a bot with @BotFather (/newbot) and paste the token it gives you.", Secret: true)],
        "Talk to @BotFather in Telegram, send /newbot, and paste the token here. Saving registers this server's webhook with Telegram.")
    {
        SendsPerSecond = 30,   // Telegram's broadcast limit for a bot
    };

    public string? Validate(IReadOnlyDictionary<string, string> settings, IReadOnlyDictionary<string, string> secrets) =>
        secrets.TryGetValue(BotTokenKey, out var token) && !TokenShape().IsMatch(token)
            ? "That does not look like a Telegram bot token (it looks like 123456789:AAE…, from @BotFather)."
            : null;

    public WebhookParse Parse(WebhookRequest request, ChannelCredentials channel)
    {
        var expected = channel.Secret(MessagingChannelService.WebhookSecretKey);
        var given = request.Header("X-Telegram-Bot-Api-Secret-Token") ?? "";
        if (expected.Length == 0 || !CryptographicOperations.FixedTimeEquals(Encoding.UTF8.GetBytes(given), Encoding.UTF8.GetBytes(expected)))
        {
            return WebhookParse.Refused("The secret token is missing or wrong.");
        }
        Update? update;
        try
        {
            update = JsonSerializer.Deserialize<Update>(request.Body, JsonBotAPI.Options);
        }
        catch (JsonException ex)
        {
            return WebhookParse.Invalid($"Not a Telegram update: {ex.Message}");
        }
        if (update is null || update.Id <= 0)
        {
            return WebhookParse.Invalid("Not a Telegram update: update_id is missing.");
        }
        var externalId = update.Id.ToString(System.Globalization.CultureInfo.InvariantCulture);
        if (update.MyChatMember is { } member && member.Chat.Type == ChatType.Private)
        {
            // The participant blocked the bot (kicked) or unblocked it.
            var blocked = member.NewChatMember.Status is ChatMemberStatus.Kicked or ChatMemberStatus.Left;
            return blocked
                ? WebhookParse.Of([new ChannelInbound(externalId, Id(member.Chat.Id), ParticipantPlatforms.Telegram, null, "", InboundContent.Unreachable, [])])
                : WebhookParse.Of([]);
        }
        if (update.Message is not { } message || message.Chat.Type != ChatType.Private)
        {
            return WebhookParse.Of([]);   // edits, channel posts, group messages: nothing to answer
        }
        var sender = Id(message.Chat.Id);
        var name = message.From is { } from ? $"{from.FirstName} {from.LastName}".Trim() : null;
        var inbound = message switch
        {
            { Text: { } text } => new ChannelInbound(externalId, sender, ParticipantPlatforms.Telegram, name, text, InboundContent.Text, []),
            { Voice: { } voice } => new ChannelInbound(externalId, sender, ParticipantPlatforms.Telegram, name, message.Caption ?? "", InboundContent.Voice,
                [new ChannelMedia(voice.FileId, voice.MimeType ?? "audio/ogg", "voice.ogg")]),
            { Audio: { } audio } => new ChannelInbound(externalId, sender, ParticipantPlatforms.Telegram, name, message.Caption ?? "", InboundContent.Voice,
                [new ChannelMedia(audio.FileId, audio.MimeType ?? "audio/mpeg", audio.FileName ?? "audio.mp3")]),
            { Photo: { Length: > 0 } photos } => new ChannelInbound(externalId, sender, ParticipantPlatforms.Telegram, name, message.Caption ?? "", InboundContent.Media,
                [new ChannelMedia(photos.MaxBy(p => p.Width * p.Height)!.FileId, "image/jpeg", "photo.jpg")]),
            { Document: { } document } => new ChannelInbound(externalId, sender, ParticipantPlatforms.Telegram, name, message.Caption ?? "", InboundContent.Media,
                [new ChannelMedia(document.FileId, document.MimeType, document.FileName ?? "document")]),
            _ => new ChannelInbound(externalId, sender, ParticipantPlatforms.Telegram, name, "", InboundContent.Unsupported, []),
        };
        return WebhookParse.Of([inbound with { SentAt = message.Date }]);
    }

    public async Task<string> SendTextAsync(ChannelCredentials channel, string recipient, string text, bool windowOpen, CancellationToken ct)
    {
        var client = Client(channel);
        var chat = new ChatId(long.Parse(recipient, System.Globalization.CultureInfo.InvariantCulture));
        try
        {
            try
            {
                var sent = await client.SendMessage(chat, TelegramFormatting.ToHtml(text), parseMode: ParseMode.Html, cancellationToken: ct);
                return sent.Id.ToString(System.Globalization.CultureInfo.InvariantCulture);
            }
            catch (ApiRequestException ex) when (ex.ErrorCode == 400 && ex.Message.Contains("parse entities", StringComparison.OrdinalIgnoreCase))
            {
                // Formatting Telegram does not accept: the words matter more than the formatting.
                var sent = await client.SendMessage(chat, text, cancellationToken: ct);
                return sent.Id.ToString(System.Globalization.CultureInfo.InvariantCulture);
            }
        }
        catch (ApiRequestException ex)
        {
            throw Translate(ex);
        }
        catch (HttpRequestException ex)
        {
            throw new ChannelSendException($"Telegram could not be reached: {ex.Message}", retryable: true, inner: ex);
        }
        catch (RequestException ex)
        {
            throw new ChannelSendException($"Telegram could not be reached: {ex.Message}", retryable: true, inner: ex);
        }
    }

    public async Task SendTypingAsync(ChannelCredentials channel, string recipient, CancellationToken ct)
    {
        try
        {
            await Client(channel).SendChatAction(new ChatId(long.Parse(recipient, System.Globalization.CultureInfo.InvariantCulture)), ChatAction.Typing,
                cancellationToken: ct);
        }
        catch (Exception ex) when (ex is ApiRequestException or RequestException or HttpRequestException)
        {
            // Best effort: a missing typing indicator is not worth an error.
        }
    }

    public async Task<UploadedFile?> DownloadAsync(ChannelCredentials channel, ChannelMedia media, CancellationToken ct)
    {
        var client = Client(channel);
        try
        {
            var file = await client.GetFile(media.Reference, ct);
            if (file.FilePath is null)
            {
                return null;
            }
            using var buffer = new MemoryStream();
            await client.DownloadFile(file.FilePath, buffer, ct);
            var name = media.FileName ?? Path.GetFileName(file.FilePath);
            return new UploadedFile(name, media.ContentType ?? "application/octet-stream", buffer.ToArray());
        }
        catch (ApiRequestException ex)
        {
            throw Translate(ex);
        }
    }

    public async Task<ConnectionCheck> TestConnectionAsync(ChannelCredentials channel, CancellationToken ct)
    {
        try
        {
            var me = await Client(channel).GetMe(ct);
            return new ConnectionCheck(true, $"Connected to the Telegram bot @{me.Username}.");
        }
        catch (ApiRequestException ex) when (ex.ErrorCode is 401 or 404)
        {
            return new ConnectionCheck(false, "Telegram refused the bot token. Copy it again from @BotFather.");
        }
        catch (Exception ex) when (ex is ApiRequestException or RequestException or HttpRequestException or TaskCanceledException)
        {
            return new ConnectionCheck(false, $"Telegram could not be reached ({ex.GetType().Name}). Try again in a moment.");
        }
    }

    public async Task RegisterWebhookAsync(ChannelCredentials channel, Uri webhookUrl, CancellationToken ct)
    {
        try
        {
            await Client(channel).SetWebhook(webhookUrl.ToString(), secretToken: channel.Secret(MessagingChannelService.WebhookSecretKey),
                allowedUpdates: [UpdateType.Message, UpdateType.MyChatMember], cancellationToken: ct);
        }
        catch (ApiRequestException ex)
        {
            throw new ChannelSendException(ex.Message, retryable: false, inner: ex);
        }
    }

    public async Task UnregisterWebhookAsync(ChannelCredentials channel, CancellationToken ct)
    {
        try
        {
            await Client(channel).DeleteWebhook(cancellationToken: ct);
        }
        catch (ApiRequestException ex)
        {
            throw new ChannelSendException(ex.Message, retryable: false, inner: ex);
        }
    }

    public void Dispose() => _http.Dispose();

    private TelegramBotClient Client(ChannelCredentials channel)
    {
        var token = channel.Secret(BotTokenKey);
        var baseUrl = options.Telegram.ApiBaseUrl;
        // No waiting inside the library on a 429: the outbox retries after Telegram's retry_after, durably and without
        // holding a sender for up to a minute.
        var clientOptions = new TelegramBotClientOptions(token, string.IsNullOrWhiteSpace(baseUrl) ? null : baseUrl) { RetryThreshold = 0 };
        return new TelegramBotClient(clientOptions, _http);
    }

    private static ChannelSendException Translate(ApiRequestException ex) => ex.ErrorCode switch
    {
        429 => new ChannelSendException("Telegram asked to slow down.", retryable: true,
            ex.Parameters?.RetryAfter is { } seconds ? TimeSpan.FromSeconds(seconds) : null, inner: ex),
        403 => new ChannelSendException($"The participant cannot be messaged: {ex.Message}", retryable: false, unreachable: true, inner: ex),
        400 when ex.Message.Contains("chat not found", StringComparison.OrdinalIgnoreCase) =>
            new ChannelSendException($"The participant cannot be messaged: {ex.Message}", retryable: false, unreachable: true, inner: ex),
        >= 500 => new ChannelSendException($"Telegram failed ({ex.ErrorCode}).", retryable: true, inner: ex),
        _ => new ChannelSendException($"Telegram refused the message ({ex.ErrorCode}): {ex.Message}", retryable: false, inner: ex),
    };

    private static string Id(long id) => id.ToString(System.Globalization.CultureInfo.InvariantCulture);

    [GeneratedRegex(@"^\d{3,}:[A-Za-z0-9_-]{20,}$")]
    private static partial Regex TokenShape();
}
