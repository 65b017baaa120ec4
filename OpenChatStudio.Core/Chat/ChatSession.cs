using OpenChatStudio.Core.Teams;

namespace OpenChatStudio.Core.Chat;

/// <summary>One conversation between a participant and a chatbot.</summary>
public sealed class ChatSession : ITeamOwned
{
    public Guid Id { get; private set; } = Guid.NewGuid();

    public Guid TeamId { get; private set; }

    public Guid ChatbotId { get; private set; }

    public Guid ParticipantId { get; private set; }

    /// <summary>Where the conversation happens: web, preview, api, widget, telegram…</summary>
    public string Platform { get; private set; } = "";

    public SessionStatus Status { get; set; } = SessionStatus.Active;

    /// <summary>Session state JSON (pipelines' session_state).</summary>
    public string StateJson { get; set; } = "{}";

    /// <summary>Session tags (JSON array of strings).</summary>
    public string TagsJson { get; set; } = "[]";

    /// <summary>
    /// Whether a participant rated any of the session's bot messages: kept by <see cref="Sessions.MessageRatings"/> so the
    /// sessions list filters on a column instead of probing every candidate session's messages.
    /// </summary>
    public bool HasRating { get; set; }

    /// <summary>Which chatbot version the session talks to (working for the preview, published for public surfaces).</summary>
    public Versions.VersionSelection VersionSelection { get; private set; }

    /// <summary>The version number when <see cref="VersionSelection"/> is Specific.</summary>
    public int? PinnedVersionNumber { get; private set; }

    public Versions.VersionChoice Version => new(VersionSelection, PinnedVersionNumber);

    public DateTime CreatedAt { get; private set; }

    public DateTime? LastActivityAt { get; set; }

    public DateTime? EndedAt { get; private set; }

    public string? EndReason { get; private set; }

    /// <summary>
    /// What the chat API (widget contract) asks of a caller to reach this session; null for sessions it did not start
    /// (OpenAI-compatible API, preview, channels), which it never reaches.
    /// </summary>
    public ChatApiProof? ApiProof { get; set; }

    /// <summary>
    /// The messaging channel (Telegram, WhatsApp, SMS…) the conversation happens on: the bot's messages in this session are
    /// delivered through it (<see cref="OutboundMessage"/>). Null for web surfaces, which fetch their messages.
    /// </summary>
    public Guid? ChannelId { get; set; }

    /// <summary>When the participant agreed to the consent form in the conversation (conversational consent).</summary>
    public DateTime? ConsentedAt { get; set; }

    private ChatSession()
    {
    }

    public ChatSession(Guid teamId, Guid chatbotId, Guid participantId, string platform, Versions.VersionChoice version = default)
    {
        VersionSelection = version.Selection;
        PinnedVersionNumber = version.Selection == Versions.VersionSelection.Specific ? version.Number : null;
        TeamId = teamId;
        ChatbotId = chatbotId;
        ParticipantId = participantId;
        Platform = platform;
    }

    public bool IsEnded => IsEndedStatus(Status);

    /// <summary>Whether a session in this status has ended (pending review or complete).</summary>
    public static bool IsEndedStatus(SessionStatus status) => status is SessionStatus.PendingReview or SessionStatus.Complete;

    public void End(string reason, DateTime now)
    {
        if (IsEnded)
        {
            return;
        }
        Status = SessionStatus.PendingReview;
        EndedAt = now;
        EndReason = reason;
    }
}

/// <summary>How a caller of the chat API proves a session is theirs.</summary>
public enum ChatApiProof
{
    /// <summary>The signed session token issued by <c>start/</c> (header <c>X-Session-Token</c>), or the team's API key.</summary>
    SessionToken,

    /// <summary>
    /// The session id with the start's key rules (embed key and domain, or a public chatbot): for widgets before 0.9.0,
    /// which cannot send a session token. Only the client that started the session chooses this, for that session.
    /// </summary>
    SessionId,
}
