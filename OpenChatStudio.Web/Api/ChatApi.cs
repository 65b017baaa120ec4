using System.Text.Json;
using System.Text.Json.Nodes;
using Microsoft.AspNetCore.Authentication;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.Options;
using OpenChatStudio.Core.Channels;
using OpenChatStudio.Core.Chat;
using OpenChatStudio.Core.Chatbots;
using OpenChatStudio.Core.Data;
using OpenChatStudio.Core.Versions;
using OpenChatStudio.Web.ApiAuth;
using OpenChatStudio.Core.Participants;

namespace OpenChatStudio.Web.Api;

/// <summary>
/// The OCS-compatible chat API used by the official <c>open-chat-studio-widget</c> (contract: WIDGET_CONTRACT.md, docs/api.md),
/// plus an SSE stream of a reply for new clients. Anonymous callers are admitted by an embed key (widget channel + allowed
/// domains) or, keyless, when the chatbot is public (empty participant allowlist, or the participant is on it).
/// Sessions talk to the published version.
/// </summary>
public static class ChatApi
{
    public const string Prefix = "/api/chat";

    /// <summary>Platform of participants created through this API.</summary>
    public const string ParticipantPlatform = ParticipantPlatforms.Web;

    /// <summary>Session platforms: started with an embed key, from the hosted page, or keyless from anything else.</summary>
    public const string WidgetPlatform = ParticipantPlatforms.Widget;

    public const string HostedPagePlatform = ParticipantPlatforms.Web;

    public const string ApiPlatform = ParticipantPlatforms.Api;

    /// <summary>Upload request bodies above this are refused with 413 (50 MB of files plus multipart overhead).</summary>
    public const long MaxUploadBodyBytes = ChatAttachmentStore.MaxTotalBytes + (2 * 1024 * 1024);

    public const long MaxJsonBodyBytes = 256 * 1024;

    public const int MaxMessageLength = 20_000;

    public const string NoPermission = "You do not have permission to perform this action.";

    public const string InvalidEmbedKey = "Invalid widget embed key";

    public const string SessionEnded = "Session has ended";

    /// <summary>Sent by the official widget on every request.</summary>
    public const string WidgetVersionHeader = "x-ocs-widget-version";

    private const string AllowHeaders = "accept, accept-encoding, content-type, dnt, origin, user-agent, x-requested-with, " +
                                        "x-ocs-widget-version, x-embed-key, x-session-token, authorization";

    private const string ExposeHeaders = "X-RateLimit-Limit, X-RateLimit-Remaining, X-RateLimit-Reset, Retry-After";

    public static IServiceCollection AddChatApi(this IServiceCollection services, IConfiguration configuration)
    {
        services.AddOptions<ChatApiOptions>().Bind(configuration.GetSection(ChatApiOptions.SectionName));
        services.AddSingleton<ChatRateLimiter>();
        services.AddSingleton<ChatSessionAccess>();
        services.AddSingleton<ChatSessionTokens>();
        services.AddHostedService<ChatInboxRecovery>();
        return services;
    }

    /// <summary>
    /// CORS for <c>/api/chat/*</c> only (as OCS): any origin, no credentials. Preflights are answered here, before
    /// authentication; every actual response, errors included, carries <c>Access-Control-Allow-Origin: *</c>.
    /// </summary>
    public static IApplicationBuilder UseChatApiCors(this IApplicationBuilder app) => app.Use(async (context, next) =>
    {
        if (!context.Request.Path.StartsWithSegments(Prefix))
        {
            await next(context);
            return;
        }
        var headers = context.Response.Headers;
        if (HttpMethods.IsOptions(context.Request.Method))
        {
            headers.AccessControlAllowOrigin = "*";
            headers.AccessControlAllowMethods = "GET, POST, OPTIONS";
            headers.AccessControlAllowHeaders = AllowHeaders;
            headers.AccessControlMaxAge = "86400";
            context.Response.StatusCode = StatusCodes.Status204NoContent;
            return;
        }
        context.Response.OnStarting(() =>
        {
            headers.AccessControlAllowOrigin = "*";
            headers.AccessControlExposeHeaders = ExposeHeaders;
            return Task.CompletedTask;
        });
        await next(context);
    });

