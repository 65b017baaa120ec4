using Microsoft.AspNetCore.Http.Extensions;
using OpenChatStudio.Core.Channels.Messaging;

namespace OpenChatStudio.Web.Api;

/// <summary>
/// <c>/channels/{platform}/{channelId}</c>: every messaging platform's webhook (docs/channels.md). The call is handed to
/// Core as it came (method, headers, query, raw body) — the platform verifies it — and answered once its messages are
/// stored. Anonymous by design: the platform's signature or secret is the proof.
/// </summary>
public static class ChannelWebhooks
{
    /// <summary>Platforms' webhook bodies are small; anything larger is refused before it is read.</summary>
    public const long MaxBodyBytes = 1024 * 1024;

    public static void MapChannelWebhooks(this IEndpointRouteBuilder app)
    {
        var group = app.MapGroup("/channels").WithTags("Messaging channels").DisableAntiforgery().AllowAnonymous().ExcludeFromDescription();
        group.MapMethods("/{platform}/{channelId}", ["GET", "POST"], HandleAsync).WithMetadata(new BodySizeLimit(MaxBodyBytes));
    }

    private static async Task<IResult> HandleAsync(string platform, string channelId, HttpContext http, MessagingInbox inbox,
        MessagingChannelService channels, CancellationToken ct)
    {
        if (!Guid.TryParse(channelId, out var id))
        {
            return Results.Json(new { error = "No such channel." }, statusCode: StatusCodes.Status404NotFound);
        }
        byte[] body;
        using (var buffer = new MemoryStream())
        {
            await http.Request.Body.CopyToAsync(buffer, ct);
            body = buffer.ToArray();
        }
        var headers = http.Request.Headers.ToDictionary(h => h.Key, h => h.Value.ToString(), StringComparer.OrdinalIgnoreCase);
        var query = http.Request.Query.ToDictionary(q => q.Key, q => q.Value.ToString(), StringComparer.Ordinal);
        var request = new WebhookRequest(http.Request.Method, headers, query, body, http.Request.ContentType,
            channels.PublicUrlOf(http.Request.GetEncodedUrl()));
        var answer = await inbox.HandleAsync(platform, id, request, ct);
        return Results.Content(answer.Body ?? "", answer.ContentType, statusCode: answer.Status);
    }
}
