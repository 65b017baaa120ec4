using Microsoft.EntityFrameworkCore;
using Microsoft.EntityFrameworkCore.Metadata.Builders;
using OpenChatStudio.Core.Teams;

namespace OpenChatStudio.Core.ApiKeys;

internal sealed class ApiKeyConfiguration : IEntityTypeConfiguration<ApiKey>
{
    public void Configure(EntityTypeBuilder<ApiKey> b)
    {
        b.ToTable("api_keys");
        b.Property(k => k.Name).HasMaxLength(ApiKeyService.MaxNameLength).IsRequired();
        b.Property(k => k.Prefix).HasMaxLength(ApiKeyService.PrefixLength).IsRequired();
        b.Property(k => k.Hash).HasMaxLength(64).IsRequired();
        b.HasIndex(k => k.Hash).IsUnique();
        b.HasIndex(k => k.Prefix);
        b.HasIndex(k => k.TeamId);
        b.Ignore(k => k.IsRevoked);
        b.HasOne<Team>().WithMany().HasForeignKey(k => k.TeamId).OnDelete(DeleteBehavior.Cascade);
    }
}
