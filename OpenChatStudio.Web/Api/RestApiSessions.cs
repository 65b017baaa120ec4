using System.Text.Json.Nodes;
using System.Text.Json.Serialization;
using Microsoft.AspNetCore.Http.HttpResults;
using Microsoft.AspNetCore.Mvc;
using OpenChatStudio.Core.Chat;
using OpenChatStudio.Core.Participants;
using OpenChatStudio.Web.ApiAuth;

namespace OpenChatStudio.Web.Api;

public sealed record SessionTeamResponse(
    [property: JsonPropertyName("name")] string Name,
    [property: JsonPropertyName("slug")] string Slug);

public sealed record SessionExperimentResponse(
    [property: JsonPropertyName("id")] Guid Id,
    [property: JsonPropertyName("name")] string Name,
    [property: JsonPropertyName("url")] string Url,
    [property: JsonPropertyName("version_number")] int? VersionNumber);

public sealed record SessionParticipantResponse(
    [property: JsonPropertyName("identifier")] string Identifier,
    [property: JsonPropertyName("remote_id")] string RemoteId);

public sealed record MessageResponse(
    [property: JsonPropertyName("created_at")] DateTime CreatedAt,
    [property: JsonPropertyName("role")] string Role,
    [property: JsonPropertyName("content")] string Content,
    [property: JsonPropertyName("metadata")] JsonObject Metadata,
    [property: JsonPropertyName("tags")] IReadOnlyList<string> Tags,
    [property: JsonPropertyName("attachments")] IReadOnlyList<JsonObject> Attachments);

public sealed record ModelUsageResponse(
    [property: JsonPropertyName("model")] string Model,
    [property: JsonPropertyName("input_tokens")] long InputTokens,
    [property: JsonPropertyName("output_tokens")] long OutputTokens,
    [property: JsonPropertyName("cost")] decimal Cost);

public sealed record UsageResponse(
    [property: JsonPropertyName("total_cost")] decimal TotalCost,
    [property: JsonPropertyName("by_model")] IReadOnlyList<ModelUsageResponse> ByModel);

/// <summary>A session as OCS shows it; <c>messages</c> and <c>usage</c> only in the detail.</summary>
public sealed record SessionResponse(
    [property: JsonPropertyName("url")] string Url,
    [property: JsonPropertyName("id")] Guid Id,
    [property: JsonPropertyName("team")] SessionTeamResponse Team,
    [property: JsonPropertyName("experiment")] SessionExperimentResponse Experiment,
    [property: JsonPropertyName("participant")] SessionParticipantResponse Participant,
    [property: JsonPropertyName("created_at")] DateTime CreatedAt,
    [property: JsonPropertyName("updated_at")] DateTime UpdatedAt,
    [property: JsonPropertyName("status")] string Status,
    [property: JsonPropertyName("platform")] string Platform,
    [property: JsonPropertyName("tags")] IReadOnlyList<string> Tags,
    [property: JsonPropertyName("state")] JsonObject State,
    [property: JsonPropertyName("messages"), JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)] IReadOnlyList<MessageResponse>? Messages = null,
    [property: JsonPropertyName("usage"), JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)] UsageResponse? Usage = null);

public sealed record MessageInput(
    [property: JsonPropertyName("role")] string? Role,
    [property: JsonPropertyName("content")] string? Content);

/// <summary>POST /api/sessions/: <c>experiment</c> (chatbot public id) is required.</summary>
public sealed record CreateSessionRequest(
    [property: JsonPropertyName("experiment")] Guid? Experiment,
    [property: JsonPropertyName("participant")] string? Participant,
    [property: JsonPropertyName("messages")] IReadOnlyList<MessageInput>? Messages,
    [property: JsonPropertyName("state")] JsonObject? State);

public sealed record TagsRequest([property: JsonPropertyName("tags")] IReadOnlyList<string>? Tags);

public sealed record TagsResponse([property: JsonPropertyName("tags")] IReadOnlyList<string> Tags);

public sealed record UpdateStateRequest([property: JsonPropertyName("state")] JsonObject? State);

public sealed record UpdateStateResponse(
    [property: JsonPropertyName("success")] bool Success,
    [property: JsonPropertyName("state")] JsonObject State);

/// <summary>Sessions over REST v1: list with filters, create, detail with messages, end, tags, update_state.</summary>
public static class RestApiSessions
{
    public const string Tag = "Sessions";

    public const int MaxTagLength = 100;

    public const int MaxSeedMessages = 1000;

