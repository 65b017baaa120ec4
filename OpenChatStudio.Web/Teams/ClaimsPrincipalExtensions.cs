using System.Security.Claims;
using OpenChatStudio.Core.Teams;

namespace OpenChatStudio.Web.Teams;

public static class ClaimsPrincipalExtensions
{
    public static Guid? GetUserId(this ClaimsPrincipal user) =>
        Guid.TryParse(user.FindFirstValue(ClaimTypes.NameIdentifier), out var id) ? id : null;

    /// <summary>The access that <see cref="TeamRoleHandler"/> verified for this request.</summary>
    public static TeamAccess GetTeamAccess(this HttpContext context) =>
        context.Items[typeof(TeamAccess)] as TeamAccess
        ?? throw new InvalidOperationException("This endpoint has no team policy; add RequireAuthorization(TeamPolicies.Member).");
}
