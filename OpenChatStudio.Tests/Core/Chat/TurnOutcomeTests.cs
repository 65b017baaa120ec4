using OpenChatStudio.Core.Chat;
using OpenChatStudio.Tests.TestSupport;

namespace OpenChatStudio.Tests.Core.Chat;

/// <summary>Every turn falls in exactly one outcome of the closed set surfaces map from.</summary>
[Trait(TestLayers.Trait, TestLayers.Unit)]
public class TurnOutcomeTests
{
    private static readonly Guid Session = Guid.NewGuid();
    private static readonly ChatReply Reply = new(Guid.NewGuid(), "hi", Guid.NewGuid(), [], []);

    public static TheoryData<ChatTurn, TurnOutcome> Turns => new()
    {
        { new ChatTurn(Session, Guid.NewGuid(), Reply, null), TurnOutcome.Replied },
        { new ChatTurn(Session, Guid.NewGuid(), Reply, null, SessionEnded: true), TurnOutcome.Replied },   // the bot ended it after replying
        { new ChatTurn(Session, Guid.NewGuid(), null, "LLM: the provider is down."), TurnOutcome.Failed },
        { new ChatTurn(Session, null, null, "This session has ended.", SessionEnded: true), TurnOutcome.SessionEnded },
        { new ChatTurn(Session, null, null, null, NewSessionId: Guid.NewGuid()), TurnOutcome.NewSession },
        { new ChatTurn(Session, Guid.NewGuid(), null, null, AlreadyHandled: true, ExistingReplyId: Guid.NewGuid()), TurnOutcome.AlreadyHandled },
        { new ChatTurn(Session, null, null, null, AlreadyHandled: true), TurnOutcome.NothingDone },
        { new ChatTurn(Session, null, null, ChatRuntime.UnknownInboundError), TurnOutcome.Failed },
    };

    [Theory]
    [MemberData(nameof(Turns))]
    public void Outcome_IsTheOneTheTurnDescribes(ChatTurn turn, TurnOutcome expected) => Assert.Equal(expected, turn.Outcome);
}
