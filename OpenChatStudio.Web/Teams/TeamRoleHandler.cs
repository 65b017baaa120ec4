using Microsoft.AspNetCore.Authorization;
using RouteData = Microsoft.AspNetCore.Components.RouteData;
using OpenChatStudio.Core.Teams;

namespace OpenChatStudio.Web.Teams;

/// <summary>
/// The tenant guard: succeeds only when the signed-in user is a member of the team named by the route's
/// <c>teamSlug</c> with at least the required role. Works for HTTP endpoints (resource = <see cref="HttpContext"/>)
/// and for interactive navigation (resource = <see cref="RouteData"/> from AuthorizeRouteView).
/// </summary>
public sealed class TeamRoleHandler(TeamService teams) : AuthorizationHandler<TeamRoleRequirement>
{
    protected override async Task HandleRequirementAsync(AuthorizationHandlerContext context, TeamRoleRequirement requirement)
    {
        var userId = context.User.GetUserId();
        var (slug, http) = context.Resource switch
        {
            HttpContext h => (h.GetRouteValue(TeamPolicies.RouteParameter) as string, h),
            RouteData r => (FindSlug(r.RouteValues), null),
            _ => (null, null),
        };
        if (userId is null || slug is null)
        {
            return;
        }
        var access = await teams.GetAccessAsync(userId.Value, slug, http?.RequestAborted ?? CancellationToken.None);
        if (access is null || access.Role < requirement.MinimumRole)
        {
            return;
        }
        http?.Items[typeof(TeamAccess)] = access;
        context.Succeed(requirement);
    }

    private static string? FindSlug(IReadOnlyDictionary<string, object?> values) =>
        values.FirstOrDefault(kv => string.Equals(kv.Key, TeamPolicies.RouteParameter, StringComparison.OrdinalIgnoreCase)).Value as string;
}
