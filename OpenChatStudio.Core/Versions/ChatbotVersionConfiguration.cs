using Microsoft.EntityFrameworkCore;
using Microsoft.EntityFrameworkCore.Metadata.Builders;

namespace OpenChatStudio.Core.Versions;

internal sealed class ChatbotVersionConfiguration : IEntityTypeConfiguration<ChatbotVersion>
{
    public void Configure(EntityTypeBuilder<ChatbotVersion> b)
    {
        b.ToTable("chatbot_versions");
        b.Property(v => v.Description).HasMaxLength(VersionService.MaxDescriptionLength);
        b.Property(v => v.CreatedByName).HasMaxLength(256);
        b.Property(v => v.Name).HasMaxLength(200).IsRequired();
        b.Property(v => v.ChatbotDescription).HasMaxLength(2000);
        b.Property(v => v.SeedMessage).HasMaxLength(4000);
        b.HasIndex(v => new { v.ChatbotId, v.Number }).IsUnique();
        b.HasIndex(v => new { v.TeamId, v.ChatbotId, v.IsPublished });
    }
}