    public static IEndpointRouteBuilder MapChatApi(this IEndpointRouteBuilder app)
    {
        var chat = app.MapGroup(Prefix).WithTags("Chat (widget)").DisableAntiforgery().AllowAnonymous();
        chat.MapPost("/start/", Start).WithName("ChatStart").WithSummary("Start a chat session (OCS widget contract)")
            .WithMetadata(new BodySizeLimit(MaxJsonBodyBytes));
        chat.MapPost("/{session_id}/message/", SendMessage).WithName("ChatMessage").WithSummary("Send a message; reply arrives via task poll or stream")
            .WithMetadata(new BodySizeLimit(MaxJsonBodyBytes));
        chat.MapGet("/{session_id}/{task_id}/poll/", PollTask).WithName("ChatTaskPoll").WithSummary("Poll the reply to a message");
        chat.MapGet("/{session_id}/{task_id}/stream/", StreamTask).WithName("ChatTaskStream")
            .WithSummary("Server-sent events: token deltas of the reply, then the final message (not in OCS)");
        chat.MapGet("/{session_id}/poll/", PollMessages).WithName("ChatPoll").WithSummary("Messages of the session, newer than since");
        chat.MapPost("/{session_id}/upload/", Upload).WithName("ChatUpload").WithSummary("Upload files to send with the next message")
            .WithMetadata(new BodySizeLimit(MaxUploadBodyBytes));
        chat.MapGet("/{session_id}/files/{file_id:int}/content/", FileContent).WithName("ChatFileContent")
            .WithSummary("Download a file uploaded into the session");
        return app;
    }

    // ---------------------------------------------------------------------------------------------------------------
    // start/

    private sealed record StartRequest(Guid ChatbotId, string? RemoteId, string? Name, int? VersionNumber, string? Source);

    public static async Task<IResult> Start(HttpContext http, IDbContextFactory<AppDbContext> dbFactory, ChatRuntime runtime,
        ChatRoutes routes, ChannelService channels, ChatRateLimiter limiter, ChatSessionTokens tokens, IOptionsMonitor<ChatApiOptions> options, CancellationToken ct)
    {
        var ip = http.Connection.RemoteIpAddress?.ToString() ?? "unknown";
        if (Limited(http, limiter, "start:" + ip, options.CurrentValue.StartsPerIpPerWindow) is { } limited)
        {
            return limited;
        }
        var (request, invalid) = await ReadStartAsync(http.Request, ct);
        if (request is null)
        {
            return invalid!;
        }

        if (await routes.ChatbotAsync(request.ChatbotId, ct) is not { } found)
        {
            return Detail(StatusCodes.Status404NotFound, "No chatbot matches the given query.");
        }
        var teamId = found.TeamId;
        var chatbotId = found.ChatbotId;

        var apiKey = await ApiKeyAsync(http, teamId);
        if (apiKey.Failure is not null)
        {
            return apiKey.Failure;
        }
        if (request.VersionNumber is not null && !apiKey.Authenticated)
        {
            return Error(StatusCodes.Status403Forbidden, "Version number requires authentication");
        }

        var platform = request.Source == "hosted_page" ? HostedPagePlatform : ApiPlatform;
        ChannelInfo? widget = null;
        if (!apiKey.Authenticated)
        {
            var embed = await EmbedKeyAsync(http, channels, teamId, chatbotId, ct);
            if (embed.Failure is not null)
            {
                return embed.Failure;
            }
            widget = embed.Channel;
            if (widget is not null)
            {
                platform = WidgetPlatform;
            }
            else if (await DisabledAsync(channels, teamId, chatbotId, platform, ct) is { } disabled)
            {
                return disabled;
            }
        }

        var version = request.VersionNumber is { } number ? VersionChoice.Specific(number) : VersionChoice.Published;
        var remoteId = string.IsNullOrWhiteSpace(request.RemoteId) ? "anon:" + Guid.NewGuid().ToString("N") : request.RemoteId.Trim();
        // The version's rules and name from memory (ChatRoutes), like every later request of the session.
        if (await routes.GateAsync(teamId, chatbotId, version, ct) is not { } gate)
        {
            return Detail(StatusCodes.Status404NotFound, "No chatbot matches the given query.");
        }
        if (gate.Unavailable is { } unavailable)
        {
            return NotAvailable(unavailable, request.VersionNumber is not null);
        }
        var chatbotName = gate.Name;
        if (!apiKey.Authenticated && widget is null && !AllowedParticipant(gate.ParticipantAllowlistJson, remoteId))
        {
            return Detail(StatusCodes.Status403Forbidden, NoPermission);
        }

        var participant = await runtime.GetOrCreateParticipantAsync(teamId, ParticipantPlatform, remoteId,
            string.IsNullOrWhiteSpace(request.Name) ? null : request.Name.Trim(), null, ct);
        // Only this API marks its sessions (ApiProof): a session started anywhere else stays out of its reach.
        var proof = ChatSessionTokens.ProofFor(http.Request, apiKey.Authenticated);
        SessionStart started;
        try
        {
            started = await runtime.StartSessionAsync(teamId, chatbotId, participant.Id, platform, onToken: null, ct, version,
                history: null, apiProof: proof);
        }
        catch (ChatbotUnavailableException ex)
        {
            return NotAvailable(ex.Message, request.VersionNumber is not null);
        }
        if (widget is not null)
        {
            await RecordWidgetVersionAsync(http, channels, teamId, widget.Id, ct);
        }

        var baseUrl = BaseUrl(http.Request);
        return Results.Json(new JsonObject
        {
            ["session_id"] = started.SessionId.ToString(),
            ["session_token"] = tokens.Issue(started.SessionId),
            ["chatbot"] = new JsonObject
            {
                ["id"] = request.ChatbotId.ToString(),
                ["name"] = chatbotName,
                ["url"] = $"{baseUrl}/api/experiments/{request.ChatbotId}/",
                ["version_number"] = gate.VersionNumber,
                ["versions"] = new JsonArray(),
            },
            ["participant"] = new JsonObject { ["identifier"] = remoteId, ["remote_id"] = remoteId },
        }, ChatApiJson.Options, statusCode: StatusCodes.Status201Created);
    }

