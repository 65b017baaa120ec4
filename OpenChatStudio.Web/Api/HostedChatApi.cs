using System.Text.Json.Nodes;
using Microsoft.EntityFrameworkCore;
using OpenChatStudio.Core.Chat;
using OpenChatStudio.Core.Data;
using OpenChatStudio.Web.Components.PublicChat;

namespace OpenChatStudio.Web.Api;

/// <summary>
/// Extra chat API endpoints used by the hosted chat page <c>/chat/{publicId}</c> (docs/public-chat.md), next to the OCS
/// widget contract: bot replies as sanitized HTML, 👍/👎 ratings and ending a session. Same access rules, rate limits and
/// CORS as the rest of <c>/api/chat</c> (<see cref="ChatSessionAccess"/>). Messages are identified by their
/// <c>created_at</c> string as <c>poll/</c> returns it.
/// </summary>
public static class HostedChatApi
{
    public const string EndReason = SessionEndReasons.User;

    public static IServiceCollection AddHostedChat(this IServiceCollection services)
    {
        services.AddSingleton<MarkdownRenderer>();
        services.AddScoped<PublicChatPageService>();
        return services;
    }

    public static IEndpointRouteBuilder MapHostedChatApi(this IEndpointRouteBuilder app)
    {
        var chat = app.MapGroup(ChatApi.Prefix).WithTags("Chat (hosted page)").DisableAntiforgery().AllowAnonymous();
        chat.MapGet("/{session_id}/rendered/", Rendered).WithName("ChatRendered")
            .WithSummary("Bot messages as sanitized HTML with their rating, newer than since (hosted page)");
        chat.MapPost("/{session_id}/rating/", Rate).WithName("ChatRating").WithSummary("Rate a bot message 👍 (up) or 👎 (down), or clear the rating")
            .WithMetadata(new BodySizeLimit(4 * 1024));
        chat.MapPost("/{session_id}/end/", End).WithName("ChatEnd").WithSummary("End the session (reason: user)")
            .WithMetadata(new BodySizeLimit(4 * 1024));
        return app;
    }

    public static async Task<IResult> Rendered(string session_id, HttpContext http, ChatSessionAccess access,
        IDbContextFactory<AppDbContext> dbFactory, MarkdownRenderer markdown, CancellationToken ct)
    {
        var (caller, failure) = await access.AuthorizeAsync(http, session_id, SessionUse.Converse, ct);
        if (caller is null)
        {
            return failure!;
        }
        DateTime? after = null;
        var sinceText = http.Request.Query["since"].ToString();
        if (sinceText.Length > 0)
        {
            if (!ChatApiJson.TryParseSince(sinceText, out var since))
            {
                return ChatApi.Error(StatusCodes.Status400BadRequest, "Invalid 'since' parameter format. Use ISO format.");
            }
            after = since.AddTicks(10);
        }
        await using var db = await dbFactory.CreateForTeamAsync(caller.TeamId, ct);
        var sessionId = caller.Session.Id;
        var query = db.ChatMessages.AsNoTracking().Where(m => m.SessionId == sessionId && !m.Hidden && m.Role == MessageRole.Ai);
        if (after is { } a)
        {
            query = query.Where(m => m.CreatedAt >= a);
        }
        var rows = await query.OrderBy(m => m.CreatedAt).ThenBy(m => m.Sequence).Take(ChatApi.MaxPollLimit)
            .Select(m => new { m.CreatedAt, m.Content, m.Rating }).ToListAsync(ct);
        return Results.Json(new JsonObject
        {
            ["messages"] = new JsonArray(rows.Select(r => (JsonNode?)new JsonObject
            {
                ["created_at"] = ChatApiJson.Timestamp(r.CreatedAt),
                ["html"] = markdown.ToHtml(r.Content),
                ["rating"] = RatingName(r.Rating),
            }).ToArray()),
        }, ChatApiJson.Options);
    }

    public static async Task<IResult> Rate(string session_id, HttpContext http, ChatSessionAccess access,
        IDbContextFactory<AppDbContext> dbFactory, CancellationToken ct)
    {
        var (caller, failure) = await access.AuthorizeAsync(http, session_id, SessionUse.Converse, ct);
        if (caller is null)
        {
            return failure!;
        }
        var (root, problem) = await ChatApi.ReadJsonObjectAsync(http.Request, ct);
        if (root is null)
        {
            return problem!;
        }
        var errors = new JsonObject();
        DateTime createdAt = default;
        if (root["created_at"] is not JsonValue c || !c.TryGetValue(out string? createdText) || !ChatApiJson.TryParseSince(createdText, out createdAt))
        {
            errors["created_at"] = new JsonArray("The created_at of a bot message, as poll/ returns it.");
        }
        Core.Sessions.MessageRating? rating = null;
        switch (root["rating"])
        {
            case null:
                break;
            case JsonValue v when v.TryGetValue(out string? s) && s is "up" or "down":
                rating = s == "up" ? Core.Sessions.MessageRating.Up : Core.Sessions.MessageRating.Down;
                break;
            default:
                errors["rating"] = new JsonArray("Expected \"up\", \"down\" or null.");
                break;
        }
        if (errors.Count > 0)
        {
            return Results.Json(errors, ChatApiJson.Options, statusCode: StatusCodes.Status400BadRequest);
        }
        if (await access.IsEndedAsync(caller, ct))
        {
            return ChatApi.Error(StatusCodes.Status400BadRequest, ChatApi.SessionEnded);
        }
        await using var db = await dbFactory.CreateForTeamAsync(caller.TeamId, ct);
        var sessionId = caller.Session.Id;
        var until = createdAt.AddTicks(10);
        var message = await db.ChatMessages.FirstOrDefaultAsync(m => m.SessionId == sessionId && m.Role == MessageRole.Ai && !m.Hidden &&
                                                                      m.CreatedAt >= createdAt && m.CreatedAt < until, ct);
        if (message is null)
        {
            return ChatApi.Detail(StatusCodes.Status404NotFound, "No message matches the given query.");
        }
        await Core.Sessions.MessageRatings.SetAsync(db, message, rating, ct);
        return Results.Json(new JsonObject
        {
            ["created_at"] = ChatApiJson.Timestamp(message.CreatedAt),
            ["rating"] = RatingName(rating),
        }, ChatApiJson.Options);
    }

    public static async Task<IResult> End(string session_id, HttpContext http, ChatSessionAccess access, ChatRuntime runtime, CancellationToken ct)
    {
        var (caller, failure) = await access.AuthorizeAsync(http, session_id, SessionUse.Converse, ct);
        if (caller is null)
        {
            return failure!;
        }
        if (await access.IsEndedAsync(caller, ct))
        {
            return ChatApi.Error(StatusCodes.Status400BadRequest, ChatApi.SessionEnded);
        }
        await runtime.EndSessionAsync(caller.TeamId, caller.Session.Id, EndReason, ct);
        return Results.Json(new JsonObject { ["session_status"] = "ended" }, ChatApiJson.Options);
    }

    private static string? RatingName(Core.Sessions.MessageRating? rating) => rating switch
    {
        Core.Sessions.MessageRating.Up => "up",
        Core.Sessions.MessageRating.Down => "down",
        _ => null,
    };
}
