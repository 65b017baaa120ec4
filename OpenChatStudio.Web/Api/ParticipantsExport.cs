using OpenChatStudio.Core.Participants;
using OpenChatStudio.Web.Teams;

namespace OpenChatStudio.Web.Api;

/// <summary>CSV download of a chatbot's participants (<c>identifier, channel, name, data.*</c>).</summary>
public static class ParticipantsExport
{
    public static IEndpointRouteBuilder MapParticipantsExport(this IEndpointRouteBuilder app)
    {
        app.MapGet("/api/t/{teamSlug}/participants/export.csv", ExportAsync)
            .WithName("ExportParticipants").WithTags("Participants").RequireAuthorization(TeamPolicies.Member)
            .WithSummary("Participants of a chatbot as CSV: identifier, channel, name, data.*");
        return app;
    }

    private static async Task<IResult> ExportAsync(Guid chatbot, HttpContext http, ParticipantDirectory directory, CancellationToken ct)
    {
        var access = http.GetTeamAccess();
        // Written to memory first so that a chatbot of another team or an unknown id can still answer 404 (the directory
        // loads the chatbot's participants in one query anyway); fine for the import limit of 10,000 rows.
        var stream = new MemoryStream();
        await using (var writer = new StreamWriter(stream, leaveOpen: true))
        {
            if (!await directory.ExportCsvAsync(access, chatbot, writer, ct))
            {
                return TypedResults.Problem(statusCode: StatusCodes.Status404NotFound, title: "Not found", detail: "No such chatbot in this team.");
            }
        }
        stream.Position = 0;
        return TypedResults.File(stream, "text/csv; charset=utf-8", $"participants-{DateTime.UtcNow:yyyyMMdd}.csv");
    }
}
