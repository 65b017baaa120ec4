using OpenChatStudio.Core.Teams;

namespace OpenChatStudio.Core.Chat;

/// <summary>
/// A bot message waiting to be delivered through a messaging channel (the outbox). Written in the same save as the bot
/// message itself, so a reply is never stored without being queued for delivery; a channel's sender works through the
/// rows of a session in order (<c>Channels/Messaging/ChannelOutbox</c>).
/// <para>
/// A long message goes out in parts. Before a part is sent, <see cref="PartInFlight"/> is written; after the platform
/// accepted it, its id is appended to <see cref="PlatformIdsJson"/> and <see cref="PartsSent"/> moves on. A part found
/// still in flight after a crash is not sent again (it may have arrived): nothing is delivered twice.
/// </para>
/// </summary>
public sealed class OutboundMessage : ITeamOwned
{
    public Guid Id { get; private set; } = Guid.NewGuid();

    public Guid TeamId { get; private set; }

    public Guid SessionId { get; private set; }

    /// <summary>The bot's <see cref="ChatMessage"/>.</summary>
    public Guid MessageId { get; private set; }

    public Guid ChannelId { get; private set; }

    public OutboundStatus Status { get; set; } = OutboundStatus.Pending;

    /// <summary>Sending attempts started (a retry after a platform error or a crash counts again).</summary>
    public int Attempts { get; set; }

    /// <summary>Not tried again before this time (back-off after a platform error).</summary>
    public DateTime NextAttemptAt { get; set; }

    /// <summary>The instance sending it holds it until then; a crashed sender's claim runs out.</summary>
    public DateTime? ClaimedUntil { get; set; }

    /// <summary>Parts the platform accepted so far.</summary>
    public int PartsSent { get; set; }

    /// <summary>The part being sent right now (null when none): after a crash, that part is skipped, not repeated.</summary>
    public int? PartInFlight { get; set; }

    /// <summary>JSON array of the platform's ids of the parts it accepted.</summary>
    public string PlatformIdsJson { get; set; } = "[]";

    /// <summary>Why it failed (shown in the transcript), or what is uncertain about a delivery.</summary>
    public string? Error { get; set; }

    public DateTime CreatedAt { get; private set; }

    public DateTime? SentAt { get; set; }

    private OutboundMessage()
    {
    }

    public OutboundMessage(Guid teamId, Guid sessionId, Guid messageId, Guid channelId, DateTime now)
    {
        TeamId = teamId;
        SessionId = sessionId;
        MessageId = messageId;
        ChannelId = channelId;
        CreatedAt = now;
        NextAttemptAt = now;
    }
}

public enum OutboundStatus
{
    /// <summary>Waiting to be sent (or to be retried).</summary>
    Pending,

    /// <summary>Every part was accepted by the platform.</summary>
    Sent,

    /// <summary>Given up: the platform refused it, the participant cannot be reached, or retries ran out.</summary>
    Failed,
}
