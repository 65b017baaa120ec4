using System.Text.Json.Serialization;
using Microsoft.AspNetCore.Http.HttpResults;
using Microsoft.AspNetCore.Mvc;
using OpenChatStudio.Core.Chat;
using OpenChatStudio.Web.ApiAuth;

namespace OpenChatStudio.Web.Api;

public sealed record ExperimentVersionResponse(
    [property: JsonPropertyName("name")] string Name,
    [property: JsonPropertyName("version_number")] int VersionNumber,
    [property: JsonPropertyName("is_default_version")] bool IsDefaultVersion,
    [property: JsonPropertyName("version_description")] string VersionDescription);

/// <summary>A chatbot ("experiment" in OCS's API). <c>version_number</c> is the published version (null: none yet).</summary>
public sealed record ExperimentResponse(
    [property: JsonPropertyName("id")] Guid Id,
    [property: JsonPropertyName("name")] string Name,
    [property: JsonPropertyName("url")] string Url,
    [property: JsonPropertyName("version_number")] int? VersionNumber,
    [property: JsonPropertyName("versions")] IReadOnlyList<ExperimentVersionResponse> Versions);

/// <summary>GET /api/experiments/ and /api/experiments/{id}/: the team's chatbots with their versions.</summary>
public static class RestApiExperiments
{
    public const string Tag = "Experiments (chatbots)";

    internal static void MapRestApiExperiments(this RouteGroupBuilder api, string nameSuffix)
    {
        api.MapGet("/experiments", ListExperiments).WithName("ListExperiments" + nameSuffix).WithTags(Tag)
            .WithSummary("List the team's chatbots with their versions (cursor pagination)")
            .ProducesProblem(StatusCodes.Status400BadRequest);
        api.MapGet("/experiments/{id:guid}", GetExperiment).WithName("GetExperiment" + nameSuffix).WithTags(Tag)
            .WithSummary("Retrieve one chatbot by its public id, with its versions")
            .ProducesProblem(StatusCodes.Status404NotFound);
    }

    public static async Task<Results<Ok<CursorPage<ExperimentResponse>>, ProblemHttpResult>> ListExperiments(
        HttpContext http, ApiSessionQueries queries, CancellationToken ct,
        [FromQuery] string? cursor = null, [FromQuery(Name = "page_size")] string? pageSize = null)
    {
        var key = http.User.GetApiKeyIdentity();
        if (RestApi.TryPaging(cursor, pageSize, out var paging) is { } problem)
        {
            return problem;
        }
        var page = await queries.ListChatbotsAsync(key.TeamId, paging.Offset, paging.Size, ct);
        return TypedResults.Ok(RestApi.Page(http.Request, paging, page.Items.Select(c => ToResponse(http.Request, c)).ToList(), page.HasMore));
    }

    public static async Task<Results<Ok<ExperimentResponse>, ProblemHttpResult>> GetExperiment(
        Guid id, HttpContext http, ApiSessionQueries queries, CancellationToken ct)
    {
        var key = http.User.GetApiKeyIdentity();
        var chatbot = await queries.GetChatbotAsync(key.TeamId, id, ct);
        return chatbot is null
            ? RestApi.NotFound("No such chatbot for this API key's team.")
            : TypedResults.Ok(ToResponse(http.Request, chatbot));
    }

    internal static ExperimentResponse ToResponse(HttpRequest request, ApiChatbot c) => new(
        c.PublicId, c.Name, RestApi.Absolute(request, $"/api/experiments/{c.PublicId}/"), c.PublishedVersionNumber,
        c.Versions.Select(v => new ExperimentVersionResponse(v.Name, v.Number, v.IsPublished, v.Description)).ToList());
}
