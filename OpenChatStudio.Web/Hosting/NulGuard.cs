using Microsoft.AspNetCore.Components.Endpoints;
using OpenChatStudio.Web.Api;

namespace OpenChatStudio.Web.Hosting;

/// <summary>
/// One rule for the NUL character (U+0000) in text a caller sends outside JSON bodies, the same as <see cref="StrictJson"/>
/// for JSON: refused with 400 and a clear message, on SQLite and PostgreSQL alike (PostgreSQL cannot store NUL in text or
/// compare with it: Npgsql error 22021 was a 500). Checked before any endpoint runs: the decoded path (route values such as
/// a team slug or an invitation token), every query parameter name and value (REST filters, on <c>/api</c> and
/// <c>/api/v1</c>), and the form fields and file names of form posts to the APIs, the account endpoints and the
/// server-rendered pages (sign-in, registration, password reset, invitations). Messaging-platform webhooks
/// (<c>/channels/…</c>) read their raw body themselves, so their forms are left to them; file names a platform delivers
/// are cleaned by <c>ChatAttachmentStore</c>.
/// </summary>
public static class NulGuard
{
    public static IApplicationBuilder UseNulGuard(this IApplicationBuilder app) => app.Use(async (http, next) =>
    {
        if (await FindAsync(http) is { } where)
        {
            var detail = $"{StrictJson.NulMessage} Remove it from {where}.";
            http.Response.StatusCode = StatusCodes.Status400BadRequest;
            if (http.Request.Path.StartsWithSegments("/api"))
            {
                await TypedResults.Problem(detail: detail, statusCode: StatusCodes.Status400BadRequest, title: "Invalid request").ExecuteAsync(http);
            }
            else
            {
                http.Response.ContentType = "text/plain; charset=utf-8";
                await http.Response.WriteAsync("Bad request. " + detail, http.RequestAborted);
            }
            return;
        }
        await next(http);
    });

    /// <summary>Where the request carries a NUL character (for the message), or null.</summary>
    private static async Task<string?> FindAsync(HttpContext http)
    {
        var request = http.Request;
        if (HasNul(request.Path.Value) || HasNul(request.PathBase.Value))   // Kestrel refuses %00 in the path itself; other servers may not
        {
            return "the address";
        }
        foreach (var (key, values) in request.Query)
        {
            if (HasNul(key) || values.Any(HasNul))
            {
                return $"the query parameter '{Printable(key)}'";
            }
        }
        if (!request.HasFormContentType || !ChecksForm(http))
        {
            return null;
        }
        IFormCollection form;
        try
        {
            form = await request.ReadFormAsync(http.RequestAborted);
        }
        catch (InvalidDataException ex) when (ex.InnerException is InvalidOperationException)
        {
            // The URL-encoded form reader refuses a %00 itself, but its exception reached the endpoint as another fault
            // (the sign-in form said its antiforgery token was missing).
            return "the form";
        }
        catch (Exception ex) when (ex is InvalidDataException or BadHttpRequestException or IOException)
        {
            return null;   // a malformed or oversized form is the endpoint's to refuse, as before
        }
        foreach (var (key, values) in form)
        {
            if (HasNul(key) || values.Any(HasNul))
            {
                return $"the form field '{Printable(key)}'";
            }
        }
        foreach (var file in form.Files)
        {
            if (HasNul(file.Name) || HasNul(file.FileName))
            {
                return $"the name of the uploaded file '{Printable(file.FileName)}'";
            }
        }
        return null;
    }

    /// <summary>Forms of the APIs, the account endpoints and server-rendered pages (they read the form through the same cached feature).</summary>
    private static bool ChecksForm(HttpContext http) =>
        http.Request.Path.StartsWithSegments("/api") || http.Request.Path.StartsWithSegments("/account") ||
        http.GetEndpoint()?.Metadata.GetMetadata<ComponentTypeMetadata>() is not null;

    private static bool HasNul(string? text) => text is not null && text.Contains('\0', StringComparison.Ordinal);

    private static string Printable(string text) => text.Replace("\0", "\\u0000", StringComparison.Ordinal);
}
