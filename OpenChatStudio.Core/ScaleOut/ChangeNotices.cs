namespace OpenChatStudio.Core.ScaleOut;

/// <summary>
/// Tells the in-memory caches of every app instance that a fact they hold changed: a chatbot's facts (who may reach it, on
/// which channel, which version answers: any saved change to the chatbot, one of its versions or channels) or a session
/// that ended. Raised by <see cref="Data.ChangeNoticeInterceptor"/> after the save, so no service has to remember to: in this
/// process at once, in other instances through <see cref="IInstanceMessages"/> (Redis). Handlers only forget or mark
/// entries, so hearing a notice twice is harmless.
/// </summary>
public sealed class ChangeNotices
{
    public const string ChatbotTopic = "chatbot-changed";

    public const string SessionEndedTopic = "session-ended";

    private readonly IInstanceMessages _instances;
    private readonly object _sync = new();
    private Action<Guid>[] _chatbotHandlers = [];
    private Action<Guid>[] _sessionHandlers = [];

    /// <param name="instances">Other app instances (none registered: this process only, as in a migration-only host).</param>
    public ChangeNotices(IInstanceMessages? instances = null)
    {
        _instances = instances ?? SingleInstanceMessages.Instance;
        _instances.Subscribe(ChatbotTopic, message => Raise(message, _chatbotHandlers));
        _instances.Subscribe(SessionEndedTopic, message => Raise(message, _sessionHandlers));
    }

    /// <summary>Calls <paramref name="handler"/> with the id of every chatbot whose facts changed.</summary>
    public void OnChatbotChanged(Action<Guid> handler)
    {
        lock (_sync)
        {
            _chatbotHandlers = [.. _chatbotHandlers, handler];
        }
    }

    /// <summary>Calls <paramref name="handler"/> with the id of every session that ended.</summary>
    public void OnSessionEnded(Action<Guid> handler)
    {
        lock (_sync)
        {
            _sessionHandlers = [.. _sessionHandlers, handler];
        }
    }

    /// <summary>
    /// Acts on the notices here at once, then tells other instances in the background (a save never waits on Redis;
    /// <see cref="IInstanceMessages"/> logs a failed publish).
    /// </summary>
    public void Publish(IReadOnlyCollection<Guid> changedChatbots, IReadOnlyCollection<Guid> endedSessions)
    {
        var chatbotHandlers = Volatile.Read(ref _chatbotHandlers);
        var sessionHandlers = Volatile.Read(ref _sessionHandlers);
        foreach (var id in changedChatbots)
        {
            Array.ForEach(chatbotHandlers, h => h(id));
        }
        foreach (var id in endedSessions)
        {
            Array.ForEach(sessionHandlers, h => h(id));
        }
        if (changedChatbots.Count + endedSessions.Count == 0)
        {
            return;
        }
        _ = Task.Run(async () =>
        {
            foreach (var id in changedChatbots)
            {
                await _instances.PublishAsync(ChatbotTopic, id.ToString(), CancellationToken.None).ConfigureAwait(false);
            }
            foreach (var id in endedSessions)
            {
                await _instances.PublishAsync(SessionEndedTopic, id.ToString(), CancellationToken.None).ConfigureAwait(false);
            }
        });
    }

    private static void Raise(string message, Action<Guid>[] handlers)
    {
        if (Guid.TryParse(message, out var id))
        {
            Array.ForEach(handlers, h => h(id));
        }
    }
}
