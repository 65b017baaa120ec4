using Microsoft.AspNetCore.Identity;
using Microsoft.EntityFrameworkCore;
using OpenChatStudio.Core.Common;
using OpenChatStudio.Core.Data;
using OpenChatStudio.Core.Teams;

namespace OpenChatStudio.Core.Accounts;

public sealed record UserSummary(Guid Id, string Email, string DisplayName, bool IsSystemAdmin, DateTime CreatedAt, IReadOnlyList<string> Teams);

/// <summary>First-run setup and operator commands over user accounts.</summary>
public sealed class AccountService(UserManager<AppUser> users, TeamService teams, IDbContextFactory<AppDbContext> dbFactory)
{
    public async Task<bool> IsSetupRequiredAsync(CancellationToken ct)
    {
        await using var db = await dbFactory.CreateDbContextAsync(ct);
        return !await db.Users.AnyAsync(ct);
    }

    /// <summary>Creates the first administrator and their team. Refused once any account exists.</summary>
    public async Task<Result<(AppUser User, TeamSummary Team)>> CompleteSetupAsync(
        string email, string password, string? displayName, string teamName, CancellationToken ct)
    {
        if (!await IsSetupRequiredAsync(ct))
        {
            return Result<(AppUser, TeamSummary)>.Fail("Setup is already complete. Sign in instead.");
        }
        if (string.IsNullOrWhiteSpace(teamName))
        {
            return Result<(AppUser, TeamSummary)>.Fail("Enter a name for your first team.");
        }
        var created = await CreateUserAsync(email, password, displayName, isSystemAdmin: true);
        if (!created.Succeeded)
        {
            return Result<(AppUser, TeamSummary)>.Fail(created.Error!);
        }
        var team = await teams.CreateTeamAsync(created.Value!.Id, teamName, ct);
        if (!team.Succeeded)
        {
            await users.DeleteAsync(created.Value);
            return Result<(AppUser, TeamSummary)>.Fail(team.Error!);
        }
        return Result<(AppUser, TeamSummary)>.Ok((created.Value, team.Value!));
    }

    /// <summary>Creates an account; the password must meet the configured policy.</summary>
    public async Task<Result<AppUser>> CreateUserAsync(string email, string password, string? displayName, bool isSystemAdmin = false)
    {
        email = email?.Trim() ?? "";
        if (email.Length == 0 || !new System.ComponentModel.DataAnnotations.EmailAddressAttribute().IsValid(email))
        {
            return Result<AppUser>.Fail("Enter a valid email address.");
        }
        if (string.IsNullOrEmpty(password))
        {
            return Result<AppUser>.Fail("Enter a password.");
        }
        if (await users.FindByEmailAsync(email) is not null)
        {
            return Result<AppUser>.Fail($"An account for {email} already exists.");
        }
        var user = new AppUser
        {
            UserName = email,
            Email = email,
            EmailConfirmed = true,
            DisplayName = string.IsNullOrWhiteSpace(displayName) ? email.Split('@')[0] : displayName.Trim(),
            IsSystemAdmin = isSystemAdmin,
        };
        var result = await users.CreateAsync(user, password);
        return result.Succeeded
            ? Result<AppUser>.Ok(user)
            : Result<AppUser>.Fail(string.Join(" ", result.Errors.Select(e => e.Description)));
    }

    public async Task<IReadOnlyList<UserSummary>> ListUsersAsync(CancellationToken ct)
    {
        await using var db = await dbFactory.CreateDbContextAsync(ct);
        var list = await db.Users.OrderBy(u => u.Email).ToListAsync(ct);
        // Operator view: crosses teams on purpose.
        var memberships = await db.TeamMemberships.IgnoreQueryFilters()
            .Select(m => new { m.UserId, m.Team!.Slug, m.Role }).ToListAsync(ct);
        return list.Select(u => new UserSummary(u.Id, u.Email ?? "", u.DisplayName, u.IsSystemAdmin, u.CreatedAt,
            memberships.Where(m => m.UserId == u.Id).Select(m => $"{m.Slug} ({m.Role})").OrderBy(s => s).ToList())).ToList();
    }

    /// <summary>
    /// Sets a new password for an account (operators only, e.g. when no mail server can deliver a reset link). The
    /// security stamp changes with it, so sessions signed in with the old password stop working.
    /// </summary>
    public async Task<Result<AppUser>> SetPasswordAsync(string email, string password)
    {
        var user = await users.FindByEmailAsync(email?.Trim() ?? "");
        if (user is null)
        {
            return Result<AppUser>.Fail($"No account for '{email}'.");
        }
        var token = await users.GeneratePasswordResetTokenAsync(user);
        var changed = await users.ResetPasswordAsync(user, token, password);
        if (!changed.Succeeded)
        {
            return Result<AppUser>.Fail(string.Join(" ", changed.Errors.Select(e => e.Description)));
        }
        await users.SetLockoutEndDateAsync(user, null);
        return Result<AppUser>.Ok(user);
    }

    /// <summary>Adds an existing user to the team with this slug (operators only; no invitation needed).</summary>
    public async Task<Result<TeamSummary>> AddToTeamAsync(Guid userId, string teamSlug, TeamRole role, CancellationToken ct)
    {
        await using var db = await dbFactory.CreateDbContextAsync(ct);
        var team = await db.Teams.FirstOrDefaultAsync(t => t.Slug == teamSlug, ct);
        if (team is null)
        {
            return Result<TeamSummary>.Fail($"No team with slug '{teamSlug}'.");
        }
        db.TeamMemberships.Add(new TeamMembership(team.Id, userId, role));
        await db.SaveChangesAsync(ct);
        return Result<TeamSummary>.Ok(new TeamSummary(team.Id, team.Name, team.Slug, role));
    }
}
