using Microsoft.EntityFrameworkCore;
using OpenChatStudio.Core.Common;
using OpenChatStudio.Core.Data;

namespace OpenChatStudio.Core.Teams;

/// <summary>Teams, their members and roles.</summary>
public sealed class TeamService(IDbContextFactory<AppDbContext> dbFactory)
{
    public const int MaxNameLength = 100;

    /// <summary>The teams a user belongs to, for the team switcher.</summary>
    public async Task<IReadOnlyList<TeamSummary>> ListForUserAsync(Guid userId, CancellationToken ct)
    {
        await using var db = await dbFactory.CreateDbContextAsync(ct);
        // Crosses teams on purpose: a user's own memberships.
        return await db.TeamMemberships.IgnoreQueryFilters()
            .Where(m => m.UserId == userId)
            .OrderBy(m => m.Team!.Name)
            .Select(m => new TeamSummary(m.TeamId, m.Team!.Name, m.Team.Slug, m.Role))
            .ToListAsync(ct);
    }

    /// <summary>The user's access to the team with this slug, or null when the team does not exist or they are not a member.</summary>
    public async Task<TeamAccess?> GetAccessAsync(Guid userId, string teamSlug, CancellationToken ct)
    {
        if (!Slug.IsValid(teamSlug))
        {
            return null;
        }
        await using var db = await dbFactory.CreateDbContextAsync(ct);
        // Crosses teams on purpose: this is the membership check itself.
        return await db.TeamMemberships.IgnoreQueryFilters()
            .Where(m => m.UserId == userId && m.Team!.Slug == teamSlug)
            .Select(m => new TeamAccess(m.TeamId, m.Team!.Slug, m.Team.Name, m.UserId, m.Role))
            .FirstOrDefaultAsync(ct);
    }

    public async Task<Result<TeamSummary>> CreateTeamAsync(Guid ownerUserId, string name, CancellationToken ct)
    {
        name = name?.Trim() ?? "";
        if (name.Length == 0)
        {
            return Result<TeamSummary>.Fail("Enter a team name.");
        }
        if (name.Length > MaxNameLength)
        {
            return Result<TeamSummary>.Fail($"Team names are at most {MaxNameLength} characters.");
        }
        await using var db = await dbFactory.CreateDbContextAsync(ct);
        if (!await db.Users.AnyAsync(u => u.Id == ownerUserId, ct))
        {
            return Result<TeamSummary>.Fail("That user does not exist.");
        }
        var slug = await UniqueSlugAsync(db, Slug.From(name), ct);
        var team = new Team(name, slug);
        db.Teams.Add(team);
        db.TeamMemberships.Add(new TeamMembership(team.Id, ownerUserId, TeamRole.Admin));
        await db.SaveChangesAsync(ct);
        return Result<TeamSummary>.Ok(new TeamSummary(team.Id, team.Name, team.Slug, TeamRole.Admin));
    }

    public async Task<Result<TeamSummary>> RenameAsync(TeamAccess access, string name, CancellationToken ct)
    {
        if (!access.Can(TeamPermission.ManageSettings))
        {
            return Result<TeamSummary>.Fail("Only team admins can rename the team.");
        }
        name = name?.Trim() ?? "";
        if (name.Length is 0 or > MaxNameLength)
        {
            return Result<TeamSummary>.Fail($"Team names are 1 to {MaxNameLength} characters.");
        }
        await using var db = await dbFactory.CreateForTeamAsync(access.TeamId, ct);
        var team = await db.Teams.SingleAsync(t => t.Id == access.TeamId, ct);
        team.Rename(name);
        await db.SaveChangesAsync(ct);
        return Result<TeamSummary>.Ok(new TeamSummary(team.Id, team.Name, team.Slug, access.Role));
    }

    public async Task<IReadOnlyList<TeamMember>> ListMembersAsync(TeamAccess access, CancellationToken ct)
    {
        await using var db = await dbFactory.CreateForTeamAsync(access.TeamId, ct);
        var rows = await db.TeamMemberships
            .Select(m => new TeamMember(m.Id, m.UserId, m.User!.Email ?? "", m.User.DisplayName, m.Role, m.JoinedAt))
            .ToListAsync(ct);
        return rows.OrderByDescending(m => m.Role).ThenBy(m => m.Email, StringComparer.OrdinalIgnoreCase).ToList();
    }

    public async Task<Result<TeamMember>> ChangeRoleAsync(TeamAccess access, Guid membershipId, TeamRole role, CancellationToken ct)
    {
        if (!access.Can(TeamPermission.ManageMembers))
        {
            return Result<TeamMember>.Fail("Only team admins can change roles.");
        }
        if (!Enum.IsDefined(role))
        {
            return Result<TeamMember>.Fail("Unknown role.");
        }
        await using var db = await dbFactory.CreateForTeamAsync(access.TeamId, ct);
        var membership = await db.TeamMemberships.Include(m => m.User).FirstOrDefaultAsync(m => m.Id == membershipId, ct);
        if (membership is null)
        {
            return Result<TeamMember>.Fail("That member is not in this team.");
        }
        if (membership.Role == TeamRole.Admin && role != TeamRole.Admin && await IsLastAdminAsync(db, ct))
        {
            return Result<TeamMember>.Fail("A team needs at least one admin. Make someone else admin first.");
        }
        membership.Role = role;
        await db.SaveChangesAsync(ct);
        return Result<TeamMember>.Ok(ToMember(membership));
    }

    public async Task<Result<TeamMember>> RemoveMemberAsync(TeamAccess access, Guid membershipId, CancellationToken ct)
    {
        await using var db = await dbFactory.CreateForTeamAsync(access.TeamId, ct);
        var membership = await db.TeamMemberships.Include(m => m.User).FirstOrDefaultAsync(m => m.Id == membershipId, ct);
        if (membership is null)
        {
            return Result<TeamMember>.Fail("That member is not in this team.");
        }
        var leavingThemselves = membership.UserId == access.UserId;
        if (!leavingThemselves && !access.Can(TeamPermission.ManageMembers))
        {
            return Result<TeamMember>.Fail("Only team admins can remove members.");
        }
        if (membership.Role == TeamRole.Admin && await IsLastAdminAsync(db, ct))
        {
            return Result<TeamMember>.Fail("A team needs at least one admin. Make someone else admin first.");
        }
        db.TeamMemberships.Remove(membership);
        await db.SaveChangesAsync(ct);
        return Result<TeamMember>.Ok(ToMember(membership));
    }

    private static TeamMember ToMember(TeamMembership m) =>
        new(m.Id, m.UserId, m.User?.Email ?? "", m.User?.DisplayName ?? "", m.Role, m.JoinedAt);

    private static async Task<bool> IsLastAdminAsync(AppDbContext db, CancellationToken ct) =>
        await db.TeamMemberships.CountAsync(m => m.Role == TeamRole.Admin, ct) <= 1;

    private static async Task<string> UniqueSlugAsync(AppDbContext db, string baseSlug, CancellationToken ct)
    {
        var taken = await db.Teams.Where(t => t.Slug == baseSlug || t.Slug.StartsWith(baseSlug + "-"))
            .Select(t => t.Slug).ToListAsync(ct);
        if (!taken.Contains(baseSlug))
        {
            return baseSlug;
        }
        for (var i = 2; ; i++)
        {
            var candidate = $"{baseSlug}-{i}";
            if (!taken.Contains(candidate))
            {
                return candidate;
            }
        }
    }
}
