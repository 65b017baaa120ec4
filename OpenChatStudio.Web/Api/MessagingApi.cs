using System.Text.Json;
using System.Text.Json.Nodes;
using System.Text.Json.Serialization;
using Microsoft.AspNetCore.Http.HttpResults;
using Microsoft.EntityFrameworkCore;
using OpenChatStudio.Core.Channels.Messaging;
using OpenChatStudio.Core.Chat;
using OpenChatStudio.Core.Data;
using OpenChatStudio.Core.Versions;
using OpenChatStudio.Web.ApiAuth;

namespace OpenChatStudio.Web.Api;

/// <summary>
/// How other systems drive conversations (OCS): the API channel <c>POST /channels/api/{chatbotId}[/v{version}]/incoming_message</c>
/// (<c>{message, session?}</c> → <c>{response, attachments}</c>, synchronous) and <c>POST /api/trigger_bot</c> (start or
/// continue a conversation with a participant on a messaging channel and send a bot message there). Team API key; read-only
/// keys are refused.
/// </summary>
public static class MessagingApi
{
    public const long MaxBodyBytes = 256 * 1024;

    public const int MaxMessageLength = 20_000;

    public static IEndpointRouteBuilder MapMessagingApi(this IEndpointRouteBuilder app)
    {
        var channel = app.MapGroup("/channels/api/{chatbotId:guid}").WithTags("API channel")
            .RequireAuthorization(ApiKeyAuthentication.PolicyName).RequireApiKeyThrottle().DisableAntiforgery()
            .WithMetadata(new BodySizeLimit(MaxBodyBytes));
        channel.MapPost("/incoming_message", (Guid chatbotId, HttpContext http, ChatRuntime runtime, ChatRoutes routes,
                IDbContextFactory<AppDbContext> db, CancellationToken ct) => IncomingAsync(chatbotId, VersionChoice.PublishedOrWorking, http, runtime, routes, db, ct))
            .WithName("ApiChannelIncomingMessage").WithSummary("Send a participant message and get the chatbot's reply (published version)");
        channel.MapPost("/v{version:int}/incoming_message", (Guid chatbotId, int version, HttpContext http, ChatRuntime runtime, ChatRoutes routes,
                IDbContextFactory<AppDbContext> db, CancellationToken ct) => IncomingAsync(chatbotId, VersionChoice.Specific(version), http, runtime, routes, db, ct))
            .WithName("ApiChannelIncomingMessageVersioned").WithSummary("Send a participant message to a specific version and get its reply");

        foreach (var (path, primary) in new[] { ("/api/trigger_bot", true), ("/api/v1/trigger_bot", false), ("/api/v2/trigger_bot", false) })
        {
            var route = app.MapPost(path, TriggerAsync).WithTags("Messaging channels")
                .RequireAuthorization(ApiKeyAuthentication.PolicyName).RequireApiKeyThrottle().DisableAntiforgery()
                .WithMetadata(new BodySizeLimit(MaxBodyBytes))
                .WithName(primary ? "TriggerBot" : "TriggerBot" + path.Split('/')[2].ToUpperInvariant());
            if (primary)
            {
                route.WithSummary("Send a bot message to a participant on a messaging channel (a prompt the bot writes from, or text as it is)");
            }
            else
            {
                route.ExcludeFromDescription();
            }
        }
        return app;
    }

    public sealed record IncomingMessage(
        [property: JsonPropertyName("message")] string? Message,
        [property: JsonPropertyName("session")] string? Session);

    public sealed record IncomingReply(
        [property: JsonPropertyName("response")] string Response,
        [property: JsonPropertyName("attachments")] IReadOnlyList<object> Attachments,
        [property: JsonPropertyName("session_id")] Guid SessionId);

