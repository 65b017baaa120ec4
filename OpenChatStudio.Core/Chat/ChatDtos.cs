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

    /// <summary>What happened, as one of a closed set every surface maps to its own response.</summary>
    public TurnOutcome Outcome =>
        Reply is not null ? TurnOutcome.Replied
        : NewSessionId is not null ? TurnOutcome.NewSession
        : Error is null && AlreadyHandled ? (DidNothing ? TurnOutcome.NothingDone : TurnOutcome.AlreadyHandled)
        : SessionEnded ? TurnOutcome.SessionEnded
        : TurnOutcome.Failed;
}

/// <summary>The closed set of turn outcomes (<see cref="ChatTurn.Outcome"/>).</summary>
public enum TurnOutcome
{
    /// <summary>A reply was stored (the bot may also have ended the session).</summary>
    Replied,

    /// <summary>No reply: the run failed or produced nothing; <see cref="ChatTurn.Error"/> says why in words fit for the participant.</summary>
    Failed,

    /// <summary>The session had ended; nothing ran.</summary>
    SessionEnded,

    /// <summary><c>/reset</c>: a new session replaced this one.</summary>
    NewSession,

    /// <summary>A message handled before (a retry of an inbound message, or another instance got to it first).</summary>
    AlreadyHandled,

    /// <summary>Nothing was stored and nothing came back (the caller should send it again).</summary>
    NothingDone,
}

public sealed record ChatReply(Guid MessageId, string Content, Guid TraceId, IReadOnlyList<NodeTrace> Trace, IReadOnlyList<string> Tags);

public sealed record SessionStart(Guid SessionId, Guid ParticipantId, ChatTurn? Seed);

/// <summary>A message as the transcript shows it.</summary>
public sealed record TranscriptMessage(Guid Id, int Sequence, MessageRole Role, string Content, bool Hidden, DateTime CreatedAt, Guid? TraceId);
