using System.Globalization;
using System.Text.Json;
using System.Text.Json.Nodes;
using System.Text.Json.Serialization;
using System.Text.RegularExpressions;
using Microsoft.AspNetCore.Http.HttpResults;
using Microsoft.AspNetCore.Mvc;
using OpenChatStudio.Core.Participants;
using OpenChatStudio.Core.Scheduling;
using OpenChatStudio.Web.ApiAuth;

namespace OpenChatStudio.Web.Api;

public sealed record ParticipantDataResponse(
    [property: JsonPropertyName("chatbot")] string Chatbot,
    [property: JsonPropertyName("chatbot_id")] Guid ChatbotId,
    [property: JsonPropertyName("data")] JsonObject Data,
    [property: JsonPropertyName("connect_channel_id")] string? ConnectChannelId,
    [property: JsonPropertyName("schedules")] IReadOnlyList<ParticipantScheduleResponse> Schedules);

/// <summary>A pending scheduled message (not in OCS's answer; added so callers learn generated ids).</summary>
public sealed record ParticipantScheduleResponse(
    [property: JsonPropertyName("id")] string Id,
    [property: JsonPropertyName("name")] string Name,
    [property: JsonPropertyName("prompt")] string Prompt,
    [property: JsonPropertyName("date")] DateTime Date);

public sealed record ParticipantResponse(
    [property: JsonPropertyName("id")] Guid Id,
    [property: JsonPropertyName("identifier")] string Identifier,
    [property: JsonPropertyName("name")] string? Name,
    [property: JsonPropertyName("platform")] string Platform,
    [property: JsonPropertyName("remote_id")] string RemoteId,
    [property: JsonPropertyName("data")] IReadOnlyList<ParticipantDataResponse> Data);

/// <summary>One chatbot's data in an upsert; <c>schedules</c> items are <c>{id?, name, prompt, date, delete?}</c> (OCS).</summary>
public sealed record ParticipantExperimentDataRequest(
    [property: JsonPropertyName("experiment")] Guid? Experiment,
    [property: JsonPropertyName("data")] JsonObject? Data,
    [property: JsonPropertyName("schedules")] JsonArray? Schedules);

public sealed record ParticipantUpsertRequest(
    [property: JsonPropertyName("identifier")] string? Identifier,
    [property: JsonPropertyName("name")] string? Name,
    [property: JsonPropertyName("platform")] string? Platform,
    [property: JsonPropertyName("data")] IReadOnlyList<ParticipantExperimentDataRequest>? Data);

/// <summary>Participants over REST v1: list with filters, and upsert with per-chatbot data.</summary>
public static partial class RestApiParticipants
{
    public const string Tag = "Participants";

    internal static void MapRestApiParticipants(this RouteGroupBuilder api, string nameSuffix)
    {
        api.MapGet("/participants", ListParticipants).WithName("ListParticipants" + nameSuffix).WithTags(Tag)
            .WithSummary("List participants with their per-chatbot data (filters: identifier, remote_id, platform, chatbot)")
            .ProducesProblem(StatusCodes.Status400BadRequest);
        api.MapPost("/participants", UpsertParticipant).WithName("UpsertParticipant" + nameSuffix).WithTags(Tag)
            .WithSummary("Create or update a participant and replace their data for the given chatbots")
            .Accepts<ParticipantUpsertRequest>("application/json")
            .ProducesProblem(StatusCodes.Status400BadRequest).ProducesProblem(StatusCodes.Status403Forbidden)
            .ProducesProblem(StatusCodes.Status404NotFound);
    }

    public static async Task<Results<Ok<CursorPage<ParticipantResponse>>, ProblemHttpResult>> ListParticipants(
        HttpContext http, ParticipantService participants, CancellationToken ct,
        [FromQuery] string? identifier = null,
        [FromQuery(Name = "remote_id")] string? remoteId = null,
        [FromQuery] string? platform = null,
        [FromQuery] string? chatbot = null,
        [FromQuery] string? experiment = null,
        [FromQuery] string? cursor = null,
        [FromQuery(Name = "page_size")] string? pageSize = null)
    {
        var key = http.User.GetApiKeyIdentity();
        if (RestApi.TryPaging(cursor, pageSize, out var paging) is { } pagingProblem)
        {
            return pagingProblem;
        }
        // "chatbot" is OCS's documented name; "experiment" its older alias.
        var chatbotName = string.IsNullOrWhiteSpace(chatbot) && !string.IsNullOrWhiteSpace(experiment) ? "experiment" : "chatbot";
        if (RestApi.TryGuid(chatbotName, string.IsNullOrWhiteSpace(chatbot) ? experiment : chatbot, out var chatbotId) is { } guidProblem)
        {
            return guidProblem;
        }
        var filter = new ParticipantFilter(identifier?.Trim(), remoteId?.Trim(), platform?.Trim(), chatbotId);
        var page = await participants.ListAsync(key.TeamId, filter, paging.Offset, paging.Size, ct);
        return TypedResults.Ok(RestApi.Page(http.Request, paging, page.Items.Select(ToResponse).ToList(), page.HasMore));
    }

