using Microsoft.AspNetCore.Http.HttpResults;
using OpenChatStudio.Core.Sessions;
using OpenChatStudio.Core.Teams;
using OpenChatStudio.Web.Teams;

namespace OpenChatStudio.Web.Components.Sessions;

/// <summary>
/// Team downloads of the Sessions pages: a finished chat CSV export (the Sessions page links here when the background job
/// is done) and files participants sent in a session (the transcript links here).
/// </summary>
public static class SessionExportEndpoints
{
    public static IEndpointRouteBuilder MapSessionExports(this IEndpointRouteBuilder app)
    {
        app.MapGet("/t/{teamSlug}/sessions/exports/{exportId:guid}", DownloadAsync).WithName("DownloadChatExport").WithTags("Sessions")
            .RequireAuthorization(TeamPolicies.Member).ExcludeFromDescription();
        app.MapGet("/t/{teamSlug}/sessions/{sessionId:guid}/files/{fileId:int}", DownloadFileAsync).WithName("DownloadSessionFile").WithTags("Sessions")
            .RequireAuthorization(TeamPolicies.Member).ExcludeFromDescription();
        return app;
    }

    public static async Task<Results<PhysicalFileHttpResult, NotFound>> DownloadAsync(string teamSlug, Guid exportId, HttpContext http,
        TeamService teams, SessionExportService exports, CancellationToken ct)
    {
        var userId = http.User.GetUserId();
        var access = userId is null ? null : await teams.GetAccessAsync(userId.Value, teamSlug, ct);
        if (access is null || await exports.GetFileAsync(access, exportId, ct) is not { } file)
        {
            return TypedResults.NotFound();
        }
        return TypedResults.PhysicalFile(file.Path, "text/csv; charset=utf-8", file.FileName);
    }

    /// <summary>Always an attachment (never rendered inline in the app's origin), with the uploaded name.</summary>
    public static async Task<Results<FileContentHttpResult, NotFound>> DownloadFileAsync(string teamSlug, Guid sessionId, int fileId, HttpContext http,
        TeamService teams, SessionReviewService review, CancellationToken ct)
    {
        var userId = http.User.GetUserId();
        var access = userId is null ? null : await teams.GetAccessAsync(userId.Value, teamSlug, ct);
        if (access is null || await review.GetAttachmentAsync(access, sessionId, fileId, ct) is not { } file)
        {
            return TypedResults.NotFound();
        }
        http.Response.Headers.XContentTypeOptions = "nosniff";
        return TypedResults.File(file.Content, "application/octet-stream", file.Info.Name);
    }
}
