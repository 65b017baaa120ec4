using Microsoft.EntityFrameworkCore;
using Microsoft.EntityFrameworkCore.Metadata.Builders;
using OpenChatStudio.Core.Teams;

namespace OpenChatStudio.Core.Scheduling;

/// <summary>One try at delivering one occurrence of a scheduled message (OCS ScheduledMessageAttempt).</summary>
public sealed class ScheduledMessageAttempt : ITeamOwned
{
    public Guid Id { get; private set; } = Guid.NewGuid();

    public Guid TeamId { get; private set; }

    public Guid ScheduledMessageId { get; private set; }

    /// <summary>Which occurrence (1 = the first delivery).</summary>
    public int TriggerNumber { get; private set; }

    public int AttemptNumber { get; private set; }

    public bool Succeeded { get; private set; }

    public string Log { get; private set; } = "";

    public Guid? SessionId { get; private set; }

    public Guid? MessageId { get; private set; }

    /// <summary>When the occurrence was due; <see cref="CreatedAt"/> minus this is the delivery lag.</summary>
    public DateTime DueAt { get; private set; }

    public DateTime CreatedAt { get; private set; }

    private ScheduledMessageAttempt()
    {
    }

    public ScheduledMessageAttempt(Guid teamId, Guid scheduledMessageId, int triggerNumber, int attemptNumber, bool succeeded, string log,
        Guid? sessionId, Guid? messageId, DateTime dueAt, DateTime createdAt)
    {
        TeamId = teamId;
        ScheduledMessageId = scheduledMessageId;
        TriggerNumber = triggerNumber;
        AttemptNumber = attemptNumber;
        Succeeded = succeeded;
        Log = log.Length > 2000 ? log[..2000] : log;
        SessionId = sessionId;
        MessageId = messageId;
        DueAt = dueAt;
        CreatedAt = createdAt;
    }
}

internal sealed class ScheduledMessageAttemptConfiguration : IEntityTypeConfiguration<ScheduledMessageAttempt>
{
    public void Configure(EntityTypeBuilder<ScheduledMessageAttempt> b)
    {
        b.ToTable("scheduled_message_attempts");
        b.Property(a => a.Log).HasMaxLength(2000);
        b.HasIndex(a => new { a.ScheduledMessageId, a.TriggerNumber, a.AttemptNumber });
    }
}
