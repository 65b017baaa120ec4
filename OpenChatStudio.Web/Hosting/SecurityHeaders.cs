namespace OpenChatStudio.Web.Hosting;

/// <summary>
/// Headers every response carries: no MIME sniffing, no full URLs (with their ids and tokens) in the Referer sent to
/// other sites. Studio pages may not be framed by other sites (clickjacking); the hosted chat page (/chat/…) and the
/// API are left embeddable, as the widget and iframe embeds need.
/// </summary>
public static class SecurityHeaders
{
    public static IApplicationBuilder UseSecurityHeaders(this IApplicationBuilder app) => app.Use(async (http, next) =>
    {
        http.Response.OnStarting(() =>
        {
            var headers = http.Response.Headers;
            headers.XContentTypeOptions = "nosniff";
            headers["Referrer-Policy"] = "strict-origin-when-cross-origin";
            var path = http.Request.Path;
            var embeddable = path.StartsWithSegments("/chat") || path.StartsWithSegments("/api");
            if (!embeddable && http.Response.ContentType?.StartsWith("text/html", StringComparison.OrdinalIgnoreCase) == true)
            {
                headers.XFrameOptions = "SAMEORIGIN";
                headers.ContentSecurityPolicy = "frame-ancestors 'self'; object-src 'none'; base-uri 'self'";
            }
            return Task.CompletedTask;
        });
        await next();
    });
}
