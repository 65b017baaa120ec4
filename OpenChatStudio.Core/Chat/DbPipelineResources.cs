using Microsoft.EntityFrameworkCore;
using OpenChatStudio.Core.Data;
using OpenChatStudio.Core.Pipelines.Execution;

namespace OpenChatStudio.Core.Chat;

/// <summary>Team resources for prompts, read through a team-scoped context.</summary>
public sealed class DbPipelineResources(IDbContextFactory<AppDbContext> dbFactory, Guid teamId) : IPipelineResources
{
    public async Task<string?> GetSourceMaterialAsync(Guid id, CancellationToken ct)
    {
        await using var db = await dbFactory.CreateForTeamAsync(teamId, ct);
        return await db.SourceMaterials.Where(s => s.Id == id).Select(s => s.Material).FirstOrDefaultAsync(ct);
    }
}
