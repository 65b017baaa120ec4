using Microsoft.EntityFrameworkCore;
using Microsoft.EntityFrameworkCore.Metadata.Builders;

namespace OpenChatStudio.Core.Chatbots;

internal sealed class ChatbotConfiguration : IEntityTypeConfiguration<Chatbot>
{
    public void Configure(EntityTypeBuilder<Chatbot> b)
    {
        b.ToTable("chatbots");
        b.Property(c => c.Name).HasMaxLength(200).IsRequired();
        b.Property(c => c.Description).HasMaxLength(2000);
        b.Property(c => c.SeedMessage).HasMaxLength(4000);
        b.HasIndex(c => c.PublicId).IsUnique();
        b.HasIndex(c => new { c.TeamId, c.IsArchived });
        b.Ignore(c => c.Pipeline);
        b.Property(c => c.EditRevision).IsConcurrencyToken();
    }
}

internal sealed class ConsentFormConfiguration : IEntityTypeConfiguration<ConsentForm>
{
    public void Configure(EntityTypeBuilder<ConsentForm> b)
    {
        b.ToTable("consent_forms");
        b.Property(f => f.Name).HasMaxLength(200).IsRequired();
        b.Property(f => f.IdentifierLabel).HasMaxLength(100);
        b.Property(f => f.IdentifierType).HasMaxLength(20);
        b.Property(f => f.ConfirmationText).HasMaxLength(500);
        b.HasIndex(f => f.TeamId);
    }
}

internal sealed class SourceMaterialConfiguration : IEntityTypeConfiguration<SourceMaterial>
{
    public void Configure(EntityTypeBuilder<SourceMaterial> b)
    {
        b.ToTable("source_materials");
        b.Property(s => s.Topic).HasMaxLength(200).IsRequired();
        b.Property(s => s.Description).HasMaxLength(2000);
        b.HasIndex(s => s.TeamId);
    }
}
