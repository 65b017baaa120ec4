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

    /// <summary>First due time of a recurring schedule: occurrences are counted from here (null: the first due time was never moved).</summary>
    public DateTime? AnchorAt { get; set; }

    /// <summary>IANA/Windows time zone id used for day/week/month recurrences (the participant's <c>timezone</c>); null is UTC.</summary>
    public string? TimeZone { get; set; }

    public DateTime? LastTriggeredAt { get; set; }

    /// <summary>Who created it: tool, event, api, ui.</summary>
    public string? Origin { get; set; }

    /// <summary>The event trigger that created it (schedule-message action), if any.</summary>
    public string? TriggerId { get; set; }

    public string? CancelledBy { get; set; }

    public bool IsComplete { get; set; }

    public DateTime? CancelledAt { get; set; }

    public DateTime CreatedAt { get; private set; }

    /// <summary>Set while a deliverer holds the row (see <c>ScheduleDelivery</c>); an expired lease may be claimed again.</summary>
    public DateTime? LeaseUntil { get; set; }

    /// <summary>Identifies the claim that holds the lease.</summary>
    public Guid? ClaimToken { get; set; }

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
        AnchorAt = request.DueUtc;
    }

    public bool IsRecurring => Every is > 0 && Period is not null;

    public bool IsPending => !IsComplete && CancelledAt is null;

    /// <summary>Applies new schedule details (UI/API edit); the anchor restarts at the new due time.</summary>
    public void Reschedule(ReminderRequest request)
    {
        Name = request.Name;
        Message = request.Message;
        NextTriggerAt = request.DueUtc;
        AnchorAt = request.DueUtc;
        Every = request.Every;
        Period = request.Period;
        Repetitions = request.Repetitions;
        EndAt = request.EndUtc;
    }

    public ReminderRequest ToRequest() => new(Name, Message, NextTriggerAt, Every, Period, Repetitions, EndAt);
}
