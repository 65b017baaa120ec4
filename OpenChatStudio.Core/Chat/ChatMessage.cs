using OpenChatStudio.Core.Teams;

namespace OpenChatStudio.Core.Chat;

/// <summary>A message in a session. Human messages are stored before the bot runs, so none is ever lost.</summary>
public sealed class ChatMessage : ITeamOwned
{
    public Guid Id { get; private set; } = Guid.NewGuid();

    public Guid TeamId { get; private set; }

    public Guid SessionId { get; private set; }

    /// <summary>Order within the session (1, 2, 3…).</summary>
    public int Sequence { get; private set; }

    public MessageRole Role { get; private set; }

    public string Content { get; private set; } = "";

    /// <summary>JSON: hidden (seed), trace id, tags, attachments…</summary>
    public string MetadataJson { get; set; } = "{}";

    /// <summary>JSON array of tags, e.g. [{"tag":"FR","category":"bot_response"}].</summary>
    public string TagsJson { get; set; } = "[]";

    public bool Hidden { get; private set; }

    /// <summary>For bot messages: the chatbot version that produced it (null: the working version).</summary>
    public int? VersionNumber { get; set; }

    /// <summary>The participant's rating of a bot message (thumbs up/down), if any.</summary>
    public Sessions.MessageRating? Rating { get; set; }

    public DateTime CreatedAt { get; private set; }

    private ChatMessage()
    {
    }

    public ChatMessage(Guid teamId, Guid sessionId, int sequence, MessageRole role, string content, bool hidden = false)
    {
        TeamId = teamId;
        SessionId = sessionId;
        Sequence = sequence;
        Role = role;
        Content = content;
        Hidden = hidden;
    }
}
