namespace OpenChatStudio.Core.Teams;

/// <summary>The single permission matrix: the lowest role that holds each permission.</summary>
public static class TeamPermissions
{
    private static readonly Dictionary<TeamPermission, TeamRole> MinimumRole = new()
    {
        [TeamPermission.ViewChatbots] = TeamRole.Viewer,
        [TeamPermission.ViewSessions] = TeamRole.Viewer,
        [TeamPermission.ViewParticipants] = TeamRole.Viewer,
        [TeamPermission.ViewMembers] = TeamRole.Viewer,
        [TeamPermission.EditChatbots] = TeamRole.Editor,
        [TeamPermission.EditPipelines] = TeamRole.Editor,
        [TeamPermission.EditChannels] = TeamRole.Editor,
        [TeamPermission.EditEvents] = TeamRole.Editor,
        [TeamPermission.ManageMembers] = TeamRole.Admin,
        [TeamPermission.ManageProviders] = TeamRole.Admin,
        [TeamPermission.ManageSettings] = TeamRole.Admin,
    };

    public static bool Allows(this TeamRole role, TeamPermission permission) => role >= MinimumRole[permission];

    public static IReadOnlyDictionary<TeamPermission, TeamRole> Matrix => MinimumRole;
}
