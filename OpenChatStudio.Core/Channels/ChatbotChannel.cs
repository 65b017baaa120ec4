using OpenChatStudio.Core.Teams;

namespace OpenChatStudio.Core.Channels;

/// <summary>The ways to reach a chatbot (docs/channels.md): web surfaces, and messaging platforms that deliver the bot's messages.</summary>
public enum ChannelKind
{
    /// <summary>The public page <c>/chat/{publicId}</c>.</summary>
    HostedPage,

    /// <summary>"Chat widget &amp; API": the official widget with an embed key and an allowed-domains list.</summary>
    Widget,

    /// <summary>Keyless programmatic use of the chat API.</summary>
    Api,

    /// <summary>A Telegram bot (bot token from BotFather).</summary>
    Telegram,

    /// <summary>WhatsApp through a Twilio number.</summary>
    WhatsAppTwilio,

    /// <summary>SMS through a Twilio number.</summary>
    SmsTwilio,

    /// <summary>WhatsApp through Meta's Cloud API (a business phone number).</summary>
    WhatsAppMeta,
}

/// <summary>
/// A chatbot's channel. Without any channel a public chatbot is still reachable keyless through its hosted page and the
/// chat API; a channel of a kind lets the team switch that surface off (with a message) or, for the widget, hand out an
/// embed key restricted to some domains.
/// </summary>
[Audit.Audited("Channel")]
public sealed class ChatbotChannel : ITeamOwned
{
    public Guid Id { get; private set; } = Guid.NewGuid();

    public Guid TeamId { get; private set; }

    public Guid ChatbotId { get; private set; }

    public ChannelKind Kind { get; private set; }

    public string Name { get; set; } = "";

    /// <summary>Widget only: the value the widget sends as <c>X-Embed-Key</c>.</summary>
    [Audit.AuditSecret]
    public string? EmbedKey { get; private set; }

    /// <summary>Widget only: JSON array of host patterns (exact host, <c>*.domain</c>, <c>*</c>).</summary>
    public string AllowedDomainsJson { get; set; } = "[]";

    public bool Enabled { get; set; } = true;

    /// <summary>Shown to users when the channel is disabled; empty uses <see cref="DefaultDisabledMessage"/>.</summary>
    public string DisabledMessage { get; set; } = "";

    public DateTime CreatedAt { get; private set; }

    /// <summary>The <c>x-ocs-widget-version</c> last seen on this channel (recorded at most once a day).</summary>
    public string? LastSeenWidgetVersion { get; set; }

    public DateTime? LastSeenWidgetAt { get; set; }

    /// <summary>Messaging channels: settings that are not secret (phone number, bot name, template…), a JSON object of strings.</summary>
    public string SettingsJson { get; set; } = "{}";

    /// <summary>
    /// Messaging channels: the credentials (bot token, auth token, app secret…), a JSON object protected with Data
    /// Protection. Never shown again once saved.
    /// </summary>
    [Audit.AuditSecret]
    public string ProtectedSecrets { get; set; } = "";

    public const string DefaultDisabledMessage = "This chatbot is currently unavailable.";

    private ChatbotChannel()
    {
    }

    public ChatbotChannel(Guid teamId, Guid chatbotId, ChannelKind kind, string name, DateTime now)
    {
        TeamId = teamId;
        ChatbotId = chatbotId;
        Kind = kind;
        Name = name;
        CreatedAt = now;
        if (kind == ChannelKind.Widget)
        {
            RegenerateKey();
        }
    }

    public string EffectiveDisabledMessage => string.IsNullOrWhiteSpace(DisabledMessage) ? DefaultDisabledMessage : DisabledMessage;

    public void RegenerateKey() => EmbedKey = Common.SecureToken.Create(24);
}
