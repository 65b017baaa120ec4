using OpenChatStudio.Core.Accounts;
using OpenChatStudio.Core.Audit;

namespace OpenChatStudio.Core.Teams;

[Audited("Membership")]
public sealed class TeamMembership : ITeamOwned
{
    public Guid Id { get; private set; } = Guid.NewGuid();

    public Guid TeamId { get; private set; }

    public Team? Team { get; private set; }

    public Guid UserId { get; private set; }

    public AppUser? User { get; private set; }

    public TeamRole Role { get; set; }

    public DateTime JoinedAt { get; private set; }

    private TeamMembership()
    {
    }

    public TeamMembership(Guid teamId, Guid userId, TeamRole role)
    {
        TeamId = teamId;
        UserId = userId;
        Role = role;
    }
}