    internal static void MapRestApiSessions(this RouteGroupBuilder api, string nameSuffix)
    {
        api.MapGet("/sessions", ListSessions).WithName("ListSessions" + nameSuffix).WithTags(Tag)
            .WithSummary("List sessions, newest first (filters: experiment, participant, tags, status, versions, platform; ordering)")
            .ProducesProblem(StatusCodes.Status400BadRequest);
        api.MapPost("/sessions", CreateSession).WithName("CreateSession" + nameSuffix).WithTags(Tag)
            .WithSummary("Create a session for a chatbot, optionally with a participant, earlier messages and state")
            .Accepts<CreateSessionRequest>("application/json")
            .ProducesProblem(StatusCodes.Status400BadRequest).ProducesProblem(StatusCodes.Status403Forbidden)
            .ProducesProblem(StatusCodes.Status404NotFound);
        api.MapGet("/sessions/{id:guid}", GetSession).WithName("GetSession" + nameSuffix).WithTags(Tag)
            .WithSummary("Retrieve a session with its messages (oldest first) and LLM usage")
            .ProducesProblem(StatusCodes.Status404NotFound);
        api.MapPost("/sessions/{id:guid}/end_experiment_session", EndSession).WithName("EndSession" + nameSuffix).WithTags(Tag)
            .WithSummary("End a session (fires the session-ended event with reason \"api\")")
            .ProducesProblem(StatusCodes.Status403Forbidden).ProducesProblem(StatusCodes.Status404NotFound);
        api.MapPost("/sessions/{id:guid}/tags", AddTags).WithName("AddSessionTags" + nameSuffix).WithTags(Tag)
            .WithSummary("Add tags to a session; returns the session's tags")
            .Accepts<TagsRequest>("application/json")
            .ProducesProblem(StatusCodes.Status400BadRequest).ProducesProblem(StatusCodes.Status403Forbidden)
            .ProducesProblem(StatusCodes.Status404NotFound);
        api.MapDelete("/sessions/{id:guid}/tags", RemoveTags).WithName("RemoveSessionTags" + nameSuffix).WithTags(Tag)
            .WithSummary("Remove tags from a session; returns the session's tags")
            .Accepts<TagsRequest>("application/json")
            .ProducesProblem(StatusCodes.Status400BadRequest).ProducesProblem(StatusCodes.Status403Forbidden)
            .ProducesProblem(StatusCodes.Status404NotFound);
        api.MapPatch("/sessions/{id:guid}/update_state", UpdateState).WithName("UpdateSessionState" + nameSuffix).WithTags(Tag)
            .WithSummary("Replace a session's state object")
            .Accepts<UpdateStateRequest>("application/json")
            .ProducesProblem(StatusCodes.Status400BadRequest).ProducesProblem(StatusCodes.Status403Forbidden)
            .ProducesProblem(StatusCodes.Status404NotFound);
    }

    public static async Task<Results<Ok<CursorPage<SessionResponse>>, ProblemHttpResult>> ListSessions(
        HttpContext http, ApiSessionQueries queries, CancellationToken ct,
        [FromQuery] string? experiment = null,
        [FromQuery] string? participant = null,
        [FromQuery] string? tags = null,
        [FromQuery] string? status = null,
        [FromQuery] string? versions = null,
        [FromQuery] string? platform = null,
        [FromQuery] string? ordering = null,
        [FromQuery] string? cursor = null,
        [FromQuery(Name = "page_size")] string? pageSize = null)
    {
        var key = http.User.GetApiKeyIdentity();
        if (RestApi.TryPaging(cursor, pageSize, out var paging) is { } pagingProblem)
        {
            return pagingProblem;
        }
        if (RestApi.TryGuid("experiment", experiment, out var chatbotId) is { } guidProblem)
        {
            return guidProblem;
        }
        SessionStatus? statusFilter = null;
        if (!string.IsNullOrWhiteSpace(status))
        {
            statusFilter = ParseStatus(status.Trim());
            if (statusFilter is null)
            {
                return RestApi.BadRequest("status must be one of: " + string.Join(", ", Enum.GetValues<SessionStatus>().Select(StatusName)) + ".");
            }
        }
        var versionNumbers = new List<int>();
        foreach (var v in RestApi.CommaList(versions))
        {
            var text = v.StartsWith('v') || v.StartsWith('V') ? v[1..] : v;
            if (!int.TryParse(text, System.Globalization.NumberStyles.None, System.Globalization.CultureInfo.InvariantCulture, out var n))
            {
                return RestApi.BadRequest("versions must be comma separated version numbers, e.g. 1,2 or v1,v2.");
            }
            versionNumbers.Add(n);
        }
        var oldestFirst = ordering?.Trim() switch
        {
            null or "" or "-created_at" => false,
            "created_at" => true,
            _ => (bool?)null,
        };
        if (oldestFirst is null)
        {
            return RestApi.BadRequest("ordering must be created_at or -created_at.");
        }
        var filter = new ApiSessionFilter(chatbotId, participant?.Trim(), RestApi.CommaList(tags), statusFilter, versionNumbers,
            platform?.Trim(), oldestFirst.Value);
        var page = await queries.ListSessionsAsync(key.TeamId, filter, paging.Offset, paging.Size, ct);
        return TypedResults.Ok(RestApi.Page(http.Request, paging, page.Items.Select(s => ToResponse(http.Request, s)).ToList(), page.HasMore));
    }