    private static async Task<(StartRequest? Request, IResult? Invalid)> ReadStartAsync(HttpRequest request, CancellationToken ct)
    {
        var (root, problem) = await ReadJsonObjectAsync(request, ct);
        if (root is null)
        {
            return (null, problem);
        }
        var errors = new JsonObject();
        Guid chatbotId = default;
        switch (root["chatbot_id"])
        {
            case null:
                errors["chatbot_id"] = new JsonArray("This field is required.");
                break;
            case JsonValue v when v.TryGetValue(out string? s) && Guid.TryParse(s, out chatbotId):
                break;
            default:
                errors["chatbot_id"] = new JsonArray("Must be a valid UUID.");
                break;
        }
        var remoteId = OptionalString(root, "participant_remote_id", 255, errors);
        var name = OptionalString(root, "participant_name", 255, errors);
        int? versionNumber = null;
        if (root["version_number"] is JsonNode vn)
        {
            if (vn is JsonValue value && value.TryGetValue(out int n) && n > 0)
            {
                versionNumber = n;
            }
            else
            {
                errors["version_number"] = new JsonArray("A valid integer is required.");
            }
        }
        string? source = null;
        if (root["session_data"] is JsonObject data && data["source"] is JsonValue src && src.TryGetValue(out string? s2))
        {
            source = s2;
        }
        return errors.Count > 0
            ? (null, Results.Json(errors, ChatApiJson.Options, statusCode: StatusCodes.Status400BadRequest))
            : (new StartRequest(chatbotId, remoteId, name, versionNumber, source), null);
    }

    // ---------------------------------------------------------------------------------------------------------------
    // message/

    public static async Task<IResult> SendMessage(string session_id, HttpContext http, ChatSessionAccess access, ChatInbox inbox,
        ChatAttachmentStore files, CancellationToken ct)
    {
        var (caller, failure) = await access.AuthorizeAsync(http, session_id, SessionUse.Converse, ct);
        if (caller is null)
        {
            return failure!;
        }
        var (root, problem) = await ReadJsonObjectAsync(http.Request, ct);
        if (root is null)
        {
            return problem!;
        }
        var errors = new JsonObject();
        string? text = null;
        switch (root["message"])
        {
            case null:
                errors["message"] = new JsonArray("This field is required.");
                break;
            case JsonValue v when v.TryGetValue(out string? s):
                text = s.Trim();
                if (text.Length == 0)
                {
                    errors["message"] = new JsonArray("This field may not be blank.");
                }
                else if (text.Length > MaxMessageLength)
                {
                    errors["message"] = new JsonArray($"Ensure this field has no more than {MaxMessageLength} characters.");
                }
                break;
            default:
                errors["message"] = new JsonArray("Not a valid string.");
                break;
        }
        var attachmentIds = new List<int>();
        if (root["attachment_ids"] is JsonNode ids)
        {
            if (ids is JsonArray array && array.All(i => i is JsonValue iv && iv.TryGetValue(out int _)))
            {
                attachmentIds = array.Select(i => i!.GetValue<int>()).Distinct().ToList();
            }
            else
            {
                errors["attachment_ids"] = new JsonArray("Expected a list of file ids.");
            }
        }
        string? context = null;
        if (root["context"] is JsonNode ctxNode)
        {
            if (ctxNode is JsonObject obj)
            {
                context = obj.ToJsonString();
                if (context.Length > 16_000)
                {
                    errors["context"] = new JsonArray("The page context is too large.");
                }
            }
            else
            {
                errors["context"] = new JsonArray("Expected an object.");
            }
        }
        if (errors.Count > 0)
        {
            return Results.Json(errors, ChatApiJson.Options, statusCode: StatusCodes.Status400BadRequest);
        }
        if (await access.IsEndedAsync(caller, ct))
        {
            return Error(StatusCodes.Status400BadRequest, SessionEnded);
        }
        var unknown = await files.InvalidForMessageAsync(caller.TeamId, caller.Session.Id, attachmentIds, ct);
        if (unknown.Count > 0)
        {
            return Results.Json(new JsonObject { ["attachment_ids"] = new JsonArray($"Unknown or already sent file id {unknown[0]}.") },
                ChatApiJson.Options, statusCode: StatusCodes.Status400BadRequest);
        }
        var accepted = await inbox.AcceptAsync(caller.TeamId, caller.Session.Id, text!, attachmentIds, context, ct);
        return Results.Json(new JsonObject { ["task_id"] = accepted.Id.ToString(), ["status"] = "processing" },
            ChatApiJson.Options, statusCode: StatusCodes.Status202Accepted);
    }

