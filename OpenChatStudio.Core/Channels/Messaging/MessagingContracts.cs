namespace OpenChatStudio.Core.Channels.Messaging;

/// <summary>A platform's webhook call as the host received it (Core knows no ASP.NET types).</summary>
/// <param name="Url">The public URL the platform called (Twilio signs it), as configured behind a proxy.</param>
public sealed record WebhookRequest(
    string Method,
    IReadOnlyDictionary<string, string> Headers,
    IReadOnlyDictionary<string, string> Query,
    byte[] Body,
    string? ContentType,
    string Url)
{
    public string? Header(string name) => Headers.TryGetValue(name, out var value) ? value : null;
}

/// <summary>What the host answers the platform.</summary>
public sealed record WebhookResponse(int Status, string? Body = null, string ContentType = "application/json")
{
    public static WebhookResponse Ok { get; } = new(200, "{\"ok\":true}");

    public static WebhookResponse Problem(int status, string message) =>
        new(status, System.Text.Json.JsonSerializer.Serialize(new { error = message }));
}

/// <summary>A messaging channel with its settings and decrypted credentials, as platforms need it.</summary>
public sealed record ChannelCredentials(
    Guid ChannelId,
    Guid TeamId,
    Guid ChatbotId,
    ChannelKind Kind,
    bool Enabled,
    string DisabledMessage,
    IReadOnlyDictionary<string, string> Settings,
    IReadOnlyDictionary<string, string> Secrets)
{
    public string Setting(string key) => Settings.TryGetValue(key, out var v) ? v : "";

    public string Secret(string key) => Secrets.TryGetValue(key, out var v) ? v : "";
}

/// <summary>What an inbound platform message is, after parsing.</summary>
public enum InboundContent
{
    Text,

    /// <summary>A voice note (audio): transcribed when the chatbot can, otherwise answered with a clear message.</summary>
    Voice,

    /// <summary>A photo, document or other file, with an optional caption as text.</summary>
    Media,

    /// <summary>Something the bot cannot take (a sticker, a location…).</summary>
    Unsupported,

    /// <summary>Not a message: the platform says the participant cannot be reached any more (they blocked the bot).</summary>
    Unreachable,
}

/// <summary>A file an inbound message carries, fetched from the platform when the message is processed.</summary>
/// <param name="Reference">The platform's handle: a Telegram file id, a Twilio media URL, a Meta media id.</param>
public sealed record ChannelMedia(string Reference, string? ContentType, string? FileName);

/// <summary>One participant message out of a webhook call, normalised (OCS BaseMessage).</summary>
/// <param name="ExternalId">The platform's id of the message: a redelivery carries the same one.</param>
/// <param name="SenderId">The participant's identifier on the platform (Telegram chat id, E.164 phone number, WhatsApp user id).</param>
/// <param name="Platform">The participant platform (<see cref="Participants.ParticipantPlatforms"/>).</param>
public sealed record ChannelInbound(
    string ExternalId,
    string SenderId,
    string Platform,
    string? SenderName,
    string Text,
    InboundContent Content,
    IReadOnlyList<ChannelMedia> Media)
{
    /// <summary>The platform's timestamp of the message, when it gives one (Meta's 24-hour window counts from it).</summary>
    public DateTime? SentAt { get; init; }
}

/// <summary>The outcome of reading a webhook call.</summary>
public sealed record WebhookParse(WebhookResponse? Immediate, IReadOnlyList<ChannelInbound> Messages)
{
    /// <summary>Answer this and process nothing (a refused signature, a verification challenge, a status callback).</summary>
    public static WebhookParse Answer(WebhookResponse response) => new(response, []);

    public static WebhookParse Of(IReadOnlyList<ChannelInbound> messages) => new(null, messages);

    public static WebhookParse Refused(string why) => Answer(WebhookResponse.Problem(403, why));

    public static WebhookParse Invalid(string why) => Answer(WebhookResponse.Problem(400, why));
}

/// <summary>A send the platform refused.</summary>
/// <param name="Retryable">True for rate limits, server errors and network failures: try again later.</param>
/// <param name="RetryAfter">How long the platform asked to wait (Telegram's retry_after, Retry-After).</param>
/// <param name="Unreachable">The participant cannot be messaged (blocked the bot, number invalid): stop sending to them.</param>
/// <param name="OutsideWindow">WhatsApp: the 24-hour customer service window is closed; a template is needed.</param>
public sealed class ChannelSendException(string message, bool retryable, TimeSpan? retryAfter = null, bool unreachable = false,
    bool outsideWindow = false, Exception? inner = null) : Exception(message, inner)
{
    public bool Retryable { get; } = retryable;

    public TimeSpan? RetryAfter { get; } = retryAfter;

    public bool Unreachable { get; } = unreachable;

    public bool OutsideWindow { get; } = outsideWindow;
}

/// <summary>A "test connection" verdict in plain words.</summary>
public sealed record ConnectionCheck(bool Ok, string Message);

/// <summary>A field of a platform's setup form.</summary>
/// <param name="Secret">Stored encrypted, never shown again; left empty when editing, it keeps the stored value.</param>
public sealed record ChannelSettingField(string Key, string Label, string Help, bool Secret, bool Required = true);

/// <summary>What a platform is and can do (OCS ChannelCapabilities).</summary>
/// <param name="MaxMessageLength">Longer replies are split on paragraph, sentence or word boundaries.</param>
/// <param name="WebhookSegment">The webhook path under <c>/channels/</c>: <c>/channels/{segment}/{channelId}</c>.</param>
/// <param name="RegistersWebhook">Whether saving the channel registers the webhook with the platform (else the team pastes it).</param>
public sealed record MessagingPlatformInfo(
    ChannelKind Kind,
    string DisplayName,
    string WebhookSegment,
    int MaxMessageLength,
    bool RegistersWebhook,
    IReadOnlyList<ChannelSettingField> Fields,
    string SetupHelp)
{
    /// <summary>At most this many messages a second per channel (0: no pacing; the platform queues, as Twilio does).</summary>
    public int SendsPerSecond { get; init; }

    /// <summary>Settings the platform generates and the team must copy into the platform's console (Meta's verify token).</summary>
    public IReadOnlyList<ChannelSettingField> Generated { get; init; } = [];
}
