using Microsoft.EntityFrameworkCore;
using Microsoft.EntityFrameworkCore.Metadata.Builders;

namespace OpenChatStudio.Core.Scheduling;

internal sealed class ScheduledMessageConfiguration : IEntityTypeConfiguration<ScheduledMessage>
{
    public void Configure(EntityTypeBuilder<ScheduledMessage> b)
    {
        b.ToTable("scheduled_messages");
        b.Property(m => m.ExternalId).HasMaxLength(12).IsRequired();
        b.Property(m => m.Name).HasMaxLength(200);
        b.Property(m => m.Period).HasConversion<string>().HasMaxLength(10);
        b.HasIndex(m => new { m.ChatbotId, m.ParticipantId, m.ExternalId }).IsUnique();
        b.HasIndex(m => new { m.IsComplete, m.NextTriggerAt });
        b.Property(m => m.TimeZone).HasMaxLength(100);
        b.Property(m => m.Origin).HasMaxLength(20);
        b.Property(m => m.TriggerId).HasMaxLength(40);
        b.Property(m => m.CancelledBy).HasMaxLength(100);
    }
}
