using Microsoft.EntityFrameworkCore;
using Microsoft.EntityFrameworkCore.Metadata.Builders;

namespace OpenChatStudio.Core.Providers;

internal sealed class LlmProviderConfiguration : IEntityTypeConfiguration<LlmProvider>
{
    public void Configure(EntityTypeBuilder<LlmProvider> b)
    {
        b.ToTable("llm_providers");
        b.Property(p => p.Name).HasMaxLength(100).IsRequired();
        b.Property(p => p.Type).HasConversion<string>().HasMaxLength(30);
        b.Property(p => p.BaseUrl).HasMaxLength(500);
        b.Property(p => p.Organization).HasMaxLength(200);
        b.Property(p => p.ApiVersion).HasMaxLength(50);
        b.Property(p => p.Deployment).HasMaxLength(200);
        b.Property(p => p.KeyHint).HasMaxLength(8);
        b.HasIndex(p => new { p.TeamId, p.Name }).IsUnique();
    }
}

internal sealed class CustomModelConfiguration : IEntityTypeConfiguration<CustomModel>
{
    public void Configure(EntityTypeBuilder<CustomModel> b)
    {
        b.ToTable("llm_custom_models");
        b.Property(m => m.ProviderType).HasConversion<string>().HasMaxLength(30);
        b.Property(m => m.Name).HasMaxLength(200).IsRequired();
        b.Property(m => m.InputPerMillion).HasPrecision(18, 6);
        b.Property(m => m.OutputPerMillion).HasPrecision(18, 6);
        b.HasIndex(m => new { m.TeamId, m.ProviderType, m.Name }).IsUnique();
    }
}
