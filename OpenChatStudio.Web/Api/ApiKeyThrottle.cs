using Microsoft.Extensions.Options;
using OpenChatStudio.Web.ApiAuth;

namespace OpenChatStudio.Web.Api;

/// <summary>
/// Rate limit per API key on the key-authenticated APIs (OpenAI-compatible, REST): <see cref="ChatApiOptions.ApiKeyRequestsPerWindow"/>
/// requests per window, then 429 with <c>Retry-After</c> and the <c>X-RateLimit-*</c> headers the chat API sends.
/// </summary>
public static class ApiKeyThrottle
{
    public static TBuilder RequireApiKeyThrottle<TBuilder>(this TBuilder builder) where TBuilder : IEndpointConventionBuilder =>
        builder.AddEndpointFilter(async (context, next) =>
        {
            var http = context.HttpContext;
            if (http.User.Identity?.IsAuthenticated == true && http.User.FindFirst(ApiKeyAuthentication.KeyIdClaim)?.Value is { } keyId)
            {
                var services = http.RequestServices;
                var limit = services.GetRequiredService<IOptionsMonitor<ChatApiOptions>>().CurrentValue.ApiKeyRequestsPerWindow;
                if (ChatApi.Limited(http, services.GetRequiredService<ChatRateLimiter>(), "apikey:" + keyId, limit) is { } limited)
                {
                    return limited;
                }
            }
            return await next(context);
        });
}