    public static async Task<Results<Ok<ParticipantResponse>, ProblemHttpResult>> UpsertParticipant(
        HttpContext http, ParticipantService participants, CancellationToken ct)
    {
        var key = http.User.GetApiKeyIdentity();
        if (key.ReadOnly)
        {
            return RestApi.ReadOnly();
        }
        var (body, problem) = await RestApi.ReadBodyAsync<ParticipantUpsertRequest>(http.Request, ct);
        if (problem is not null)
        {
            return problem;
        }
        var identifier = body!.Identifier?.Trim() ?? "";
        if (identifier.Length == 0 || identifier.Length > ParticipantService.MaxIdentifierLength)
        {
            return RestApi.BadRequest($"identifier is required (at most {ParticipantService.MaxIdentifierLength} characters).");
        }
        var name = string.IsNullOrWhiteSpace(body.Name) ? null : body.Name.Trim();
        if (name is { Length: > ParticipantService.MaxNameLength })
        {
            return RestApi.BadRequest($"name is at most {ParticipantService.MaxNameLength} characters.");
        }
        var platform = string.IsNullOrWhiteSpace(body.Platform) ? ParticipantPlatforms.Api : body.Platform.Trim();
        if (platform.Length > ParticipantService.MaxPlatformLength || !PlatformPattern().IsMatch(platform))
        {
            return RestApi.BadRequest("platform must be a platform name such as api, web, telegram or whatsapp (lowercase letters, digits, _).");
        }
        if (body.Data is null)
        {
            return RestApi.BadRequest("data is required: a list of {\"experiment\": \"<chatbot id>\", \"data\": {…}} (it may be empty).");
        }
        var items = new List<ParticipantDataUpsert>();
        for (var i = 0; i < body.Data.Count; i++)
        {
            var item = body.Data[i];
            if (item?.Experiment is not { } chatbotId)
            {
                return RestApi.BadRequest($"data[{i}].experiment is required: the chatbot's public id (a UUID).");
            }
            List<ScheduleChange>? schedules = null;
            if (item.Schedules is { Count: > 0 })
            {
                if (ParseSchedules(item.Schedules, $"data[{i}].schedules", out schedules) is { } scheduleProblem)
                {
                    return scheduleProblem;
                }
            }
            items.Add(new ParticipantDataUpsert(chatbotId, item.Data, schedules));
        }

        var result = await participants.UpsertAsync(key.TeamId, new ParticipantUpsert(identifier, name, platform, items), ct);
        if (result.Participant is null)
        {
            return RestApi.NotFound("No such chatbot for this API key's team: " + string.Join(", ", result.UnknownChatbots) + ".");
        }
        return TypedResults.Ok(ToResponse(result.Participant));
    }

    /// <summary>
    /// Reads <c>schedules</c> items (<c>{"id"?, "name", "prompt", "date", "delete"?}</c>); the first bad item is a 400 naming it.
    /// A date without an offset is UTC.
    /// </summary>
    internal static ProblemHttpResult? ParseSchedules(JsonArray items, string path, out List<ScheduleChange> changes)
    {
        changes = [];
        var seen = new HashSet<string>(StringComparer.Ordinal);
        for (var j = 0; j < items.Count; j++)
        {
            var at = $"{path}[{j}]";
            if (items[j] is not JsonObject o)
            {
                return RestApi.BadRequest($"{at} must be an object {{\"id\", \"name\", \"prompt\", \"date\", \"delete\"}}.");
            }
            if (!TryString(o, "id", out var id) || !TryString(o, "name", out var name) || !TryString(o, "prompt", out var prompt))
            {
                return RestApi.BadRequest($"{at}: id, name and prompt must be strings.");
            }
            var delete = false;
            if (o["delete"] is { } d)
            {
                if (d.GetValueKind() is not (JsonValueKind.True or JsonValueKind.False or JsonValueKind.Null))
                {
                    return RestApi.BadRequest($"{at}.delete must be true or false.");
                }
                delete = d.GetValueKind() == JsonValueKind.True;
            }
            DateTime? due = null;
            if (o["date"] is { } dateNode && dateNode.GetValueKind() != JsonValueKind.Null)
            {
                if (dateNode.GetValueKind() != JsonValueKind.String || !TryParseDate(dateNode.GetValue<string>(), out var parsed))
                {
                    return RestApi.BadRequest($"{at}.date must be an ISO 8601 date and time, e.g. 2030-01-31T09:00:00Z.");
                }
                due = parsed;
            }
            id = string.IsNullOrWhiteSpace(id) ? null : id.Trim();
            var change = new ScheduleChange(id, name?.Trim(), prompt?.Trim(), due, delete);
            if (ScheduleService.ValidateChange(change) is { } error)
            {
                return RestApi.BadRequest($"{at}: {error}");
            }
            if (id is not null && !seen.Add(id))
            {
                return RestApi.BadRequest($"{at}: id '{id}' appears more than once in this list.");
            }
            changes.Add(change);
        }
        return null;
    }

    private static bool TryString(JsonObject o, string key, out string? value)
    {
        value = null;
        if (o[key] is not { } node || node.GetValueKind() == JsonValueKind.Null)
        {
            return true;
        }
        if (node.GetValueKind() != JsonValueKind.String)
        {
            return false;
        }
        value = node.GetValue<string>();
        return true;
    }

    private static bool TryParseDate(string text, out DateTime utc)
    {
        utc = default;
        if (!DateTimeOffset.TryParse(text, CultureInfo.InvariantCulture, DateTimeStyles.AssumeUniversal | DateTimeStyles.AllowWhiteSpaces, out var at))
        {
            return false;
        }
        utc = at.UtcDateTime;
        return true;
    }

    private static ParticipantResponse ToResponse(ParticipantDetail p) => new(p.Id, p.Identifier, p.Name, p.Platform, p.RemoteId,
        p.Data.Select(d => new ParticipantDataResponse(d.ChatbotName, d.ChatbotPublicId, d.Data, null,
            d.Schedules.Select(s => new ParticipantScheduleResponse(s.Id, s.Name, s.Prompt, s.DueUtc)).ToList())).ToList());

    [GeneratedRegex("^[a-z][a-z0-9_]*$")]
    private static partial Regex PlatformPattern();
}
