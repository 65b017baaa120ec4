using OpenChatStudio.Core.Pipelines.Execution;

namespace OpenChatStudio.Core.Chat;

/// <summary>
/// The outcome of one message: the bot's reply, or a clear error (the human message is kept either way).
/// <see cref="AlreadyHandled"/>: an inbound message that an earlier run (or another app instance) had already processed;
/// nothing ran, and <see cref="ExistingReplyId"/> is its reply when there is one.
/// </summary>
public sealed record ChatTurn(
    Guid SessionId,
    Guid? HumanMessageId,
    ChatReply? Reply,
    string? Error,
    bool SessionEnded = false,
    Guid? NewSessionId = null,
    bool AlreadyHandled = false,
    Guid? ExistingReplyId = null)
{
    public bool Succeeded => Error is null;
}

public sealed record ChatReply(Guid MessageId, string Content, Guid TraceId, IReadOnlyList<NodeTrace> Trace, IReadOnlyList<string> Tags);

public sealed record SessionStart(Guid SessionId, Guid ParticipantId, ChatTurn? Seed);

/// <summary>A message as the transcript shows it.</summary>
public sealed record TranscriptMessage(Guid Id, int Sequence, MessageRole Role, string Content, bool Hidden, DateTime CreatedAt, Guid? TraceId);
