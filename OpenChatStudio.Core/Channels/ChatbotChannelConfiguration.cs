using Microsoft.EntityFrameworkCore;
using Microsoft.EntityFrameworkCore.Metadata.Builders;

namespace OpenChatStudio.Core.Channels;

internal sealed class ChatbotChannelConfiguration : IEntityTypeConfiguration<ChatbotChannel>
{
    public void Configure(EntityTypeBuilder<ChatbotChannel> b)
    {
        b.ToTable("chatbot_channels");
        b.Property(c => c.Kind).HasConversion<string>().HasMaxLength(20);
        b.Property(c => c.Name).HasMaxLength(ChannelService.MaxNameLength).IsRequired();
        b.Property(c => c.EmbedKey).HasMaxLength(64);
        b.Property(c => c.DisabledMessage).HasMaxLength(ChannelService.MaxDisabledMessageLength);
        b.Property(c => c.LastSeenWidgetVersion).HasMaxLength(40);
        b.Ignore(c => c.EffectiveDisabledMessage);
        b.HasIndex(c => new { c.TeamId, c.ChatbotId });
        b.HasIndex(c => c.EmbedKey).IsUnique();
        b.HasOne<Chatbots.Chatbot>().WithMany().HasForeignKey(c => c.ChatbotId).OnDelete(DeleteBehavior.Cascade);
    }
}
