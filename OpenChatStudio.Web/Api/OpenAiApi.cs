using System.Text.Json;
using System.Text.Json.Nodes;
using Microsoft.AspNetCore.Http.HttpResults;
using Microsoft.EntityFrameworkCore;
using OpenChatStudio.Core.Chat;
using OpenChatStudio.Core.Data;
using OpenChatStudio.Core.Versions;
using OpenChatStudio.Web.ApiAuth;
using OpenChatStudio.Core.Participants;

namespace OpenChatStudio.Web.Api;

/// <summary>
/// The OpenAI-compatible chat completions endpoint (docs/api.md). Each call starts a new session, stores the earlier
/// messages of the request as its history and sends the last (user) message through <see cref="ChatRuntime"/>.
/// </summary>
public static class OpenAiApi
{
    /// <summary>Request bodies larger than this are refused with 413.</summary>
    public const long MaxBodyBytes = 256 * 1024;

    public const string Platform = ParticipantPlatforms.Api;

    private static readonly JsonSerializerOptions Json = new(JsonSerializerDefaults.Web);

    public static IEndpointRouteBuilder MapOpenAiApi(this IEndpointRouteBuilder app)
    {
        // As OCS: the same routes again under /api/v1 (kept out of the OpenAPI document to avoid listing them twice).
        foreach (var (prefix, primary) in new[] { ("/api", true), ("/api/v1", false) })
        {
            var suffix = primary ? "" : "V1";
            var latest = app.MapPost(prefix + "/openai/{chatbotId:guid}/chat/completions", ChatCompletions)
                .WithName("OpenAiChatCompletions" + suffix)
                .WithSummary("Chat with a chatbot using the OpenAI chat completions format (published version; API key; stream supported)");
            var pinned = app.MapPost(prefix + "/openai/{chatbotId:guid}/v{version:int}/chat/completions", ChatCompletionsVersioned)
                .WithName("OpenAiChatCompletionsVersioned" + suffix)
                .WithSummary("Chat with a specific version of a chatbot using the OpenAI chat completions format (API key; stream supported)");
            foreach (var route in new[] { latest, pinned })
            {
                route.WithTags("OpenAI-compatible")
                    .RequireAuthorization(ApiKeyAuthentication.PolicyName)
                    .RequireApiKeyThrottle()
                    .WithMetadata(new BodySizeLimit(MaxBodyBytes))
                    .Accepts<JsonObject>("application/json")
                    .Produces(StatusCodes.Status200OK, contentType: "application/json")
                    .Produces(StatusCodes.Status200OK, contentType: "text/event-stream")
                    .ProducesProblem(StatusCodes.Status400BadRequest)
                    .ProducesProblem(StatusCodes.Status401Unauthorized)
                    .ProducesProblem(StatusCodes.Status403Forbidden)
                    .ProducesProblem(StatusCodes.Status404NotFound)
                    .ProducesProblem(StatusCodes.Status502BadGateway);
                if (!primary)
                {
                    route.ExcludeFromDescription();
                }
            }
        }
        return app;
    }

    /// <summary>The published version (the working version while nothing is published).</summary>
    public static Task<IResult> ChatCompletions(
        Guid chatbotId, HttpContext http, ChatRuntime runtime, ChatRoutes routes, IDbContextFactory<AppDbContext> dbFactory, CancellationToken ct) =>
        CompleteAsync(chatbotId, VersionChoice.PublishedOrWorking, http, runtime, routes, dbFactory, ct);

    /// <summary>A specific version (<c>/v{version}/</c>); an unknown or archived version is a 404.</summary>
    public static Task<IResult> ChatCompletionsVersioned(
        Guid chatbotId, int version, HttpContext http, ChatRuntime runtime, ChatRoutes routes, IDbContextFactory<AppDbContext> dbFactory,
        CancellationToken ct) =>
        CompleteAsync(chatbotId, VersionChoice.Specific(version), http, runtime, routes, dbFactory, ct);