    // ---------------------------------------------------------------------------------------------------------------
    // {task_id}/poll/ and {task_id}/stream/

    public static async Task<IResult> PollTask(string session_id, string task_id, HttpContext http, ChatSessionAccess access,
        IDbContextFactory<AppDbContext> dbFactory, ChatAttachmentStore files, CancellationToken ct)
    {
        var (caller, failure) = await access.AuthorizeAsync(http, session_id, SessionUse.Converse, ct);
        if (caller is null)
        {
            return failure!;
        }
        if (!Guid.TryParse(task_id, out var taskId))
        {
            return Detail(StatusCodes.Status404NotFound, "No task matches the given query.");   // task ids are UUIDs: this one never will
        }
        // One query: the task, its reply and whether the reply has files (the files themselves only when it has).
        await using var db = await dbFactory.CreateForTeamAsync(caller.TeamId, ct);
        var row = await (
            from m in db.InboundMessages.AsNoTracking()
            where m.Id == taskId
            join r in db.ChatMessages.AsNoTracking() on m.ReplyMessageId equals (Guid?)r.Id into replies
            from r in replies.DefaultIfEmpty()
            select new { m.SessionId, m.Status, Reply = r, ReplyHasFiles = r != null && db.ChatAttachments.Any(a => a.MessageId == r.Id) })
            .FirstOrDefaultAsync(ct);
        if (row is null)
        {
            return Processing();
        }
        if (row.SessionId != caller.Session.Id)
        {
            return Detail(StatusCodes.Status404NotFound, "No task matches the given query.");
        }
        switch (row.Status)
        {
            case InboundStatus.Complete when row.Reply is { } reply:
                var message = await MessagesJsonAsync([reply], row.ReplyHasFiles ? [reply.Id] : [], caller.TeamId, files, BaseUrl(http.Request), ct);
                return Results.Json(new JsonObject { ["message"] = message[0]!.DeepClone(), ["status"] = "complete" }, ChatApiJson.Options);
            case InboundStatus.Failed:
                return TaskError(await access.IsEndedAsync(caller, ct));
            default:
                return Processing();
        }
    }

