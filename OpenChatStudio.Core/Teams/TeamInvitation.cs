using OpenChatStudio.Core.Audit;

namespace OpenChatStudio.Core.Teams;

/// <summary>A link that lets someone join a team with a role. Single use; expires.</summary>
[Audited("Invitation")]
public sealed class TeamInvitation : ITeamOwned
{
    public Guid Id { get; private set; } = Guid.NewGuid();

    public Guid TeamId { get; private set; }

    public Team? Team { get; private set; }

    /// <summary>Optional: when set, only this address may accept.</summary>
    public string? Email { get; private set; }

    public TeamRole Role { get; private set; }

    [AuditSecret]

    public string Token { get; private set; } = "";

    public Guid CreatedByUserId { get; private set; }

    public DateTime CreatedAt { get; private set; }

    public DateTime ExpiresAt { get; private set; }

    public DateTime? AcceptedAt { get; private set; }

    public Guid? AcceptedByUserId { get; private set; }

    private TeamInvitation()
    {
    }

    public TeamInvitation(Guid teamId, string? email, TeamRole role, string token, Guid createdBy, DateTime now, TimeSpan lifetime)
    {
        TeamId = teamId;
        Email = string.IsNullOrWhiteSpace(email) ? null : email.Trim().ToLowerInvariant();
        Role = role;
        Token = token;
        CreatedByUserId = createdBy;
        CreatedAt = now;
        ExpiresAt = now + lifetime;
    }

    public bool IsPending(DateTime now) => AcceptedAt is null && ExpiresAt > now;

    public void MarkAccepted(Guid userId, DateTime now)
    {
        AcceptedAt = now;
        AcceptedByUserId = userId;
    }
}
