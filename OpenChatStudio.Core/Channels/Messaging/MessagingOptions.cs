namespace OpenChatStudio.Core.Channels.Messaging;

/// <summary>
/// Configuration section <c>Channels</c>: where this server is reachable from the platforms, and where the platforms'
/// APIs are (configurable so tests and staging point at local fakes).
/// </summary>
public sealed class MessagingOptions
{
    public const string SectionName = "Channels";

    /// <summary>
    /// The public base URL platforms call (e.g. <c>https://chat.example.org</c>), used for webhook URLs and Twilio's
    /// signature check behind a proxy. Empty: the address the studio was opened with.
    /// </summary>
    public string PublicBaseUrl { get; set; } = "";

    public PlatformApi Telegram { get; set; } = new() { ApiBaseUrl = "https://api.telegram.org" };

    public PlatformApi Twilio { get; set; } = new() { ApiBaseUrl = "https://api.twilio.com" };

    public PlatformApi Meta { get; set; } = new() { ApiBaseUrl = "https://graph.facebook.com/v21.0" };

    /// <summary>Seconds between the sender's sweeps for messages due a retry.</summary>
    public double OutboxSweepSeconds { get; set; } = 5;

    public sealed class PlatformApi
    {
        public string ApiBaseUrl { get; set; } = "";
    }
}
