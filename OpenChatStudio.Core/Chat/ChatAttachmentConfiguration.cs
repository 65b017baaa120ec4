using Microsoft.EntityFrameworkCore;
using Microsoft.EntityFrameworkCore.Metadata.Builders;

namespace OpenChatStudio.Core.Chat;

internal sealed class ChatAttachmentConfiguration : IEntityTypeConfiguration<ChatAttachment>
{
    public void Configure(EntityTypeBuilder<ChatAttachment> b)
    {
        b.ToTable("chat_attachments");
        b.Property(a => a.Id).ValueGeneratedOnAdd();
        b.Property(a => a.Name).HasMaxLength(255).IsRequired();
        b.Property(a => a.ContentType).HasMaxLength(200).IsRequired();
        b.HasIndex(a => a.SessionId);
        b.HasIndex(a => a.MessageId);
        b.HasIndex(a => new { a.MessageId, a.CreatedAt });
        b.HasOne<ChatSession>().WithMany().HasForeignKey(a => a.SessionId).OnDelete(DeleteBehavior.Cascade);
    }
}

internal sealed class InboundMessageConfiguration : IEntityTypeConfiguration<InboundMessage>
{
    public void Configure(EntityTypeBuilder<InboundMessage> b)
    {
        b.ToTable("chat_inbound_messages");
        b.Property(m => m.Status).HasConversion<string>().HasMaxLength(20);
        b.Property(m => m.Error).HasMaxLength(2000);
        b.Ignore(m => m.AttachmentIds);
        b.HasIndex(m => new { m.SessionId, m.Status, m.AcceptedAt });
        b.HasIndex(m => new { m.Status, m.AcceptedAt });
        b.Property(m => m.ExternalId).HasMaxLength(200);
        b.HasIndex(m => new { m.ChannelId, m.ExternalId }).IsUnique();
        b.HasOne<ChatSession>().WithMany().HasForeignKey(m => m.SessionId).OnDelete(DeleteBehavior.Cascade);
    }
}
