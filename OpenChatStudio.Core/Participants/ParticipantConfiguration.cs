using Microsoft.EntityFrameworkCore;
using Microsoft.EntityFrameworkCore.Metadata.Builders;

namespace OpenChatStudio.Core.Participants;

internal sealed class ParticipantConfiguration : IEntityTypeConfiguration<Participant>
{
    public void Configure(EntityTypeBuilder<Participant> b)
    {
        b.ToTable("participants");
        b.Property(p => p.Platform).HasMaxLength(40).IsRequired();
        b.Property(p => p.Identifier).HasMaxLength(320).IsRequired();
        b.Property(p => p.Name).HasMaxLength(200);
        b.HasIndex(p => new { p.TeamId, p.Platform, p.Identifier }).IsUnique();
    }
}

internal sealed class ParticipantDataConfiguration : IEntityTypeConfiguration<ParticipantData>
{
    public void Configure(EntityTypeBuilder<ParticipantData> b)
    {
        b.ToTable("participant_data");
        b.Property(d => d.Version).IsConcurrencyToken();
        b.HasIndex(d => new { d.ParticipantId, d.ChatbotId }).IsUnique();
        b.HasIndex(d => d.TeamId);
    }
}
