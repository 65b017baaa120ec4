using OpenChatStudio.Core.Pipelines.Tools;
using OpenChatStudio.Core.Teams;

namespace OpenChatStudio.Core.Scheduling;

/// <summary>A message the chatbot will send later (a reminder); delivery is the scheduler's job.</summary>
public sealed class ScheduledMessage : ITeamOwned
{
    public Guid Id { get; private set; } = Guid.NewGuid();

    public Guid TeamId { get; private set; }

    public Guid ChatbotId { get; private set; }

    public Guid ParticipantId { get; private set; }

    public Guid? SessionId { get; private set; }

    /// <summary>Short id the bot and participant use ("r7k2p").</summary>
    public string ExternalId { get; private set; } = "";

    public string Name { get; private set; } = "";

    public string Message { get; private set; } = "";

    public DateTime NextTriggerAt { get; set; }

    public int? Every { get; private set; }

    public TimePeriod? Period { get; private set; }

    public int? Repetitions { get; private set; }

    public int TotalTriggers { get; set; }

    public DateTime? EndAt { get; private set; }

    public bool IsComplete { get; set; }

    public DateTime? CancelledAt { get; set; }

    public DateTime CreatedAt { get; private set; } = DateTime.UtcNow;

    private ScheduledMessage()
    {
    }

    public ScheduledMessage(Guid teamId, Guid chatbotId, Guid participantId, Guid? sessionId, string externalId, ReminderRequest request)
    {
        TeamId = teamId;
        ChatbotId = chatbotId;
        ParticipantId = participantId;
        SessionId = sessionId;
        ExternalId = externalId;
        Name = request.Name;
        Message = request.Message;
        NextTriggerAt = request.DueUtc;
        Every = request.Every;
        Period = request.Period;
        Repetitions = request.Repetitions;
        EndAt = request.EndUtc;
    }

    public ReminderRequest ToRequest() => new(Name, Message, NextTriggerAt, Every, Period, Repetitions, EndAt);
}
