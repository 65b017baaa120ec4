using OpenChatStudio.Core.Teams;

namespace OpenChatStudio.Core.Sessions;

/// <summary>A reviewer's note on a session, or on one message of it (<see cref="MessageId"/> set).</summary>
public sealed class SessionComment : ITeamOwned
{
    public const int MaxLength = 4000;

    public Guid Id { get; private set; } = Guid.NewGuid();

    public Guid TeamId { get; private set; }

    public Guid SessionId { get; private set; }

    /// <summary>Null: a comment on the whole session.</summary>
    public Guid? MessageId { get; private set; }

    public Guid? AuthorUserId { get; private set; }

    public string AuthorName { get; private set; } = "";

    public string Text { get; private set; } = "";

    public DateTime CreatedAt { get; private set; }

    private SessionComment()
    {
    }

    public SessionComment(Guid teamId, Guid sessionId, Guid? messageId, Guid? authorUserId, string authorName, string text, DateTime now)
    {
        TeamId = teamId;
        SessionId = sessionId;
        MessageId = messageId;
        AuthorUserId = authorUserId;
        AuthorName = authorName;
        Text = text;
        CreatedAt = now;
    }
}

/// <summary>A participant's thumbs up / down on a bot message (set by the hosted chat page).</summary>
public enum MessageRating
{
    Up,
    Down,
}