    public static async Task<Results<Created<SessionResponse>, ProblemHttpResult>> CreateSession(
        HttpContext http, ApiSessionQueries queries, CancellationToken ct)
    {
        var key = http.User.GetApiKeyIdentity();
        if (key.ReadOnly)
        {
            return RestApi.ReadOnly();
        }
        var (body, problem) = await RestApi.ReadBodyAsync<CreateSessionRequest>(http.Request, ct);
        if (problem is not null)
        {
            return problem;
        }
        if (body!.Experiment is not { } chatbotId)
        {
            return RestApi.BadRequest("experiment is required: the chatbot's public id (a UUID).");
        }
        var participant = string.IsNullOrWhiteSpace(body.Participant) ? $"api-key:{key.KeyId}" : body.Participant.Trim();
        if (participant.Length > ParticipantService.MaxIdentifierLength)
        {
            return RestApi.BadRequest($"participant is at most {ParticipantService.MaxIdentifierLength} characters.");
        }
        var messages = new List<(MessageRole, string)>();
        var inputs = body.Messages ?? [];
        if (inputs.Count > MaxSeedMessages)
        {
            return RestApi.BadRequest($"At most {MaxSeedMessages} messages can be given.");
        }
        for (var i = 0; i < inputs.Count; i++)
        {
            var role = ParseRole(inputs[i]?.Role);
            if (role is null)
            {
                return RestApi.BadRequest($"messages[{i}].role must be \"user\", \"assistant\" or \"system\".");
            }
            if (inputs[i].Content is not { } content)
            {
                return RestApi.BadRequest($"messages[{i}].content is required.");
            }
            messages.Add((role.Value, content));
        }

        var session = await queries.CreateSessionAsync(key.TeamId, new ApiSessionCreate(chatbotId, participant, messages, body.State), ct);
        if (session is null)
        {
            return RestApi.NotFound("No such chatbot for this API key's team.");
        }
        var response = ToResponse(http.Request, session);
        return TypedResults.Created(response.Url, response);
    }

    public static async Task<Results<Ok<SessionResponse>, ProblemHttpResult>> GetSession(
        Guid id, HttpContext http, ApiSessionQueries queries, CancellationToken ct)
    {
        var key = http.User.GetApiKeyIdentity();
        var detail = await queries.GetSessionDetailAsync(key.TeamId, id, ct);
        if (detail is null)
        {
            return SessionNotFound();
        }
        var messages = detail.Messages.Select(m => new MessageResponse(m.CreatedAt, RoleName(m.Role), m.Content, m.Metadata, m.Tags, [])).ToList();
        var usage = new UsageResponse(detail.Usage.TotalCost,
            detail.Usage.ByModel.Select(u => new ModelUsageResponse(u.Model, u.InputTokens, u.OutputTokens, u.Cost)).ToList());
        return TypedResults.Ok(ToResponse(http.Request, detail.Session) with { Messages = messages, Usage = usage });
    }

    public static async Task<Results<Ok, ProblemHttpResult>> EndSession(
        Guid id, HttpContext http, ApiSessionQueries queries, ChatRuntime runtime, CancellationToken ct)
    {
        var key = http.User.GetApiKeyIdentity();
        if (key.ReadOnly)
        {
            return RestApi.ReadOnly();
        }
        if (await queries.GetSessionAsync(key.TeamId, id, ct) is null)
        {
            return SessionNotFound();
        }
        await runtime.EndSessionAsync(key.TeamId, id, SessionEndReasons.Api, ct);
        return TypedResults.Ok();
    }

