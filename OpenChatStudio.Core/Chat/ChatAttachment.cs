using OpenChatStudio.Core.Teams;

namespace OpenChatStudio.Core.Chat;

/// <summary>
/// A file a participant uploaded into a session (chat API <c>upload/</c>). Stored in the database. Linked to the human
/// message it was sent with; files never linked are purgeable after <see cref="ChatAttachmentStore.UnattachedLifetime"/>.
/// </summary>
public sealed class ChatAttachment : ITeamOwned
{
    /// <summary>A number, because the widget contract sends attachment ids as integers.</summary>
    public int Id { get; private set; }

    public Guid TeamId { get; private set; }

    public Guid SessionId { get; private set; }

    /// <summary>The human message it was sent with; null until then.</summary>
    public Guid? MessageId { get; set; }

    public string Name { get; private set; } = "";

    public string ContentType { get; private set; } = "";

    public long Size { get; private set; }

    public byte[] Content { get; private set; } = [];

    public DateTime CreatedAt { get; private set; }

    private ChatAttachment()
    {
    }

    public ChatAttachment(Guid teamId, Guid sessionId, string name, string contentType, byte[] content, DateTime now)
    {
        TeamId = teamId;
        SessionId = sessionId;
        Name = name;
        ContentType = contentType;
        Content = content;
        Size = content.LongLength;
        CreatedAt = now;
    }
}

/// <summary>
/// A participant message the chat API accepted (202) and has not finished processing: the durable inbox. Its id is the
/// task id clients poll. Processing runs in the background through <see cref="ChatRuntime"/>; rows still pending at
/// start-up (after a crash) are processed again by <see cref="ChatInbox.RecoverAsync"/>.
/// </summary>
public sealed class InboundMessage : ITeamOwned
{
    public Guid Id { get; private set; } = Guid.NewGuid();

    public Guid TeamId { get; private set; }

    public Guid SessionId { get; private set; }

    public string Text { get; private set; } = "";

    /// <summary>JSON array of <see cref="ChatAttachment"/> ids.</summary>
    public string AttachmentIdsJson { get; private set; } = "[]";

    /// <summary>Page context the widget sent with the message (JSON object), kept in the human message's metadata.</summary>
    public string? ContextJson { get; private set; }

    public InboundStatus Status { get; set; } = InboundStatus.Pending;

    public Guid? HumanMessageId { get; set; }

    public Guid? ReplyMessageId { get; set; }

    public string? Error { get; set; }

    public DateTime AcceptedAt { get; private set; }

    public DateTime? FinishedAt { get; set; }

    /// <summary>
    /// How many times processing started, counted before each start so a run that takes the process down still counts.
    /// Recovery gives up on a message after <see cref="ChatInbox.MaxAttempts"/> (a poison message) and waits before a
    /// retry after the first (<see cref="ChatInbox.RetryBackoff"/>).
    /// </summary>
    public int Attempts { get; set; }

    public DateTime? LastAttemptAt { get; set; }

    /// <summary>The messaging channel it came through (Telegram, WhatsApp…); null for the chat API.</summary>
    public Guid? ChannelId { get; private set; }

    /// <summary>
    /// The platform's id of the message (Telegram update id, Twilio MessageSid, WhatsApp message id): unique per channel,
    /// so a platform's redelivery is stored (and answered) once.
    /// </summary>
    public string? ExternalId { get; private set; }

    private InboundMessage()
    {
    }

    public InboundMessage(Guid teamId, Guid sessionId, string text, IReadOnlyList<int> attachmentIds, string? contextJson, DateTime now)
    {
        TeamId = teamId;
        SessionId = sessionId;
        Text = text;
        AttachmentIdsJson = System.Text.Json.JsonSerializer.Serialize(attachmentIds);
        ContextJson = contextJson;
        AcceptedAt = now;
        // Accepted messages are handed to the runtime at once: that is the first attempt.
        Attempts = 1;
        LastAttemptAt = now;
    }

    /// <summary>A message that came through a messaging channel, with the platform's id of it.</summary>
    public InboundMessage(Guid teamId, Guid sessionId, string text, IReadOnlyList<int> attachmentIds, Guid channelId, string externalId, DateTime now)
        : this(teamId, sessionId, text, attachmentIds, null, now)
    {
        ChannelId = channelId;
        ExternalId = externalId;
    }

    public IReadOnlyList<int> AttachmentIds => System.Text.Json.JsonSerializer.Deserialize<List<int>>(AttachmentIdsJson) ?? [];
}

public enum InboundStatus
{
    /// <summary>Accepted; processing not finished (it may be running).</summary>
    Pending,

    /// <summary>Processed; <see cref="InboundMessage.ReplyMessageId"/> is the reply (null when the bot produced none).</summary>
    Complete,

    /// <summary>Processing failed; <see cref="InboundMessage.Error"/> says why.</summary>
    Failed,
}

/// <summary>
/// What <see cref="ChatRuntime"/> stores with a human message that came through the inbox. <paramref name="Recovering"/>:
/// the message was left pending by a stopped process, so it may have been stored or answered already.
/// </summary>
public sealed record InboundDetails(Guid InboundId, IReadOnlyList<int> AttachmentIds, string? ContextJson, bool Recovering = false);
