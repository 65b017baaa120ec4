using Microsoft.EntityFrameworkCore;
using Microsoft.EntityFrameworkCore.Metadata.Builders;

namespace OpenChatStudio.Core.Chat;

internal sealed class ChatSessionConfiguration : IEntityTypeConfiguration<ChatSession>
{
    public void Configure(EntityTypeBuilder<ChatSession> b)
    {
        b.ToTable("chat_sessions");
        b.Property(s => s.Platform).HasMaxLength(40).IsRequired();
        b.Property(s => s.Status).HasConversion<string>().HasMaxLength(20);
        b.Property(s => s.EndReason).HasMaxLength(60);
        b.Property(s => s.VersionSelection).HasConversion<string>().HasMaxLength(20);
        b.Property(s => s.ApiProof).HasConversion<string>().HasMaxLength(20);
        b.Ignore(s => s.Version);
        b.HasIndex(s => new { s.TeamId, s.ChatbotId, s.CreatedAt });
        b.HasIndex(s => s.ParticipantId);
        // A participant's sessions with one chatbot (session start, scheduled messages): without it SQLite walks every
        // session of the chatbot to find a participant's, which made each start cost O(sessions of the chatbot).
        b.HasIndex(s => new { s.TeamId, s.ChatbotId, s.ParticipantId, s.CreatedAt });
        // Session review (Core/Sessions/SessionQueryService): team-wide lists and the filters that narrow them, newest first.
        b.HasIndex(s => new { s.TeamId, s.CreatedAt });
        b.HasIndex(s => new { s.TeamId, s.Status, s.CreatedAt });
        b.HasIndex(s => new { s.TeamId, s.Platform, s.CreatedAt });
        b.HasIndex(s => new { s.ChannelId, s.ParticipantId, s.CreatedAt });
    }
}

internal sealed class ChatMessageConfiguration : IEntityTypeConfiguration<ChatMessage>
{
    public void Configure(EntityTypeBuilder<ChatMessage> b)
    {
        b.ToTable("chat_messages");
        b.Property(m => m.Role).HasConversion<string>().HasMaxLength(10);
        b.HasIndex(m => new { m.SessionId, m.Sequence }).IsUnique();
        // Team first (the tenant filter adds TeamId to every query), then the session: with a TeamId-only index SQLite chose
        // it for "this session's messages" (both are one equality to its planner) and walked every message of the team.
        b.HasIndex(m => new { m.TeamId, m.SessionId, m.CreatedAt });
        b.Property(m => m.Rating).HasConversion<string>().HasMaxLength(10);
        // "Has rating" and "version" filters look up a session's messages by these.
        b.HasIndex(m => new { m.SessionId, m.Rating });
        b.HasIndex(m => new { m.SessionId, m.VersionNumber });
    }
}

internal sealed class RunTraceConfiguration : IEntityTypeConfiguration<RunTrace>
{
    public void Configure(EntityTypeBuilder<RunTrace> b)
    {
        b.ToTable("run_traces");
        b.Property(t => t.Cost).HasPrecision(18, 8);
        b.Property(t => t.FailedNodeId).HasMaxLength(100);
        b.HasIndex(t => t.SessionId);
        b.HasIndex(t => t.InputMessageId);
    }
}

internal sealed class UsageRecordConfiguration : IEntityTypeConfiguration<UsageRecord>
{
    public void Configure(EntityTypeBuilder<UsageRecord> b)
    {
        b.ToTable("usage_records");
        b.Property(u => u.Cost).HasPrecision(18, 8);
        b.Property(u => u.NodeId).HasMaxLength(100);
        b.Property(u => u.Model).HasMaxLength(200);
        b.HasIndex(u => new { u.TeamId, u.CreatedAt });
    }
}

internal sealed class PipelineHistoryEntryConfiguration : IEntityTypeConfiguration<PipelineHistoryEntry>
{
    public void Configure(EntityTypeBuilder<PipelineHistoryEntry> b)
    {
        b.ToTable("pipeline_history");
        b.Property(h => h.HistoryType).HasMaxLength(10);
        b.Property(h => h.Name).HasMaxLength(100);
        b.HasIndex(h => new { h.SessionId, h.HistoryType, h.Name });
    }
}

internal sealed class OutboundMessageConfiguration : IEntityTypeConfiguration<OutboundMessage>
{
    public void Configure(EntityTypeBuilder<OutboundMessage> b)
    {
        b.ToTable("chat_outbound_messages");
        b.Property(m => m.Status).HasConversion<string>().HasMaxLength(20);
        b.Property(m => m.Error).HasMaxLength(2000);
        b.HasIndex(m => new { m.Status, m.NextAttemptAt });
        b.HasIndex(m => new { m.SessionId, m.CreatedAt });
        b.HasIndex(m => m.MessageId).IsUnique();
        b.HasOne<ChatSession>().WithMany().HasForeignKey(m => m.SessionId).OnDelete(DeleteBehavior.Cascade);
    }
}