    public static Task<Results<Ok<TagsResponse>, ProblemHttpResult>> AddTags(
        Guid id, HttpContext http, ApiSessionQueries queries, CancellationToken ct) =>
        ChangeTagsAsync(http, (team, tags) => queries.AddTagsAsync(team, id, tags, ct), ct);

    public static Task<Results<Ok<TagsResponse>, ProblemHttpResult>> RemoveTags(
        Guid id, HttpContext http, ApiSessionQueries queries, CancellationToken ct) =>
        ChangeTagsAsync(http, (team, tags) => queries.RemoveTagsAsync(team, id, tags, ct), ct);

    private static async Task<Results<Ok<TagsResponse>, ProblemHttpResult>> ChangeTagsAsync(
        HttpContext http, Func<Guid, IReadOnlyList<string>, Task<IReadOnlyList<string>?>> change, CancellationToken ct)
    {
        var key = http.User.GetApiKeyIdentity();
        if (key.ReadOnly)
        {
            return RestApi.ReadOnly();
        }
        var (body, problem) = await RestApi.ReadBodyAsync<TagsRequest>(http.Request, ct);
        if (problem is not null)
        {
            return problem;
        }
        var tags = (body!.Tags ?? []).Select(t => t?.Trim() ?? "").ToList();
        if (tags.Count == 0)
        {
            return RestApi.BadRequest("Missing 'tags': send {\"tags\": [\"tag\", …]}.");
        }
        if (tags.Any(t => t.Length == 0 || t.Length > MaxTagLength))
        {
            return RestApi.BadRequest($"Tags must be non-empty text of at most {MaxTagLength} characters.");
        }
        var updated = await change(key.TeamId, tags);
        return updated is null ? SessionNotFound() : TypedResults.Ok(new TagsResponse(updated));
    }

    public static async Task<Results<Ok<UpdateStateResponse>, ProblemHttpResult>> UpdateState(
        Guid id, HttpContext http, ApiSessionQueries queries, CancellationToken ct)
    {
        var key = http.User.GetApiKeyIdentity();
        if (key.ReadOnly)
        {
            return RestApi.ReadOnly();
        }
        var (body, problem) = await RestApi.ReadBodyAsync<UpdateStateRequest>(http.Request, ct);
        if (problem is not null)
        {
            return problem;
        }
        if (body!.State is null)
        {
            return RestApi.BadRequest("Missing 'state': send {\"state\": {…}} (a JSON object).");
        }
        var state = await queries.ReplaceStateAsync(key.TeamId, id, body.State, ct);
        return state is null ? SessionNotFound() : TypedResults.Ok(new UpdateStateResponse(true, state));
    }

    internal static SessionResponse ToResponse(HttpRequest request, ApiSession s) => new(
        RestApi.Absolute(request, $"/api/sessions/{s.Id}/"),
        s.Id,
        new SessionTeamResponse(s.TeamName, s.TeamSlug),
        new SessionExperimentResponse(s.ChatbotPublicId, s.ChatbotName, RestApi.Absolute(request, $"/api/experiments/{s.ChatbotPublicId}/"), s.VersionNumber),
        new SessionParticipantResponse(s.ParticipantIdentifier, ""),
        s.CreatedAt,
        s.UpdatedAt,
        StatusName(s.Status),
        s.Platform,
        s.Tags,
        s.State);

    /// <summary>OCS's status names: setup, pending, active, pending-review, complete.</summary>
    public static string StatusName(SessionStatus status) => status switch
    {
        SessionStatus.Setup => "setup",
        SessionStatus.Pending => "pending",
        SessionStatus.Active => "active",
        SessionStatus.PendingReview => "pending-review",
        SessionStatus.Complete => "complete",
        _ => "unknown",
    };

    private static SessionStatus? ParseStatus(string text) =>
        Enum.GetValues<SessionStatus>().Select(s => (SessionStatus?)s).FirstOrDefault(s => StatusName(s!.Value) == text.ToLowerInvariant());

    public static string RoleName(MessageRole role) => role switch
    {
        MessageRole.Human => "user",
        MessageRole.Ai => "assistant",
        _ => "system",
    };

    private static MessageRole? ParseRole(string? role) => role?.Trim() switch
    {
        "user" => MessageRole.Human,
        "assistant" => MessageRole.Ai,
        "system" => MessageRole.System,
        _ => null,
    };

    private static ProblemHttpResult SessionNotFound() => RestApi.NotFound("No such session for this API key's team.");
}
