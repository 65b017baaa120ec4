using Microsoft.EntityFrameworkCore;
using OpenChatStudio.Core.Data;
using OpenChatStudio.Core.Teams;

namespace OpenChatStudio.Core.Audit;

public sealed record AuditFilter(string? EntityType = null, string? Actor = null, DateTime? From = null, DateTime? To = null, string? Text = null);

public sealed record AuditRow(Guid Id, DateTime At, string ActorName, string Action, string EntityType, string EntityId, string EntityName, string ChangesJson);

public sealed record AuditPage(IReadOnlyList<AuditRow> Rows, int Total);

/// <summary>Reads a team's audit log, newest first, with filters that combine.</summary>
public sealed class AuditService(IDbContextFactory<AppDbContext> dbFactory)
{
    public const int MaxPageSize = 200;

    public async Task<AuditPage> ListAsync(TeamAccess access, AuditFilter filter, int skip, int take, CancellationToken ct)
    {
        await using var db = await dbFactory.CreateForTeamAsync(access.TeamId, ct);
        var query = db.AuditEntries.AsNoTracking();
        if (!string.IsNullOrWhiteSpace(filter.EntityType))
        {
            query = query.Where(e => e.EntityType == filter.EntityType);
        }
        if (!string.IsNullOrWhiteSpace(filter.Actor))
        {
            var actor = filter.Actor.Trim().ToLower();
            query = query.Where(e => e.ActorName.ToLower().Contains(actor));
        }
        if (filter.From is { } from)
        {
            query = query.Where(e => e.At >= from);
        }
        if (filter.To is { } to)
        {
            query = query.Where(e => e.At < to);
        }
        if (!string.IsNullOrWhiteSpace(filter.Text))
        {
            var text = filter.Text.Trim().ToLower();
            query = query.Where(e => e.EntityName.ToLower().Contains(text) || e.ChangesJson.ToLower().Contains(text));
        }
        var total = await query.CountAsync(ct);
        var rows = await query.OrderByDescending(e => e.At).ThenByDescending(e => e.Id)
            .Skip(Math.Max(0, skip)).Take(Math.Clamp(take, 1, MaxPageSize))
            .Select(e => new AuditRow(e.Id, e.At, e.ActorName, e.Action, e.EntityType, e.EntityId, e.EntityName, e.ChangesJson))
            .ToListAsync(ct);
        return new AuditPage(rows, total);
    }

    public async Task<IReadOnlyList<string>> EntityTypesAsync(TeamAccess access, CancellationToken ct)
    {
        await using var db = await dbFactory.CreateForTeamAsync(access.TeamId, ct);
        return await db.AuditEntries.Select(e => e.EntityType).Distinct().OrderBy(t => t).ToListAsync(ct);
    }
}
