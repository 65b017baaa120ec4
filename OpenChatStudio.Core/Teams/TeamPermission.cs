namespace OpenChatStudio.Core.Teams;

/// <summary>What a member can do in a team. The matrix lives in <see cref="TeamPermissions"/> and docs/permissions.md.</summary>
public enum TeamPermission
{
    ViewChatbots,
    ViewSessions,
    ViewParticipants,
    ViewMembers,
    EditChatbots,
    EditPipelines,
    EditChannels,
    EditEvents,
    ManageMembers,
    ManageProviders,
    ManageSettings,
}
