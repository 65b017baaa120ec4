using Microsoft.EntityFrameworkCore;
using Microsoft.EntityFrameworkCore.Metadata.Builders;
using OpenChatStudio.Core.Common;

namespace OpenChatStudio.Core.Teams;

internal sealed class TeamConfiguration : IEntityTypeConfiguration<Team>
{
    public void Configure(EntityTypeBuilder<Team> b)
    {
        b.ToTable("teams");
        b.Property(t => t.Name).HasMaxLength(100).IsRequired();
        b.Property(t => t.Slug).HasMaxLength(Slug.MaxLength).IsRequired();
        b.HasIndex(t => t.Slug).IsUnique();
    }
}

internal sealed class TeamMembershipConfiguration : IEntityTypeConfiguration<TeamMembership>
{
    public void Configure(EntityTypeBuilder<TeamMembership> b)
    {
        b.ToTable("team_memberships");
        b.Property(m => m.Role).HasConversion<string>().HasMaxLength(20);
        b.HasIndex(m => new { m.TeamId, m.UserId }).IsUnique();
        b.HasIndex(m => m.UserId);
        b.HasOne(m => m.Team).WithMany().HasForeignKey(m => m.TeamId).OnDelete(DeleteBehavior.Cascade);
        b.HasOne(m => m.User).WithMany().HasForeignKey(m => m.UserId).OnDelete(DeleteBehavior.Cascade);
    }
}

internal sealed class TeamInvitationConfiguration : IEntityTypeConfiguration<TeamInvitation>
{
    public void Configure(EntityTypeBuilder<TeamInvitation> b)
    {
        b.ToTable("team_invitations");
        b.Property(i => i.Role).HasConversion<string>().HasMaxLength(20);
        b.Property(i => i.Email).HasMaxLength(256);
        b.Property(i => i.Token).HasMaxLength(64).IsRequired();
        b.HasIndex(i => i.Token).IsUnique();
        b.HasIndex(i => i.TeamId);
        b.HasOne(i => i.Team).WithMany().HasForeignKey(i => i.TeamId).OnDelete(DeleteBehavior.Cascade);
    }
}
