using Microsoft.Extensions.Options;
using OpenChatStudio.Core.Channels;
using OpenChatStudio.Core.Chat;

namespace OpenChatStudio.Web.Api;

/// <summary>What a session endpoint is used for: conversing (message, polls, stream) or files (upload, download).</summary>
public enum SessionUse
{
    Converse,
    Files,
}

/// <summary>A caller admitted to a session.</summary>
public sealed record SessionCaller(Guid TeamId, SessionRoute Session, bool FileUploadsEnabled);

/// <summary>
/// Authorisation of the chat API's session endpoints (docs/channels.md, docs/security.md). In order: rate limit per
/// session; only sessions this API started are reachable (others are "not found"); an API key must be of the session's
/// team; a session token (<see cref="ChatSessionTokens"/>) must name this session and be unexpired. Sessions that ask
/// for a token (<see cref="ChatApiProof.SessionToken"/>) admit nothing else. Sessions started by a widget before 0.9.0
/// (<see cref="ChatApiProof.SessionId"/>) keep the era's rules: an embed key must belong to a widget channel of the
/// session's chatbot and the page's domain must be allowed; keyless callers need a public chatbot (empty allowlist, or
/// the session's participant on it); files (upload/download) are also allowed keyless in sessions started with an
/// embed key, because that widget cannot send its key on uploads.
/// Sessions, chatbot rules and channels come from memory once warm (<see cref="ChatRoutes"/>, <see cref="ChannelService"/>):
/// admitting a caller costs no query.
/// </summary>
public sealed class ChatSessionAccess(
    ChatRoutes routes,
    ChannelService channels,
    ChatRateLimiter limiter,
    ChatSessionTokens tokens,
    IOptionsMonitor<ChatApiOptions> options)
{
    public async Task<(SessionCaller? Caller, IResult? Failure)> AuthorizeAsync(HttpContext http, string sessionId, SessionUse use, CancellationToken ct)
    {
        if (!Guid.TryParse(sessionId, out var id))
        {
            return (null, NoSession());
        }
        if (ChatApi.Limited(http, limiter, "session:" + id, options.CurrentValue.SessionRequestsPerWindow) is { } limited)
        {
            return (null, limited);
        }
        var session = await routes.SessionAsync(id, ct);
        if (session?.ApiProof is not { } proof || await routes.GateAsync(session, ct) is not { } gate)
        {
            return (null, NoSession());
        }
        var caller = new SessionCaller(session.TeamId, session, gate.FileUploadsEnabled);

        var apiKey = await ChatApi.ApiKeyAsync(http, session.TeamId);
        if (apiKey.Failure is not null)
        {
            return (null, ReplaceNotFound(apiKey.Failure));
        }
        if (apiKey.Authenticated)
        {
            return (caller, null);
        }
        if (ChatSessionTokens.Read(http.Request) is { } token)
        {
            if (!tokens.IsValid(token, session.Id))
            {
                return (null, TokenProblem("The session token is not valid for this session or has expired. Start a new session.", "session_token_invalid"));
            }
            return await ChatApi.DisabledAsync(channels, session.TeamId, session.ChatbotId, session.Platform, ct) is { } off
                ? (null, off)
                : (caller, null);
        }
        if (proof == ChatApiProof.SessionToken)
        {
            return (null, TokenProblem("Session token required: send the session_token from start/ in the X-Session-Token header.", "session_token_required"));
        }
        var embed = await ChatApi.EmbedKeyAsync(http, channels, session.TeamId, session.ChatbotId, ct);
        if (embed.Failure is not null)
        {
            return (null, embed.Failure);
        }
        if (embed.Channel is not null)
        {
            await ChatApi.RecordWidgetVersionAsync(http, channels, session.TeamId, embed.Channel.Id, ct);
            return (caller, null);
        }
        if (use == SessionUse.Files && session.Platform == ChatApi.WidgetPlatform)
        {
            return (caller, null);
        }
        if (await ChatApi.DisabledAsync(channels, session.TeamId, session.ChatbotId, session.Platform, ct) is { } disabled)
        {
            return (null, disabled);
        }
        return ChatApi.AllowedParticipant(gate.ParticipantAllowlistJson, session.ParticipantIdentifier)
            ? (caller, null)
            : (null, ChatApi.Detail(StatusCodes.Status403Forbidden, ChatApi.NoPermission));
    }

    /// <summary>Whether the caller's session has ended (one query: sessions end from many places, so this is never cached).</summary>
    public Task<bool> IsEndedAsync(SessionCaller caller, CancellationToken ct) => routes.IsEndedAsync(caller.Session, ct);

    private static IResult TokenProblem(string error, string code) =>
        Results.Json(new System.Text.Json.Nodes.JsonObject { ["error"] = error, ["code"] = code }, ChatApiJson.Options,
            statusCode: StatusCodes.Status403Forbidden);

    private static IResult ReplaceNotFound(IResult failure) =>
        failure is IStatusCodeHttpResult { StatusCode: StatusCodes.Status404NotFound } ? NoSession() : failure;

    private static IResult NoSession() => ChatApi.Detail(StatusCodes.Status404NotFound, "No session matches the given query.");
}