    private static async Task<IResult> IncomingAsync(Guid chatbotId, VersionChoice version, HttpContext http, ChatRuntime runtime, ChatRoutes routes,
        IDbContextFactory<AppDbContext> dbFactory, CancellationToken ct)
    {
        var key = http.User.GetApiKeyIdentity();
        if (key.ReadOnly)
        {
            return RestApi.ReadOnly();
        }
        var (body, problem) = await RestApi.ReadBodyAsync<IncomingMessage>(http.Request, ct);
        if (body is null)
        {
            return problem!;
        }
        var text = body.Message?.Trim() ?? "";
        if (text.Length == 0 || text.Length > MaxMessageLength)
        {
            return RestApi.BadRequest($"message is required (at most {MaxMessageLength} characters).");
        }
        if (await routes.ChatbotAsync(chatbotId, ct) is not { } chatbot || chatbot.TeamId != key.TeamId)
        {
            return RestApi.NotFound("No such chatbot for this API key's team.");
        }
        if (version.Selection == VersionSelection.Specific && await VersionProblemAsync(dbFactory, key.TeamId, chatbot.ChatbotId, version.Number!.Value, ct) is { } missing)
        {
            return RestApi.NotFound(missing);
        }
        var participantId = await runtime.ParticipantIdAsync(key.TeamId, OpenAiApi.Platform, $"api-key:{key.KeyId}", null, ct);
        Guid sessionId;
        await using (var db = await dbFactory.CreateForTeamAsync(key.TeamId, ct))
        {
            // Only this key's own API-channel sessions of this chatbot: never a widget's, a channel's or another key's.
            var sessions = db.ChatSessions.Where(s => s.ChatbotId == chatbot.ChatbotId && s.ParticipantId == participantId
                && s.Platform == OpenAiApi.Platform && s.ApiProof == null && s.ChannelId == null && s.EndedAt == null);
            Guid? found;
            if (body.Session is { Length: > 0 } given)
            {
                if (!Guid.TryParse(given, out var wanted))
                {
                    return RestApi.BadRequest("session must be a session id (a UUID).");
                }
                found = await sessions.Where(s => s.Id == wanted).Select(s => (Guid?)s.Id).FirstOrDefaultAsync(ct);
                if (found is null)
                {
                    return RestApi.NotFound("No open API-channel session with this id for this chatbot and API key.");
                }
            }
            else
            {
                found = await sessions.OrderByDescending(s => s.CreatedAt).Select(s => (Guid?)s.Id).FirstOrDefaultAsync(ct);
            }
            if (found is { } existing)
            {
                sessionId = existing;
            }
            else
            {
                try
                {
                    sessionId = (await runtime.StartSessionAsync(key.TeamId, chatbot.ChatbotId, participantId, OpenAiApi.Platform, null, ct, version)).SessionId;
                }
                catch (ChatbotUnavailableException ex)
                {
                    return TypedResults.Problem(detail: ex.Message, statusCode: StatusCodes.Status403Forbidden, title: "Chatbot unavailable");
                }
            }
        }
        var turn = await runtime.SendAsync(key.TeamId, sessionId, text, null, ct);
        if (turn is not { Outcome: TurnOutcome.Replied, Reply: { } reply })
        {
            return TypedResults.Problem(detail: turn.Problem ?? "The chatbot produced no reply.", statusCode: StatusCodes.Status502BadGateway,
                title: "The chatbot could not reply");
        }
        return TypedResults.Json(new IncomingReply(reply.Content, [], sessionId), RestApi.Json);
    }

    /// <summary>Why a pinned version cannot be used (unknown or archived), or null.</summary>
    internal static async Task<string?> VersionProblemAsync(IDbContextFactory<AppDbContext> dbFactory, Guid teamId, Guid chatbotId, int number, CancellationToken ct)
    {
        await using var db = await dbFactory.CreateForTeamAsync(teamId, ct);
        var archived = await db.ChatbotVersions.Where(v => v.ChatbotId == chatbotId && v.Number == number).Select(v => (bool?)v.IsArchived).FirstOrDefaultAsync(ct);
        return archived switch
        {
            null => $"Version {number} of this chatbot does not exist.",
            true => $"Version {number} of this chatbot is archived.",
            _ => null,
        };
    }

    public sealed record TriggerRequest(
        [property: JsonPropertyName("identifier")] string? Identifier,
        [property: JsonPropertyName("platform")] string? Platform,
        [property: JsonPropertyName("experiment")] string? Experiment,
        [property: JsonPropertyName("prompt_text")] string? PromptText,
        [property: JsonPropertyName("message_text")] string? MessageText,
        [property: JsonPropertyName("start_new_session")] bool StartNewSession,
        [property: JsonPropertyName("session_data")] JsonObject? SessionData,
        [property: JsonPropertyName("participant_data")] JsonObject? ParticipantData);

    public sealed record TriggerResponse(
        [property: JsonPropertyName("session_id")] Guid SessionId,
        [property: JsonPropertyName("url")] string Url,
        [property: JsonPropertyName("team")] string Team,
        [property: JsonPropertyName("channel")] string Channel);

    private static async Task<IResult> TriggerAsync(HttpContext http, BotTrigger trigger, ChatRoutes routes, IDbContextFactory<AppDbContext> dbFactory,
        CancellationToken ct)
    {
        var key = http.User.GetApiKeyIdentity();
        if (key.ReadOnly)
        {
            return RestApi.ReadOnly();
        }
        var (body, problem) = await RestApi.ReadBodyAsync<TriggerRequest>(http.Request, ct);
        if (body is null)
        {
            return problem!;
        }
        if (!Guid.TryParse(body.Experiment, out var publicId))
        {
            return RestApi.BadRequest("experiment must be the chatbot's id (a UUID).");
        }
        if (await routes.ChatbotAsync(publicId, ct) is not { } chatbot || chatbot.TeamId != key.TeamId)
        {
            return RestApi.NotFound("No such chatbot for this API key's team.");
        }
        var result = await trigger.TriggerAsync(key.TeamId, new BotTriggerRequest(chatbot.ChatbotId, body.Identifier ?? "", body.Platform ?? "",
            body.PromptText, body.MessageText, body.StartNewSession, body.SessionData, body.ParticipantData), ct);
        if (!result.Succeeded)
        {
            return RestApi.BadRequest(result.Error!);
        }
        string slug;
        await using (var db = await dbFactory.CreateDbContextAsync(ct))
        {
            slug = await db.Teams.Where(t => t.Id == key.TeamId).Select(t => t.Slug).FirstOrDefaultAsync(ct) ?? "";
        }
        return TypedResults.Json(new TriggerResponse(result.Value!.SessionId, RestApi.Absolute(http.Request, $"/api/sessions/{result.Value.SessionId}/"),
            slug, body.Platform!.Trim().ToLowerInvariant()), RestApi.Json);
    }
}