    private static async Task<IResult> CompleteAsync(Guid chatbotId, VersionChoice version, HttpContext http, ChatRuntime runtime,
        ChatRoutes routes, IDbContextFactory<AppDbContext> dbFactory, CancellationToken ct)
    {
        var key = http.User.GetApiKeyIdentity();
        if (key.ReadOnly)
        {
            return Problem(StatusCodes.Status403Forbidden, "Forbidden", "This API key is read-only. Create a key with write access to chat.");
        }
        var (request, parseError) = await ReadRequestAsync(http.Request, ct);
        if (request is null)
        {
            return Problem(StatusCodes.Status400BadRequest, "Invalid request", parseError!);
        }

        // The chatbot from memory (ChatRoutes); another team's chatbot is as unknown as a missing one.
        if (await routes.ChatbotAsync(chatbotId, ct) is not { } chatbot || chatbot.TeamId != key.TeamId)
        {
            return Problem(StatusCodes.Status404NotFound, "Not found", "No such chatbot for this API key's team.");
        }
        var internalId = chatbot.ChatbotId;
        var model = chatbot.PublicId.ToString();
        if (version.Selection == VersionSelection.Specific
            && await MessagingApi.VersionProblemAsync(dbFactory, key.TeamId, internalId, version.Number!.Value, ct) is { } missing)
        {
            return Problem(StatusCodes.Status404NotFound, "Not found", missing);
        }

        var participantId = await runtime.ParticipantIdAsync(key.TeamId, Platform, $"api-key:{key.KeyId}", null, ct);
        // Never the session id: the id is shown to whoever reads the response, and a session id is not a public id.
        var id = "chatcmpl-" + Guid.NewGuid().ToString("N");
        var created = DateTimeOffset.UtcNow.ToUnixTimeSeconds();

        if (!request.Stream)
        {
            var (_, turn) = await runtime.StartAndSendAsync(key.TeamId, internalId, participantId, Platform, request.Prompt, onToken: null, ct,
                version, request.History);
            if (turn is not { Outcome: TurnOutcome.Replied, Reply: { } completed })
            {
                return Problem(StatusCodes.Status502BadGateway, "The chatbot could not reply", turn.Problem ?? "The chatbot produced no reply.");
            }
            return TypedResults.Json(Completion(id, created, model, completed), Json);
        }

        return await StreamAsync(http, runtime, key.TeamId, internalId, participantId, version, request, id, created, model, ct);
    }

    private static async Task<IResult> StreamAsync(HttpContext http, ChatRuntime runtime, Guid teamId, Guid chatbotId, Guid participantId,
        VersionChoice version, CompletionRequest request, string id, long created, string model, CancellationToken ct)
    {
        var response = http.Response;
        var startedStream = false;
        var streamed = new System.Text.StringBuilder();

        async ValueTask StartAsync()
        {
            if (startedStream)
            {
                return;
            }
            startedStream = true;
            response.StatusCode = StatusCodes.Status200OK;
            response.ContentType = "text/event-stream";
            response.Headers.CacheControl = "no-cache";
            await WriteEventAsync(response, Chunk(id, created, model, new JsonObject { ["role"] = "assistant", ["content"] = "" }, null), ct);
        }

        async ValueTask OnToken(string token)
        {
            if (token.Length == 0)
            {
                return;
            }
            await StartAsync();
            streamed.Append(token);
            await WriteEventAsync(response, Chunk(id, created, model, new JsonObject { ["content"] = token }, null), ct);
        }

        var (_, turn) = await runtime.StartAndSendAsync(teamId, chatbotId, participantId, Platform, request.Prompt, OnToken, ct, version,
            request.History);
        if (turn is not { Outcome: TurnOutcome.Replied, Reply: { } answered })
        {
            var error = turn.Problem ?? "The chatbot produced no reply.";
            if (!startedStream)
            {
                return Problem(StatusCodes.Status502BadGateway, "The chatbot could not reply", error);
            }
            var errorEvent = new JsonObject { ["error"] = new JsonObject { ["message"] = error, ["type"] = "error", ["param"] = null, ["code"] = null } };
            await WriteEventAsync(response, errorEvent.ToJsonString(), ct);
            await WriteRawAsync(response, "data: [DONE]\n\n", ct);
            return Results.Empty;
        }

        await StartAsync();
        var reply = answered.Content;
        var sent = streamed.ToString();
        // A pipeline that does not stream (or whose final reply differs from what its nodes streamed) sends the rest in one delta.
        var rest = reply.StartsWith(sent, StringComparison.Ordinal) ? reply[sent.Length..] : sent.Length == 0 ? reply : "";
        if (rest.Length > 0)
        {
            await WriteEventAsync(response, Chunk(id, created, model, new JsonObject { ["content"] = rest }, null), ct);
        }
        await WriteEventAsync(response, Chunk(id, created, model, new JsonObject(), "stop"), ct);
        await WriteRawAsync(response, "data: [DONE]\n\n", ct);
        return Results.Empty;
    }

