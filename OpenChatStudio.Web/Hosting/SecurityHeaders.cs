using System.Security.Cryptography;

namespace OpenChatStudio.Web.Hosting;

/// <summary>
/// Headers every response carries: no MIME sniffing, no full URLs (with their ids and tokens) in the Referer sent to
/// other sites. HTML pages get a Content-Security-Policy whose <c>script-src</c> admits only the app's own script files
/// and the one inline script it writes itself (the import map, which carries this request's nonce), so markup injected
/// into a page cannot run. Studio pages may not be framed by other sites (clickjacking); the hosted chat page (/chat/…)
/// may be framed by the sites listed on its public-page channel (none by default). The API reference (Scalar) writes inline scripts of its own and keeps only
/// the framing rules.
/// </summary>
public static class SecurityHeaders
{
    private const string NonceKey = "ocs.csp-nonce";

    /// <summary>This request's script nonce, for the inline scripts the app writes (the import map).</summary>
    public static string Nonce(HttpContext http)
    {
        if (http.Items[NonceKey] is not string nonce)
        {
            nonce = Convert.ToHexString(RandomNumberGenerator.GetBytes(16));   // hex: valid in CSP, unchanged by HTML encoding
            http.Items[NonceKey] = nonce;
        }
        return nonce;
    }

    private const string FrameAncestorsKey = "ocs.frame-ancestors";

    /// <summary>
    /// CSP sources for the sites listed on a public-page channel (<see cref="Core.Channels.AllowedDomains"/> patterns,
    /// which ignore ports): <c>host</c> and <c>*.domain</c> on any port, <c>*</c> for every site.
    /// </summary>
    public static string FrameAncestors(IReadOnlyList<string> sites) =>
        "'self'" + string.Concat(sites.Select(s => s.Trim())
            .Where(s => s.Length > 0 && !s.Any(c => char.IsWhiteSpace(c) || c is ';' or ',' or '\''))
            .Select(s => s == "*" ? " *" : $" {s}:*"));

    public static IApplicationBuilder UseSecurityHeaders(this IApplicationBuilder app) => app.Use(async (http, next) =>
    {
        var path0 = http.Request.Path;
        if (path0.StartsWithSegments("/chat", out var rest) && Guid.TryParse(rest.Value?.Trim('/').Split('/')[0], out var publicId))
        {
            var sites = await http.RequestServices.GetRequiredService<HostedPageFraming>().SitesAsync(publicId, http.RequestAborted);
            http.Items[FrameAncestorsKey] = FrameAncestors(sites);
        }
        http.Response.OnStarting(() =>
        {
            var headers = http.Response.Headers;
            headers.XContentTypeOptions = "nosniff";
            headers["Referrer-Policy"] = "strict-origin-when-cross-origin";
            var path = http.Request.Path;
            if (path.StartsWithSegments("/api") || http.Response.ContentType?.StartsWith("text/html", StringComparison.OrdinalIgnoreCase) != true)
            {
                return Task.CompletedTask;
            }
            var scripts = path.StartsWithSegments("/scalar") ? "" : $"script-src 'self' 'nonce-{Nonce(http)}'; ";
            if (path.StartsWithSegments("/chat"))
            {
                // The public page may be framed by the sites the team lists on its public-page channel, and only those.
                var ancestors = http.Items[FrameAncestorsKey] as string ?? "'self'";
                headers.ContentSecurityPolicy = $"{scripts}frame-ancestors {ancestors}; object-src 'none'; base-uri 'self'";
            }
            else
            {
                headers.XFrameOptions = "SAMEORIGIN";
                headers.ContentSecurityPolicy = $"{scripts}frame-ancestors 'self'; object-src 'none'; base-uri 'self'";
            }
            return Task.CompletedTask;
        });
        await next();
    });
}

/// <summary>
/// The sites that may frame each chatbot's public page, read from its public-page channel and kept for 30 seconds (a
/// page load reads it once; a change in the channels page shows within half a minute).
/// </summary>
public sealed class HostedPageFraming(IServiceScopeFactory scopes, TimeProvider clock)
{
    private static readonly TimeSpan Lifetime = TimeSpan.FromSeconds(30);
    private readonly System.Collections.Concurrent.ConcurrentDictionary<Guid, (DateTimeOffset At, IReadOnlyList<string> Sites)> _cache = new();

    public async Task<IReadOnlyList<string>> SitesAsync(Guid publicId, CancellationToken ct)
    {
        var now = clock.GetUtcNow();
        if (_cache.TryGetValue(publicId, out var hit) && now - hit.At < Lifetime)
        {
            return hit.Sites;
        }
        await using var scope = scopes.CreateAsyncScope();
        var sites = await scope.ServiceProvider.GetRequiredService<Core.Channels.ChannelService>().FindEmbeddingSitesAsync(publicId, ct);
        if (_cache.Count > 10_000)
        {
            _cache.Clear();
        }
        _cache[publicId] = (now, sites);
        return sites;
    }

    /// <summary>Forgets what is cached for a chatbot (after its channels change on this instance).</summary>
    public void Forget(Guid publicId) => _cache.TryRemove(publicId, out _);
}
