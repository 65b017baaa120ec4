using Microsoft.AspNetCore.Authorization;
using OpenChatStudio.Core.Teams;

namespace OpenChatStudio.Web.Teams;

/// <summary>
/// Authorization policies for team-scoped routes (<c>/t/{teamSlug}/…</c> pages and <c>/api/t/{teamSlug}/…</c>).
/// The membership check happens in exactly one place: <see cref="TeamRoleHandler"/>.
/// </summary>
public static class TeamPolicies
{
    public const string RouteParameter = "teamSlug";

    public const string Member = "TeamMember";

    public const string Editor = "TeamEditor";

    public const string Admin = "TeamAdmin";

    public static void Add(AuthorizationOptions options)
    {
        options.AddPolicy(Member, p => p.RequireAuthenticatedUser().AddRequirements(new TeamRoleRequirement(TeamRole.Viewer)));
        options.AddPolicy(Editor, p => p.RequireAuthenticatedUser().AddRequirements(new TeamRoleRequirement(TeamRole.Editor)));
        options.AddPolicy(Admin, p => p.RequireAuthenticatedUser().AddRequirements(new TeamRoleRequirement(TeamRole.Admin)));
    }
}

public sealed record TeamRoleRequirement(TeamRole MinimumRole) : IAuthorizationRequirement;
