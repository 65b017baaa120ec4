namespace OpenChatStudio.Core.Teams;

/// <summary>Roles are ordered: each one can do everything the one below it can.</summary>
public enum TeamRole
{
    Viewer = 1,
    Editor = 2,
    Admin = 3,
}