    private static Task WriteEventAsync(HttpResponse response, string json, CancellationToken ct) =>
        WriteRawAsync(response, $"data: {json}\n\n", ct);

    private static async Task WriteRawAsync(HttpResponse response, string text, CancellationToken ct)
    {
        await response.WriteAsync(text, ct);
        await response.Body.FlushAsync(ct);
    }

    private static string Chunk(string id, long created, string model, JsonObject delta, string? finishReason) => new JsonObject
    {
        ["id"] = id,
        ["object"] = "chat.completion.chunk",
        ["created"] = created,
        ["model"] = model,
        ["choices"] = new JsonArray(new JsonObject { ["index"] = 0, ["delta"] = delta, ["finish_reason"] = finishReason }),
    }.ToJsonString();

    private static JsonObject Completion(string id, long created, string model, ChatReply reply)
    {
        var input = reply.Trace.SelectMany(t => t.LlmCalls).Sum(c => c.InputTokens);
        var output = reply.Trace.SelectMany(t => t.LlmCalls).Sum(c => c.OutputTokens);
        return new JsonObject
        {
            ["id"] = id,
            ["object"] = "chat.completion",
            ["created"] = created,
            ["model"] = model,
            ["choices"] = new JsonArray(new JsonObject
            {
                ["index"] = 0,
                ["message"] = new JsonObject { ["role"] = "assistant", ["content"] = reply.Content },
                ["finish_reason"] = "stop",
            }),
            ["usage"] = new JsonObject { ["prompt_tokens"] = input, ["completion_tokens"] = output, ["total_tokens"] = input + output },
        };
    }

    private sealed record CompletionRequest(IReadOnlyList<(MessageRole Role, string Content)> History, string Prompt, bool Stream);

    private static async Task<(CompletionRequest? Request, string? Error)> ReadRequestAsync(HttpRequest request, CancellationToken ct)
    {
        var (body, error) = await StrictJson.ParseAsync(request.Body, ct);
        if (error is not null)
        {
            return (null, "The request body is not valid JSON: " + error);
        }
        if (body is not JsonObject root)
        {
            return (null, "The request body must be a JSON object with \"messages\".");
        }
        if (root["messages"] is not JsonArray messages || messages.Count == 0)
        {
            return (null, "No messages provided: send \"messages\": [{\"role\": \"user\", \"content\": \"…\"}].");
        }
        var stream = false;
        if (root["stream"] is JsonValue streamValue)
        {
            if (!streamValue.TryGetValue(out stream))
            {
                return (null, "\"stream\" must be true or false.");
            }
        }
        var parsed = new List<(MessageRole, string)>();
        for (var i = 0; i < messages.Count; i++)
        {
            if (messages[i] is not JsonObject message)
            {
                return (null, $"messages[{i}] must be an object with \"role\" and \"content\".");
            }
            var role = (message["role"] as JsonValue)?.TryGetValue(out string? r) == true ? r : null;
            MessageRole? mapped = role switch
            {
                "user" => MessageRole.Human,
                "assistant" => MessageRole.Ai,
                "system" => MessageRole.System,
                _ => null,
            };
            if (mapped is null)
            {
                return (null, $"messages[{i}].role must be \"user\", \"assistant\" or \"system\".");
            }
            var content = ContentText(message["content"]);
            if (content is null)
            {
                return (null, $"messages[{i}].content must be text (a string or a list of text parts). Only text messages are supported.");
            }
            parsed.Add((mapped.Value, content));
        }
        if (parsed[^1].Item1 != MessageRole.Human)
        {
            return (null, "Last message must be a user message.");
        }
        if (string.IsNullOrWhiteSpace(parsed[^1].Item2))
        {
            return (null, "The last user message is empty.");
        }
        return (new CompletionRequest(parsed[..^1], parsed[^1].Item2, stream), null);
    }

    private static string? ContentText(JsonNode? content)
    {
        if (content is JsonValue value && value.TryGetValue(out string? text))
        {
            return text;
        }
        if (content is not JsonArray parts)
        {
            return null;
        }
        var builder = new System.Text.StringBuilder();
        foreach (var part in parts)
        {
            if (part is not JsonObject p || (p["type"] as JsonValue)?.ToString() != "text" || p["text"] is not JsonValue t ||
                !t.TryGetValue(out string? partText))
            {
                return null;
            }
            builder.Append(partText);
        }
        return builder.ToString();
    }

    private static ProblemHttpResult Problem(int status, string title, string detail) =>
        TypedResults.Problem(detail: detail, statusCode: status, title: title);
}
