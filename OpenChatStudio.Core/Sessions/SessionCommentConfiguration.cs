using Microsoft.EntityFrameworkCore;
using Microsoft.EntityFrameworkCore.Metadata.Builders;

namespace OpenChatStudio.Core.Sessions;

internal sealed class SessionCommentConfiguration : IEntityTypeConfiguration<SessionComment>
{
    public void Configure(EntityTypeBuilder<SessionComment> b)
    {
        b.ToTable("session_comments");
        b.Property(c => c.Text).HasMaxLength(SessionComment.MaxLength).IsRequired();
        b.Property(c => c.AuthorName).HasMaxLength(256);
        b.HasIndex(c => new { c.SessionId, c.CreatedAt });
        b.HasIndex(c => c.TeamId);
    }
}
