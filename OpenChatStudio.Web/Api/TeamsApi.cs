using Microsoft.AspNetCore.Http.HttpResults;
using OpenChatStudio.Core.Teams;
using OpenChatStudio.Web.Teams;

namespace OpenChatStudio.Web.Api;

public sealed record InviteRequest(string? Email, TeamRole Role);

public sealed record ChangeRoleRequest(TeamRole Role);

public sealed record InvitationResponse(Guid Id, string Url, string? Email, TeamRole Role, DateTime ExpiresAt);

/// <summary>Team membership over HTTP. Every route under /api/t/{teamSlug} passes the team policy first.</summary>
public static class TeamsApi
{
    /// <summary>JSON bodies larger than this are refused with 413.</summary>
    public const long MaxBodyBytes = 64 * 1024;

    public static IEndpointRouteBuilder MapTeamsApi(this IEndpointRouteBuilder app)
    {
        app.MapGet("/api/teams", ListMyTeams).WithName("ListMyTeams").WithTags("Teams").RequireAuthorization()
            .WithSummary("Teams the signed-in user belongs to");

        var team = app.MapGroup("/api/t/{teamSlug}").WithTags("Teams").RequireAuthorization(TeamPolicies.Member)
            .WithRequestSizeLimit(MaxBodyBytes);
        team.MapGet("/members", ListMembers).WithName("ListMembers").WithSummary("Members of the team and their roles");
        team.MapPut("/members/{membershipId:guid}/role", ChangeRole).WithName("ChangeMemberRole")
            .RequireAuthorization(TeamPolicies.Admin).WithSummary("Change a member's role (admins)");
        team.MapDelete("/members/{membershipId:guid}", RemoveMember).WithName("RemoveMember")
            .RequireAuthorization(TeamPolicies.Admin).WithSummary("Remove a member (admins)");
        team.MapGet("/invitations", ListInvitations).WithName("ListInvitations")
            .RequireAuthorization(TeamPolicies.Admin).WithSummary("Pending invitation links (admins)");
        team.MapPost("/invitations", CreateInvitation).WithName("CreateInvitation")
            .RequireAuthorization(TeamPolicies.Admin).WithSummary("Create an invitation link (admins)");
        team.MapDelete("/invitations/{invitationId:guid}", RevokeInvitation).WithName("RevokeInvitation")
            .RequireAuthorization(TeamPolicies.Admin).WithSummary("Revoke an invitation link (admins)");
        return app;
    }

    private static RouteGroupBuilder WithRequestSizeLimit(this RouteGroupBuilder group, long bytes) =>
        group.WithMetadata(new BodySizeLimit(bytes));



    public static async Task<Ok<IReadOnlyList<TeamSummary>>> ListMyTeams(HttpContext http, TeamService teams, CancellationToken ct) =>
        TypedResults.Ok(await teams.ListForUserAsync(http.User.GetUserId()!.Value, ct));

    public static async Task<Ok<IReadOnlyList<TeamMember>>> ListMembers(HttpContext http, TeamService teams, CancellationToken ct) =>
        TypedResults.Ok(await teams.ListMembersAsync(http.GetTeamAccess(), ct));

    public static async Task<Results<Ok<TeamMember>, ProblemHttpResult>> ChangeRole(
        Guid membershipId, ChangeRoleRequest request, HttpContext http, TeamService teams, CancellationToken ct)
    {
        var result = await teams.ChangeRoleAsync(http.GetTeamAccess(), membershipId, request.Role, ct);
        return result.Succeeded ? TypedResults.Ok(result.Value!) : Problem(result.Error!);
    }

    public static async Task<Results<NoContent, ProblemHttpResult>> RemoveMember(
        Guid membershipId, HttpContext http, TeamService teams, CancellationToken ct)
    {
        var result = await teams.RemoveMemberAsync(http.GetTeamAccess(), membershipId, ct);
        return result.Succeeded ? TypedResults.NoContent() : Problem(result.Error!);
    }

    public static async Task<Ok<IEnumerable<InvitationResponse>>> ListInvitations(HttpContext http, InvitationService invitations, CancellationToken ct)
    {
        var list = await invitations.ListPendingAsync(http.GetTeamAccess(), ct);
        return TypedResults.Ok(list.Select(i => ToResponse(http, i)));
    }

    public static async Task<Results<Created<InvitationResponse>, ProblemHttpResult>> CreateInvitation(
        InviteRequest request, HttpContext http, InvitationService invitations, CancellationToken ct)
    {
        var result = await invitations.CreateAsync(http.GetTeamAccess(), request.Email, request.Role, ct);
        if (!result.Succeeded)
        {
            return Problem(result.Error!);
        }
        var response = ToResponse(http, result.Value!);
        return TypedResults.Created(response.Url, response);
    }

    public static async Task<Results<NoContent, NotFound<ProblemDetailsLike>>> RevokeInvitation(
        Guid invitationId, HttpContext http, InvitationService invitations, CancellationToken ct) =>
        await invitations.RevokeAsync(http.GetTeamAccess(), invitationId, ct)
            ? TypedResults.NoContent()
            : TypedResults.NotFound(new ProblemDetailsLike("Not found", "No pending invitation with that id in this team.", 404));

    public static string InvitationUrl(HttpRequest request, string token) => $"{request.Scheme}://{request.Host}{request.PathBase}/invite/{token}";

    private static InvitationResponse ToResponse(HttpContext http, InvitationInfo i) =>
        new(i.Id, InvitationUrl(http.Request, i.Token), i.Email, i.Role, i.ExpiresAt);

    private static ProblemHttpResult Problem(string detail) =>
        TypedResults.Problem(detail: detail, statusCode: StatusCodes.Status400BadRequest, title: "Request refused");
}

/// <summary>A ProblemDetails-shaped body for typed 404 results.</summary>
public sealed record ProblemDetailsLike(string Title, string Detail, int Status);
