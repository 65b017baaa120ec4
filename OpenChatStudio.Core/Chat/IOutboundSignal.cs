namespace OpenChatStudio.Core.Chat;

/// <summary>
/// Told when bot messages were queued for delivery through a messaging channel (<see cref="OutboundMessage"/>), so the
/// channel's sender starts at once instead of at its next sweep. Implemented by the messaging channels.
/// </summary>
public interface IOutboundSignal
{
    void Queued(Guid sessionId);
}
