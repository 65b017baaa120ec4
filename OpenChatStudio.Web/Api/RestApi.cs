using System.Buffers.Text;
using System.Globalization;
using System.Text;
using System.Text.Json;
using System.Text.Json.Serialization;
using Microsoft.AspNetCore.Http.Extensions;
using Microsoft.AspNetCore.Http.HttpResults;
using OpenChatStudio.Web.ApiAuth;

namespace OpenChatStudio.Web.Api;

/// <summary>A page of a list, as OCS's cursor pagination: follow <c>next</c> until it is null.</summary>
public sealed record CursorPage<T>(
    [property: JsonPropertyName("next")] string? Next,
    [property: JsonPropertyName("previous")] string? Previous,
    [property: JsonPropertyName("results")] IReadOnlyList<T> Results);

/// <summary>
/// The REST v1 API (docs/api.md): OCS's paths and snake_case shapes under <c>/api/</c> and again under <c>/api/v1/</c>,
/// team API key auth (read-only keys may only read), team-scoped (another team's ids are 404), cursor pagination.
/// </summary>
public static class RestApi
{
    /// <summary>JSON bodies larger than this are refused with 413.</summary>
    public const long MaxBodyBytes = 1024 * 1024;

    public const int DefaultPageSize = 100;

    public const int MaxPageSize = 500;

    public const string ReadOnlyMessage = "This API key is read-only. Create a key with write access to change data.";

    internal static readonly JsonSerializerOptions Json = new(JsonSerializerDefaults.Web);

    /// <summary>Maps every REST v1 route under /api (in the OpenAPI document) and /api/v1 (aliases, as OCS).</summary>
    public static IEndpointRouteBuilder MapRestApi(this IEndpointRouteBuilder app)
    {
        foreach (var (prefix, primary) in new[] { ("/api", true), ("/api/v1", false) })
        {
            var group = app.MapGroup(prefix)
                .RequireAuthorization(ApiKeyAuthentication.PolicyName)
                .RequireApiKeyThrottle()
                .WithMetadata(new BodySizeLimit(MaxBodyBytes))
                .ProducesProblem(StatusCodes.Status401Unauthorized);
            if (!primary)
            {
                group.ExcludeFromDescription();
            }
            var suffix = primary ? "" : "V1";
            group.MapRestApiExperiments(suffix);
            group.MapRestApiSessions(suffix);
            group.MapRestApiParticipants(suffix);
        }
        return app;
    }

    internal readonly record struct Paging(int Offset, int Size);

    /// <summary>Reads <c>cursor</c> and <c>page_size</c>; a problem when either is not valid.</summary>
    internal static ProblemHttpResult? TryPaging(string? cursor, string? pageSize, out Paging paging)
    {
        paging = new Paging(0, DefaultPageSize);
        var size = DefaultPageSize;
        if (!string.IsNullOrEmpty(pageSize) &&
            (!int.TryParse(pageSize, NumberStyles.None, CultureInfo.InvariantCulture, out size) || size < 1 || size > MaxPageSize))
        {
            return BadRequest($"page_size must be a whole number from 1 to {MaxPageSize}.");
        }
        var offset = 0;
        if (!string.IsNullOrEmpty(cursor) && !TryDecodeCursor(cursor, out offset))
        {
            return BadRequest("Invalid cursor: use the next or previous link of a page as it is.");
        }
        paging = new Paging(offset, size);
        return null;
    }

    internal static CursorPage<T> Page<T>(HttpRequest request, Paging paging, IReadOnlyList<T> items, bool hasMore)
    {
        var next = hasMore ? PageLink(request, paging.Offset + paging.Size) : null;
        var previous = paging.Offset > 0 ? PageLink(request, Math.Max(0, paging.Offset - paging.Size)) : null;
        return new CursorPage<T>(next, previous, items);
    }

    private static string PageLink(HttpRequest request, int offset)
    {
        var query = request.Query.Where(q => q.Key != "cursor").SelectMany(q => q.Value.Select(v => new KeyValuePair<string, string?>(q.Key, v)))
            .ToList();
        if (offset > 0)
        {
            query.Add(new KeyValuePair<string, string?>("cursor", EncodeCursor(offset)));
        }
        return UriHelper.BuildAbsolute(request.Scheme, request.Host, request.PathBase, request.Path, QueryString.Create(query));
    }

    private static string EncodeCursor(int offset) => Base64Url.EncodeToString(Encoding.UTF8.GetBytes("o:" + offset.ToString(CultureInfo.InvariantCulture)));

    private static bool TryDecodeCursor(string cursor, out int offset)
    {
        offset = 0;
        try
        {
            var text = Encoding.UTF8.GetString(Base64Url.DecodeFromChars(cursor));
            return text.StartsWith("o:", StringComparison.Ordinal) &&
                   int.TryParse(text.AsSpan(2), NumberStyles.None, CultureInfo.InvariantCulture, out offset);
        }
        catch (FormatException)
        {
            return false;
        }
    }

    /// <summary>An absolute URL of an API resource, e.g. <c>https://host/api/sessions/{id}/</c>.</summary>
    internal static string Absolute(HttpRequest request, string path) =>
        UriHelper.BuildAbsolute(request.Scheme, request.Host, request.PathBase, path);

    /// <summary>Reads a JSON body into <typeparamref name="T"/>; a 400 problem when it is not valid JSON of that shape.</summary>
    internal static async Task<(T? Value, ProblemHttpResult? Problem)> ReadBodyAsync<T>(HttpRequest request, CancellationToken ct)
        where T : class
    {
        var (node, error) = await StrictJson.ParseAsync(request.Body, ct);
        if (error is not null)
        {
            return (null, BadRequest("The request body is not valid JSON for this endpoint: " + error));
        }
        try
        {
            var value = node.Deserialize<T>(Json);
            return value is null ? (null, BadRequest("The request body must be a JSON object.")) : (value, null);
        }
        catch (JsonException ex)
        {
            return (null, BadRequest("The request body is not valid JSON for this endpoint: " + ex.Message));
        }
    }

    /// <summary>Parses an optional UUID query parameter; a 400 problem naming the parameter when it is not one.</summary>
    internal static ProblemHttpResult? TryGuid(string name, string? value, out Guid? parsed)
    {
        parsed = null;
        if (string.IsNullOrWhiteSpace(value))
        {
            return null;
        }
        if (!Guid.TryParse(value.Trim(), out var guid))
        {
            return BadRequest($"{name} must be a chatbot id (a UUID).");
        }
        parsed = guid;
        return null;
    }

    internal static ProblemHttpResult ReadOnly() =>
        TypedResults.Problem(detail: ReadOnlyMessage, statusCode: StatusCodes.Status403Forbidden, title: "Forbidden");

    internal static ProblemHttpResult BadRequest(string detail) =>
        TypedResults.Problem(detail: detail, statusCode: StatusCodes.Status400BadRequest, title: "Invalid request");

    internal static ProblemHttpResult NotFound(string detail) =>
        TypedResults.Problem(detail: detail, statusCode: StatusCodes.Status404NotFound, title: "Not found");

    /// <summary>Splits a comma separated query value ("a,b") into trimmed, non-empty items.</summary>
    internal static List<string> CommaList(string? value) =>
        string.IsNullOrWhiteSpace(value) ? [] : value.Split(',', StringSplitOptions.TrimEntries | StringSplitOptions.RemoveEmptyEntries).ToList();
}