    public static async Task StreamTask(string session_id, string task_id, HttpContext http, ChatSessionAccess access,
        IDbContextFactory<AppDbContext> dbFactory, ChatTaskStreams streams, ChatAttachmentStore files, CancellationToken ct)
    {
        var (caller, failure) = await access.AuthorizeAsync(http, session_id, SessionUse.Converse, ct);
        if (caller is null)
        {
            await failure!.ExecuteAsync(http);
            return;
        }
        InboundMessage? row = null;
        if (Guid.TryParse(task_id, out var taskId))
        {
            await using var db = await dbFactory.CreateForTeamAsync(caller.TeamId, ct);
            row = await db.InboundMessages.AsNoTracking().FirstOrDefaultAsync(m => m.Id == taskId && m.SessionId == caller.Session.Id, ct);
        }
        if (row is null)
        {
            await Detail(StatusCodes.Status404NotFound, "No task matches the given query.").ExecuteAsync(http);
            return;
        }

        var response = http.Response;
        response.StatusCode = StatusCodes.Status200OK;
        response.ContentType = "text/event-stream";
        response.Headers.CacheControl = "no-cache";
        response.Headers["X-Accel-Buffering"] = "no";
        await response.Body.FlushAsync(ct);

        try
        {
            await foreach (var delta in streams.ReadAsync(taskId, ct))
            {
                await WriteEventAsync(response, "delta", new JsonObject { ["text"] = delta }, ct);
            }
            // The outcome is in the database once the stream completes (or, for a task of another process, soon).
            while (row.Status == InboundStatus.Pending)
            {
                await using var db = await dbFactory.CreateForTeamAsync(caller.TeamId, ct);
                row = await db.InboundMessages.AsNoTracking().SingleAsync(m => m.Id == taskId, ct);
                if (row.Status == InboundStatus.Pending)
                {
                    await Task.Delay(TimeSpan.FromMilliseconds(250), ct);
                }
            }
            if (row.Status == InboundStatus.Complete && row.ReplyMessageId is { } replyId)
            {
                await using var db = await dbFactory.CreateForTeamAsync(caller.TeamId, ct);
                var reply = await db.ChatMessages.AsNoTracking().SingleAsync(m => m.Id == replyId, ct);
                var message = await MessagesJsonAsync([reply], [reply.Id], caller.TeamId, files, BaseUrl(http.Request), ct);
                await WriteEventAsync(response, "message", message[0]!.DeepClone(), ct);
            }
            else
            {
                await WriteEventAsync(response, "error", new JsonObject
                {
                    ["error"] = row.Status == InboundStatus.Complete ? "The chatbot produced no reply."
                        : await access.IsEndedAsync(caller, ct) ? SessionEnded : ChatInbox.GenericError,
                }, ct);
            }
            await WriteEventAsync(response, "done", new JsonObject(), ct);
        }
        catch (OperationCanceledException) when (ct.IsCancellationRequested)
        {
            // The client went away.
        }
    }

    private static async Task WriteEventAsync(HttpResponse response, string name, JsonNode data, CancellationToken ct)
    {
        await response.WriteAsync($"event: {name}\ndata: {data.ToJsonString(ChatApiJson.Options)}\n\n", ct);
        await response.Body.FlushAsync(ct);
    }

    // ---------------------------------------------------------------------------------------------------------------
    // poll/

    public const int DefaultPollLimit = 50;

    public const int MaxPollLimit = 100;

