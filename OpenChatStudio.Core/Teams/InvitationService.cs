using System.ComponentModel.DataAnnotations;
using Microsoft.EntityFrameworkCore;
using OpenChatStudio.Core.Common;
using OpenChatStudio.Core.Data;

namespace OpenChatStudio.Core.Teams;

/// <summary>Invitation links: admins create them, anyone holding one can join the team once.</summary>
public sealed class InvitationService(IDbContextFactory<AppDbContext> dbFactory, TimeProvider clock)
{
    public static readonly TimeSpan Lifetime = TimeSpan.FromDays(7);

    public async Task<Result<InvitationInfo>> CreateAsync(TeamAccess access, string? email, TeamRole role, CancellationToken ct)
    {
        if (!access.Can(TeamPermission.ManageMembers))
        {
            return Result<InvitationInfo>.Fail("Only team admins can invite members.");
        }
        if (!Enum.IsDefined(role))
        {
            return Result<InvitationInfo>.Fail("Unknown role. Use Viewer, Editor or Admin.");
        }
        if (!string.IsNullOrWhiteSpace(email) && (email.Length > 256 || !new EmailAddressAttribute().IsValid(email.Trim())))
        {
            return Result<InvitationInfo>.Fail("That email address is not valid.");
        }
        await using var db = await dbFactory.CreateForTeamAsync(access.TeamId, ct);
        var invitation = new TeamInvitation(access.TeamId, email, role, SecureToken.Create(), access.UserId, clock.GetUtcNow().UtcDateTime, Lifetime);
        db.TeamInvitations.Add(invitation);
        await db.SaveChangesAsync(ct);
        return Result<InvitationInfo>.Ok(ToInfo(invitation));
    }

    public async Task<IReadOnlyList<InvitationInfo>> ListPendingAsync(TeamAccess access, CancellationToken ct)
    {
        if (!access.Can(TeamPermission.ManageMembers))
        {
            return [];
        }
        var now = clock.GetUtcNow().UtcDateTime;
        await using var db = await dbFactory.CreateForTeamAsync(access.TeamId, ct);
        var rows = await db.TeamInvitations.Where(i => i.AcceptedAt == null && i.ExpiresAt > now).ToListAsync(ct);
        return rows.OrderByDescending(i => i.CreatedAt).Select(ToInfo).ToList();
    }

    public async Task<bool> RevokeAsync(TeamAccess access, Guid invitationId, CancellationToken ct)
    {
        if (!access.Can(TeamPermission.ManageMembers))
        {
            return false;
        }
        await using var db = await dbFactory.CreateForTeamAsync(access.TeamId, ct);
        var invitation = await db.TeamInvitations.FirstOrDefaultAsync(i => i.Id == invitationId, ct);
        if (invitation is null)
        {
            return false;
        }
        db.TeamInvitations.Remove(invitation);
        await db.SaveChangesAsync(ct);
        return true;
    }

    /// <summary>What an invitation link offers, for anyone holding the link.</summary>
    public async Task<InvitationPreview?> PreviewAsync(string token, CancellationToken ct)
    {
        await using var db = await dbFactory.CreateDbContextAsync(ct);
        var invitation = await FindByTokenAsync(db, token, ct);
        if (invitation is null)
        {
            return null;
        }
        return new InvitationPreview(invitation.Team!.Name, invitation.Team.Slug, invitation.Role, invitation.Email, Problem(invitation));
    }

    public async Task<Result<TeamSummary>> AcceptAsync(string token, Guid userId, string userEmail, CancellationToken ct)
    {
        await using var db = await dbFactory.CreateDbContextAsync(ct);
        var invitation = await FindByTokenAsync(db, token, ct);
        if (invitation is null)
        {
            return Result<TeamSummary>.Fail("This invitation link is not valid.");
        }
        if (Problem(invitation) is { } problem)
        {
            return Result<TeamSummary>.Fail(problem);
        }
        if (invitation.Email is not null && !string.Equals(invitation.Email, userEmail.Trim(), StringComparison.OrdinalIgnoreCase))
        {
            return Result<TeamSummary>.Fail($"This invitation is for {invitation.Email}. Sign in with that address to accept it.");
        }
        var team = invitation.Team!;
        // Crosses teams on purpose: accepting is how a user gains a scope.
        var existing = await db.TeamMemberships.IgnoreQueryFilters()
            .FirstOrDefaultAsync(m => m.TeamId == team.Id && m.UserId == userId, ct);
        var role = existing?.Role ?? invitation.Role;
        if (existing is null)
        {
            db.TeamMemberships.Add(new TeamMembership(team.Id, userId, invitation.Role));
        }
        invitation.MarkAccepted(userId, clock.GetUtcNow().UtcDateTime);
        await db.SaveChangesAsync(ct);
        return Result<TeamSummary>.Ok(new TeamSummary(team.Id, team.Name, team.Slug, role));
    }

    private string? Problem(TeamInvitation invitation)
    {
        if (invitation.AcceptedAt is not null)
        {
            return "This invitation has already been used.";
        }
        return invitation.ExpiresAt <= clock.GetUtcNow().UtcDateTime ? "This invitation has expired. Ask a team admin for a new link." : null;
    }

    private static Task<TeamInvitation?> FindByTokenAsync(AppDbContext db, string token, CancellationToken ct)
    {
        if (string.IsNullOrWhiteSpace(token) || token.Length > 64)
        {
            return Task.FromResult<TeamInvitation?>(null);
        }
        // Crosses teams on purpose: the token itself is the credential.
        return db.TeamInvitations.IgnoreQueryFilters().Include(i => i.Team).FirstOrDefaultAsync(i => i.Token == token, ct);
    }

    private static InvitationInfo ToInfo(TeamInvitation i) => new(i.Id, i.Token, i.Email, i.Role, i.CreatedAt, i.ExpiresAt);
}
