namespace OpenChatStudio.Core.Participants;

/// <summary>
/// The channels (OCS "platforms") a participant can belong to: one definition for the surfaces that exist today and
/// the messaging channels OCS users import participants for ahead of time.
/// </summary>
public static class ParticipantPlatforms
{
    public const string Web = "web";
    public const string Api = "api";
    public const string Widget = "widget";
    public const string Telegram = "telegram";
    public const string WhatsApp = "whatsapp";
    public const string Sms = "sms";
    public const string Slack = "slack";
    public const string Email = "email";
    public const string Facebook = "facebook";
    public const string CommCareConnect = "commcare_connect";

    /// <summary>The studio's preview: team members testing, never a public participant (not in <see cref="Known"/>).</summary>
    public const string Preview = "preview";

    public static readonly IReadOnlySet<string> Known = new HashSet<string>(StringComparer.Ordinal)
    {
        Web, Api, Widget, Telegram, WhatsApp, Sms, Slack, Email, Facebook, CommCareConnect,
    };
}
