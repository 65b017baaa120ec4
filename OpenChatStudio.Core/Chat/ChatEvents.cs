namespace OpenChatStudio.Core.Chat;

/// <summary>Something that happened in a conversation, published by <see cref="ChatRuntime"/> after it is stored.</summary>
public enum ChatEventKind
{
    /// <summary>A participant was seen for the first time.</summary>
    ParticipantJoined,

    SessionStarted,

    HumanMessage,

    BotMessage,

    /// <summary>The session ended; <see cref="ChatEvent.EndReason"/> says by whom (user, bot, api, event, manual, reset).</summary>
    SessionEnded,
}

/// <param name="HasTriggers">
/// Whether the session's chatbot version has event triggers, when the publisher knows (<c>null</c>: unknown). Lets the
/// event engine skip chatbots without triggers without a database round trip.
/// </param>
public sealed record ChatEvent(
    ChatEventKind Kind,
    Guid TeamId,
    Guid ChatbotId,
    Guid SessionId,
    Guid ParticipantId,
    string Platform,
    DateTime At,
    Guid? MessageId = null,
    string? EndReason = null,
    bool? HasTriggers = null);

/// <summary>
/// Observes conversations (event triggers, live views). Called after the change is committed; a sink's failure is logged
/// and never breaks the conversation. Register with <c>services.AddSingleton&lt;IChatEventSink, …&gt;()</c>.
/// </summary>
public interface IChatEventSink
{
    ValueTask OnChatEventAsync(ChatEvent chatEvent, CancellationToken ct);
}
