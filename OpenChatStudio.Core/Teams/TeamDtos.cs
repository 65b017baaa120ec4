namespace OpenChatStudio.Core.Teams;

/// <summary>
/// Proof that <see cref="UserId"/> is a member of a team, with their role. Only <see cref="TeamService.GetAccessAsync"/>
/// creates one; every team-scoped service takes it instead of a bare team id.
/// </summary>
public sealed record TeamAccess(Guid TeamId, string Slug, string Name, Guid UserId, TeamRole Role)
{
    public bool Can(TeamPermission permission) => Role.Allows(permission);
}

public sealed record TeamSummary(Guid Id, string Name, string Slug, TeamRole Role);

public sealed record TeamMember(Guid MembershipId, Guid UserId, string Email, string DisplayName, TeamRole Role, DateTime JoinedAt);

public sealed record InvitationInfo(Guid Id, string Token, string? Email, TeamRole Role, DateTime CreatedAt, DateTime ExpiresAt);

/// <summary>What the invitation page shows before someone accepts.</summary>
public sealed record InvitationPreview(string TeamName, string TeamSlug, TeamRole Role, string? Email, string? Problem)
{
    public bool CanAccept => Problem is null;
}