    public static async Task<IResult> PollMessages(string session_id, HttpContext http, ChatSessionAccess access,
        IDbContextFactory<AppDbContext> dbFactory, ChatAttachmentStore files, CancellationToken ct)
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
                return Error(StatusCodes.Status400BadRequest, "Invalid 'since' parameter format. Use ISO format.");
            }
            // Messages strictly newer than since at the precision we emit (µs): stored values may carry 100 ns ticks.
            after = since.AddTicks(10);
        }
        var limit = DefaultPollLimit;
        var limitText = http.Request.Query["limit"].ToString();
        if (limitText.Length > 0 && (!int.TryParse(limitText, out limit) || limit < 1 || limit > MaxPollLimit))
        {
            return Error(StatusCodes.Status400BadRequest, $"Invalid 'limit' parameter. Use a number from 1 to {MaxPollLimit}.");
        }
        await using var db = await dbFactory.CreateForTeamAsync(caller.TeamId, ct);
        var sessionId = caller.Session.Id;
        // Turns still being processed are not shown yet: their human message appears with the reply (contract §7.1).
        // The widget polls without since only while its local history is empty, i.e. right after it started the session,
        // concurrently with its first message. Everything its messages produce reaches it through the task poll, so such
        // a poll shows only what came before the first message: one answered after that turn finished (a slow request)
        // would otherwise show the turn twice. One statement (one snapshot): read separately, a turn could be written
        // between reading the cutoff and reading the messages.
        var widgetFirstPoll = after is null && http.Request.Headers.ContainsKey(WidgetVersionHeader);
        var query = db.ChatMessages.AsNoTracking().Where(m => m.SessionId == sessionId && !m.Hidden
            && !db.InboundMessages.Any(i => i.SessionId == sessionId && (widgetFirstPoll || i.Status == InboundStatus.Pending)
                && i.AcceptedAt <= m.CreatedAt));
        if (after is { } a)
        {
            query = query.Where(m => m.CreatedAt >= a);
        }
        var rows = await query.OrderBy(m => m.CreatedAt).ThenBy(m => m.Sequence).Take(limit + 1)
            .Select(m => new { Message = m, HasFiles = db.ChatAttachments.Any(a => a.MessageId == m.Id) }).ToListAsync(ct);
        var hasMore = rows.Count > limit;
        var page = rows.Take(limit).ToList();
        var messages = await MessagesJsonAsync(page.Select(r => r.Message).ToList(), page.Where(r => r.HasFiles).Select(r => r.Message.Id).ToList(),
            caller.TeamId, files, BaseUrl(http.Request), ct);
        return Results.Json(new JsonObject
        {
            ["messages"] = messages,
            ["has_more"] = hasMore,
            ["session_status"] = await access.IsEndedAsync(caller, ct) ? "ended" : "active",
        }, ChatApiJson.Options);
    }

    // ---------------------------------------------------------------------------------------------------------------
    // upload/ and file content

    public static async Task<IResult> Upload(string session_id, HttpContext http, ChatSessionAccess access, ChatAttachmentStore store,
        CancellationToken ct)
    {
        var (caller, failure) = await access.AuthorizeAsync(http, session_id, SessionUse.Files, ct);
        if (caller is null)
        {
            return failure!;
        }
        if (await access.IsEndedAsync(caller, ct))
        {
            return Error(StatusCodes.Status400BadRequest, SessionEnded);
        }
        if (!caller.FileUploadsEnabled)
        {
            return Error(StatusCodes.Status400BadRequest, "File uploads are not enabled for this chatbot");
        }
        if (!http.Request.HasFormContentType)
        {
            return Error(StatusCodes.Status400BadRequest, "No files provided");
        }
        var form = await http.Request.ReadFormAsync(ct);
        var parts = form.Files.GetFiles("files");
        var problem = ChatAttachmentStore.Validate(parts.Select(f => (f.FileName, f.ContentType ?? "", f.Length)).ToList());
        if (problem is not null)
        {
            return Error(StatusCodes.Status400BadRequest, problem);
        }
        var uploads = new List<UploadedFile>();
        foreach (var part in parts)
        {
            using var buffer = new MemoryStream((int)part.Length);
            await part.CopyToAsync(buffer, ct);
            uploads.Add(new UploadedFile(part.FileName, part.ContentType ?? "", buffer.ToArray()));
        }
        var saved = await store.SaveAsync(caller.TeamId, caller.Session.Id, uploads, ct);
        if (!saved.Succeeded)
        {
            return Error(StatusCodes.Status400BadRequest, saved.Error!);
        }
        return Results.Json(new JsonObject
        {
            ["files"] = new JsonArray(saved.Value!.Select(f => (JsonNode?)new JsonObject
            {
                ["id"] = f.Id,
                ["name"] = f.Name,
                ["size"] = f.Size,
                ["content_type"] = f.ContentType,
            }).ToArray()),
        }, ChatApiJson.Options, statusCode: StatusCodes.Status201Created);
    }

    private static readonly HashSet<string> InlineTypes = ["image/png", "image/jpeg", "image/gif", "image/webp"];

    public static async Task<IResult> FileContent(string session_id, int file_id, HttpContext http, ChatSessionAccess access,
        ChatAttachmentStore store, CancellationToken ct)
    {
        var (caller, failure) = await access.AuthorizeAsync(http, session_id, SessionUse.Files, ct);
        if (caller is null)
        {
            return failure!;
        }
        var file = await store.GetAsync(caller.TeamId, caller.Session.Id, file_id, ct);
        if (file is not { } f)
        {
            return Detail(StatusCodes.Status404NotFound, "No file matches the given query.");
        }
        http.Response.Headers.XContentTypeOptions = "nosniff";
        http.Response.Headers.ContentSecurityPolicy = "default-src 'none'; sandbox";
        var inline = InlineTypes.Contains(f.Info.ContentType.ToLowerInvariant());
        return Results.File(f.Content, inline ? f.Info.ContentType : "application/octet-stream", inline ? null : f.Info.Name);
    }

    // ---------------------------------------------------------------------------------------------------------------
    // helpers

    /// <summary>Messages as the widget contract shows them; files are looked up only for <paramref name="withFiles"/>.</summary>
    internal static async Task<JsonArray> MessagesJsonAsync(IReadOnlyList<ChatMessage> messages, IReadOnlyCollection<Guid> withFiles,
        Guid teamId, ChatAttachmentStore files, string baseUrl, CancellationToken ct)
    {
        var attachments = await files.ForMessagesAsync(teamId, withFiles, ct);
        return new JsonArray(messages.Select(m => (JsonNode?)new JsonObject
        {
            ["created_at"] = ChatApiJson.Timestamp(m.CreatedAt),
            ["role"] = ChatApiJson.Role(m.Role),
            ["content"] = m.Content,
            ["metadata"] = new JsonObject(),
            ["tags"] = Tags(m.TagsJson),
            ["attachments"] = new JsonArray(attachments[m.Id].Select(a => (JsonNode?)new JsonObject
            {
                ["name"] = a.Name,
                ["content_type"] = a.ContentType,
                ["size"] = a.Size,
                ["content_url"] = $"{baseUrl}{Prefix}/{a.SessionId}/files/{a.Id}/content/",
            }).ToArray()),
        }).ToArray());
    }

    private static JsonArray Tags(string tagsJson)
    {
        try
        {
            if (JsonNode.Parse(tagsJson) is JsonArray array)
            {
                return new JsonArray(array.Select(t => (JsonNode?)JsonValue.Create(
                    t is JsonObject o ? o["tag"]?.ToString() : t?.ToString())).ToArray());
            }
        }
        catch (JsonException)
        {
        }
        return [];
    }

    internal static string BaseUrl(HttpRequest request) => $"{request.Scheme}://{request.Host}{request.PathBase}";

    internal static bool AllowedParticipant(string allowlistJson, string identifier) =>
        ChatbotService.AllowlistPermits(allowlistJson, identifier);

    internal readonly record struct ApiKeyCheck(bool Authenticated, IResult? Failure);

    public const string ReadOnlyKey = "This API key is read-only: it may read sessions but not start them, send messages, rate or end them.";

    /// <summary>An API key in the request must be valid and of the chatbot's team (another team's chatbot: 404).</summary>
    internal static async Task<ApiKeyCheck> ApiKeyAsync(HttpContext http, Guid teamId)
    {
        if (ApiKeyAuthentication.PresentedKey(http.Request) is null)
        {
            return new(false, null);
        }
        var result = await http.AuthenticateAsync(ApiKeyAuthentication.Scheme);
        if (!result.Succeeded)
        {
            http.Response.Headers.WWWAuthenticate = "Bearer realm=\"api\"";
            return new(false, Detail(StatusCodes.Status401Unauthorized, ApiKeyAuthentication.InvalidKeyMessage));
        }
        var identity = result.Principal!.GetApiKeyIdentity();
        if (identity.TeamId != teamId)
        {
            return new(false, Detail(StatusCodes.Status404NotFound, "No chatbot matches the given query."));
        }
        // As on the REST API: a read-only key reads (polls, files) and changes nothing (no start, message, rating or end).
        var reads = HttpMethods.IsGet(http.Request.Method) || HttpMethods.IsHead(http.Request.Method);
        return identity.ReadOnly && !reads
            ? new(false, Error(StatusCodes.Status403Forbidden, ReadOnlyKey))
            : new(true, null);
    }

    internal readonly record struct EmbedCheck(ChannelInfo? Channel, IResult? Failure);

    /// <summary>
    /// An <c>X-Embed-Key</c> must be the key of one of the chatbot's widget channels, the page's host (Origin, else Referer)
    /// must be on that channel's allowed domains, and the channel must be enabled. No key: (null, null).
    /// </summary>
    internal static async Task<EmbedCheck> EmbedKeyAsync(HttpContext http, ChannelService channels, Guid teamId, Guid chatbotId,
        CancellationToken ct)
    {
        var key = http.Request.Headers["X-Embed-Key"].ToString().Trim();
        if (key.Length == 0)
        {
            return new(null, null);
        }
        var channel = await channels.FindWidgetByKeyAsync(teamId, chatbotId, key, ct);
        if (channel is null)
        {
            return new(null, Detail(StatusCodes.Status403Forbidden, InvalidEmbedKey));
        }
        var host = AllowedDomains.HostOf(http.Request.Headers.Origin.ToString()) ?? AllowedDomains.HostOf(http.Request.Headers.Referer.ToString());
        if (host is null || !AllowedDomains.Matches(channel.AllowedDomains, host))
        {
            return new(null, Detail(StatusCodes.Status403Forbidden, NoPermission));
        }
        if (!channel.Enabled)
        {
            return new(null, Disabled(channel));
        }
        return new(channel, null);
    }

    /// <summary>Keyless use: the hosted-page or API channel, when the chatbot has one and it is disabled, refuses.</summary>
    internal static async Task<IResult?> DisabledAsync(ChannelService channels, Guid teamId, Guid chatbotId, string platform, CancellationToken ct)
    {
        var kind = platform == HostedPagePlatform ? ChannelKind.HostedPage : ChannelKind.Api;
        var channel = await channels.FindByKindAsync(teamId, chatbotId, kind, ct);
        return channel is { Enabled: false } ? Disabled(channel) : null;
    }

    internal static async Task RecordWidgetVersionAsync(HttpContext http, ChannelService channels, Guid teamId, Guid channelId, CancellationToken ct)
    {
        var version = http.Request.Headers[WidgetVersionHeader].ToString();
        if (version.Length > 0)
        {
            await channels.RecordWidgetVersionAsync(teamId, channelId, version, ct);
        }
    }

    private static IResult Disabled(ChannelInfo channel) => Results.Json(new JsonObject
    {
        ["error"] = string.IsNullOrWhiteSpace(channel.DisabledMessage) ? ChatbotChannel.DefaultDisabledMessage : channel.DisabledMessage,
        ["code"] = "channel_disabled",
    }, ChatApiJson.Options, statusCode: StatusCodes.Status403Forbidden);

    private static IResult NotAvailable(string message, bool specificVersion) => Results.Json(new JsonObject
    {
        ["error"] = message,
        ["code"] = specificVersion ? "unknown_version" : "not_published",
    }, ChatApiJson.Options, statusCode: specificVersion ? StatusCodes.Status400BadRequest : StatusCodes.Status403Forbidden);

    internal static IResult? Limited(HttpContext http, ChatRateLimiter limiter, string key, int limit)
    {
        var decision = limiter.Check(key, limit);
        var headers = http.Response.Headers;
        headers["X-RateLimit-Limit"] = decision.Limit.ToString(System.Globalization.CultureInfo.InvariantCulture);
        headers["X-RateLimit-Remaining"] = decision.Remaining.ToString(System.Globalization.CultureInfo.InvariantCulture);
        headers["X-RateLimit-Reset"] = decision.ResetSeconds.ToString(System.Globalization.CultureInfo.InvariantCulture);
        if (decision.Allowed)
        {
            return null;
        }
        headers.RetryAfter = decision.ResetSeconds.ToString(System.Globalization.CultureInfo.InvariantCulture);
        return Results.Json(new JsonObject { ["detail"] = "Rate limit exceeded.", ["available_in"] = decision.ResetSeconds },
            ChatApiJson.Options, statusCode: StatusCodes.Status429TooManyRequests);
    }

    internal static async Task<(JsonObject? Root, IResult? Problem)> ReadJsonObjectAsync(HttpRequest request, CancellationToken ct)
    {
        if (!request.HasJsonContentType())
        {
            return (null, Detail(StatusCodes.Status415UnsupportedMediaType, $"Unsupported media type \"{request.ContentType}\" in request. Send application/json."));
        }
        var (node, error) = await StrictJson.ParseAsync(request.Body, ct);
        if (error is not null)
        {
            return (null, Detail(StatusCodes.Status400BadRequest, "JSON parse error - " + error));
        }
        return node is JsonObject root
            ? (root, null)
            : (null, Detail(StatusCodes.Status400BadRequest, "Invalid data. Expected a JSON object."));
    }

    private static string? OptionalString(JsonObject root, string field, int maxLength, JsonObject errors)
    {
        switch (root[field])
        {
            case null:
                return null;
            case JsonValue v when v.TryGetValue(out string? s):
                if (s.Length > maxLength)
                {
                    errors[field] = new JsonArray($"Ensure this field has no more than {maxLength} characters.");
                }
                return s;
            default:
                errors[field] = new JsonArray("Not a valid string.");
                return null;
        }
    }

    private static IResult Processing() => Results.Json(new JsonObject { ["status"] = "processing" }, ChatApiJson.Options);

    private static IResult TaskError(bool sessionEnded) => sessionEnded
        ? Results.Json(new JsonObject { ["error"] = SessionEnded, ["status"] = "error" }, ChatApiJson.Options, statusCode: StatusCodes.Status400BadRequest)
        : Results.Json(new JsonObject { ["error"] = ChatInbox.GenericError, ["status"] = "error" }, ChatApiJson.Options, statusCode: StatusCodes.Status500InternalServerError);

    internal static IResult Detail(int status, string detail) =>
        Results.Json(new JsonObject { ["detail"] = detail }, ChatApiJson.Options, statusCode: status);

    internal static IResult Error(int status, string error) =>
        Results.Json(new JsonObject { ["error"] = error }, ChatApiJson.Options, statusCode: status);
}
