using Microsoft.EntityFrameworkCore;
using Microsoft.EntityFrameworkCore.Metadata.Builders;
using OpenChatStudio.Core.Teams;

namespace OpenChatStudio.Core.Events;

public enum EventLogStatus
{
    /// <summary>Claimed and running (a timeout firing writes this first, so it fires once).</summary>
    Running,
    Success,
    Failure,
}

/// <summary>One firing of a trigger: which trigger, which session, what happened (OCS EventLog).</summary>
public sealed class EventLog : ITeamOwned
{
    public Guid Id { get; private set; } = Guid.NewGuid();

    public Guid TeamId { get; private set; }

    public Guid ChatbotId { get; private set; }

    public Guid? SessionId { get; private set; }

    public string TriggerId { get; private set; } = "";

    /// <summary>"Static: NewHumanMessage", "Timeout: 30 s"…, for the log page.</summary>
    public string TriggerLabel { get; private set; } = "";

    public EventActionType ActionType { get; private set; }

    public EventLogStatus Status { get; set; }

    public string Detail { get; set; } = "";

    /// <summary>Timeout triggers: the human message the timeout counts from.</summary>
    public Guid? ReferenceMessageId { get; private set; }

    /// <summary>Timeout triggers: 1..K.</summary>
    public int? FireNumber { get; private set; }

    public DateTime CreatedAt { get; private set; }

    private EventLog()
    {
    }

    public EventLog(Guid teamId, Guid chatbotId, Guid? sessionId, EventTrigger trigger, EventLogStatus status, string detail, DateTime createdAt,
        Guid? referenceMessageId = null, int? fireNumber = null)
    {
        TeamId = teamId;
        ChatbotId = chatbotId;
        SessionId = sessionId;
        TriggerId = trigger.Id;
        TriggerLabel = trigger.Kind == TriggerKind.Timeout ? $"Timeout {trigger.DelaySeconds} s" : trigger.StaticType?.ToString() ?? "";
        ActionType = trigger.Action.Type;
        Status = status;
        SetDetail(detail);
        CreatedAt = createdAt;
        ReferenceMessageId = referenceMessageId;
        FireNumber = fireNumber;
    }

    /// <summary>The log row of one delivery of a scheduled message (trigger id <c>sm-&lt;row id&gt;</c>, fire number = occurrence).</summary>
    public static EventLog ForScheduledMessage(Guid teamId, Guid chatbotId, Guid? sessionId, Guid scheduledMessageId, string name, int number,
        bool succeeded, string detail, DateTime createdAt)
    {
        var label = "Scheduled message: " + name;
        var log = new EventLog
        {
            TeamId = teamId,
            ChatbotId = chatbotId,
            SessionId = sessionId,
            TriggerId = "sm-" + scheduledMessageId.ToString("N"),
            TriggerLabel = label.Length > 100 ? label[..100] : label,
            ActionType = EventActionType.SendMessage,
            Status = succeeded ? EventLogStatus.Success : EventLogStatus.Failure,
            CreatedAt = createdAt,
            FireNumber = number,
        };
        log.SetDetail(detail);
        return log;
    }

    public void SetDetail(string detail) => Detail = detail.Length > 2000 ? detail[..2000] : detail;
}

internal sealed class EventLogConfiguration : IEntityTypeConfiguration<EventLog>
{
    public void Configure(EntityTypeBuilder<EventLog> b)
    {
        b.ToTable("event_logs");
        b.Property(l => l.TriggerId).HasMaxLength(40).IsRequired();
        b.Property(l => l.TriggerLabel).HasMaxLength(100);
        b.Property(l => l.ActionType).HasConversion<string>().HasMaxLength(20);
        b.Property(l => l.Status).HasConversion<string>().HasMaxLength(10);
        b.Property(l => l.Detail).HasMaxLength(2000);
        b.HasIndex(l => new { l.ChatbotId, l.CreatedAt });
        // A timeout firing (trigger, session, reference message, number) happens once; static firings leave these null.
        b.HasIndex(l => new { l.TriggerId, l.SessionId, l.ReferenceMessageId, l.FireNumber }).IsUnique();
    }
}
