using OpenChatStudio.Core.Chat;

namespace OpenChatStudio.Core.Sessions;

/// <summary>
/// Filters of the sessions list; every set field narrows the result (they combine with AND). Dates are UTC:
/// <see cref="From"/> inclusive, <see cref="To"/> exclusive. <see cref="IncludePreviewAndEmpty"/> false leaves out team
/// members' preview chats and sessions without a visible message (the studio's lists do so unless asked).
/// </summary>
public sealed record SessionFilter(
    Guid? ChatbotId = null,
    DateTime? From = null,
    DateTime? To = null,
    SessionStatus? Status = null,
    string? Platform = null,
    int? VersionNumber = null,
    string? Tag = null,
    string? Participant = null,
    bool? HasRating = null,
    bool IncludePreviewAndEmpty = true);

public sealed record SessionRow(
    Guid Id,
    Guid ChatbotId,
    string ChatbotName,
    Guid ParticipantId,
    string ParticipantIdentifier,
    string? ParticipantName,
    string Platform,
    SessionStatus Status,
    DateTime CreatedAt,
    DateTime? LastActivityAt,
    int MessageCount,
    IReadOnlyList<string> Tags);

/// <summary>One page of sessions, newest first, and how many match in total.</summary>
public sealed record SessionPage(IReadOnlyList<SessionRow> Rows, int Total, int Page, int PageSize);

public sealed record CommentInfo(Guid Id, Guid? MessageId, string AuthorName, string Text, DateTime CreatedAt);

public sealed record ReviewMessage(
    Guid Id,
    int Sequence,
    MessageRole Role,
    string Content,
    bool Hidden,
    DateTime CreatedAt,
    int? VersionNumber,
    IReadOnlyList<string> Tags,
    MessageRating? Rating,
    Guid? TraceId,
    IReadOnlyList<CommentInfo> Comments,
    IReadOnlyList<Chat.AttachmentInfo> Attachments,
    string? NotAnswered = null,
    MessageDelivery? Delivery = null);

/// <summary>How a bot message of a messaging-channel session was delivered (null for web sessions, which fetch their messages).</summary>
/// <param name="Note">Why it failed, what is being retried, or what is uncertain (a part that may not have arrived).</param>
public sealed record MessageDelivery(Chat.OutboundStatus Status, string? Note, int Attempts);

/// <summary>Everything the transcript page shows about one session.</summary>
public sealed record SessionDetails(
    SessionRow Session,
    string VersionLabel,
    string StateJson,
    string ParticipantDataJson,
    string? EndReason,
    DateTime? EndedAt,
    IReadOnlyList<ReviewMessage> Messages,
    IReadOnlyList<CommentInfo> SessionComments);
