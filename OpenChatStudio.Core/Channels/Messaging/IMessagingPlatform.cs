namespace OpenChatStudio.Core.Channels.Messaging;

/// <summary>
/// One messaging platform (a folder under <c>Core/Channels</c>): how its webhook is verified and read, how the bot's
/// messages are sent, and how a channel is checked and connected. Registered with
/// <c>services.AddMessagingPlatform&lt;T&gt;()</c>; everything else (participants, sessions, the durable inbox and outbox,
/// retries, splitting) is shared (<see cref="MessagingInbox"/>, <see cref="ChannelOutbox"/>).
/// </summary>
public interface IMessagingPlatform
{
    MessagingPlatformInfo Info { get; }

    /// <summary>A participant identifier as this platform writes it (Meta: digits only; Twilio: E.164 with +), for messages the bot starts.</summary>
    string NormalizeRecipient(string identifier) => identifier;

    /// <summary>Checks the form's values before they are stored (e.g. the phone number's format); null when fine.</summary>
    string? Validate(IReadOnlyDictionary<string, string> settings, IReadOnlyDictionary<string, string> secrets) => null;

    /// <summary>
    /// Verifies the call came from the platform (its signature or secret) and reads the messages in it. A refused or
    /// malformed call is answered without processing anything.
    /// </summary>
    WebhookParse Parse(WebhookRequest request, ChannelCredentials channel);

    /// <summary>What the webhook answers once its messages are stored (Twilio expects TwiML).</summary>
    WebhookResponse Acknowledge => WebhookResponse.Ok;

    /// <summary>Sends one part of a bot message (already within <see cref="MessagingPlatformInfo.MaxMessageLength"/>); returns the platform's id of it.</summary>
    /// <param name="windowOpen">WhatsApp through Meta: whether the participant wrote in the last 24 hours.</param>
    Task<string> SendTextAsync(ChannelCredentials channel, string recipient, string text, bool windowOpen, CancellationToken ct);

    /// <summary>Shows that the bot is writing, where the platform can (Telegram's typing action); best effort.</summary>
    Task SendTypingAsync(ChannelCredentials channel, string recipient, CancellationToken ct) => Task.CompletedTask;

    /// <summary>Fetches an inbound file; null when the platform has no such file.</summary>
    Task<Chat.UploadedFile?> DownloadAsync(ChannelCredentials channel, ChannelMedia media, CancellationToken ct) =>
        Task.FromResult<Chat.UploadedFile?>(null);

    /// <summary>Checks the credentials against the platform (Telegram getMe, Twilio account fetch, Meta phone-number fetch).</summary>
    Task<ConnectionCheck> TestConnectionAsync(ChannelCredentials channel, CancellationToken ct);

    /// <summary>Tells the platform where to send messages, when it can be told (Telegram setWebhook).</summary>
    Task RegisterWebhookAsync(ChannelCredentials channel, Uri webhookUrl, CancellationToken ct) => Task.CompletedTask;

    /// <summary>Stops the platform sending to this server (Telegram deleteWebhook); best effort.</summary>
    Task UnregisterWebhookAsync(ChannelCredentials channel, CancellationToken ct) => Task.CompletedTask;
}
