using Microsoft.EntityFrameworkCore;
using Microsoft.EntityFrameworkCore.Metadata.Builders;

namespace OpenChatStudio.Core.Sessions;

internal sealed class SessionExportConfiguration : IEntityTypeConfiguration<SessionExport>
{
    public void Configure(EntityTypeBuilder<SessionExport> b)
    {
        b.ToTable("session_exports");
        b.Property(e => e.RequestedByName).HasMaxLength(256);
        b.Property(e => e.FileName).HasMaxLength(256).IsRequired();
        b.Property(e => e.FilePath).HasMaxLength(256);
        b.Property(e => e.Error).HasMaxLength(SessionExport.MaxErrorLength);
        b.Property(e => e.State).HasConversion<int>();
        b.HasIndex(e => new { e.TeamId, e.CreatedAt });
        b.HasIndex(e => e.State);
    }
}
