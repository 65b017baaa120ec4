using OpenChatStudio.Core.Pipelines.Execution;

namespace OpenChatStudio.Core.Chat;

/// <summary>
/// The outcome of one message: the bot's reply, or a clear error (the human message is kept either way).
/// <see cref="AlreadyHandled"/>: an inbound message that an earlier run (or another app instance) had already processed;
/// nothing ran, and <see cref="ExistingReplyId"/> is its reply when there is one. Such a turn did nothing for its caller,
/// so it does not count as <see cref="Succeeded"/> unless that reply exists.
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
    /// <summary>What a caller shows when a turn did nothing (no reply, no error, no new session).</summary>
    public const string NothingDoneError = "This message was not processed: nothing was stored and no reply came back. Send it again.";

    /// <summary>A reply, a new or ended session, or a reply stored earlier: never a turn that did nothing.</summary>
    public bool Succeeded => Error is null && !DidNothing;

    /// <summary>No error, yet nothing to show: no reply (now or stored earlier), no new session, no end.</summary>
    public bool DidNothing => Error is null && Reply is null && ExistingReplyId is null && NewSessionId is null && !SessionEnded && AlreadyHandled;

    /// <summary><see cref="Error"/>, or <see cref="NothingDoneError"/> for a turn that did nothing.</summary>
    public string? Problem => Error ?? (DidNothing ? NothingDoneError : null);
}

public sealed record ChatReply(Guid MessageId, string Content, Guid TraceId, IReadOnlyList<NodeTrace> Trace, IReadOnlyList<string> Tags);

public sealed record SessionStart(Guid SessionId, Guid ParticipantId, ChatTurn? Seed);

/// <summary>A message as the transcript shows it.</summary>
public sealed record TranscriptMessage(Guid Id, int Sequence, MessageRole Role, string Content, bool Hidden, DateTime CreatedAt, Guid? TraceId);
