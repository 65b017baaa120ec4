using System.Security.Claims;
using System.Text.Encodings.Web;
using Microsoft.AspNetCore.Authentication;
using Microsoft.AspNetCore.Authorization;
using Microsoft.Extensions.Options;
using OpenChatStudio.Core.ApiKeys;

namespace OpenChatStudio.Web.ApiAuth;

/// <summary>
/// The "ApiKey" authentication scheme: <c>X-api-key: &lt;key&gt;</c> or <c>Authorization: Bearer &lt;key&gt;</c>. Only endpoints
/// that require the <see cref="PolicyName"/> policy use it; the app's default scheme stays the Identity cookie.
/// </summary>
public static class ApiKeyAuthentication
{
    public const string Scheme = "ApiKey";

    public const string PolicyName = "ApiKey";

    public const string HeaderName = "X-api-key";

    public const string TeamIdClaim = "ocs:team_id";

    public const string KeyIdClaim = "ocs:api_key_id";

    public const string ReadOnlyClaim = "ocs:api_key_read_only";

    public const string MissingKeyMessage = "Missing API key: send X-api-key or Authorization: Bearer";

    public const string InvalidKeyMessage = "Invalid or revoked API key";

    public static AuthenticationBuilder AddApiKeyAuthentication(this AuthenticationBuilder builder)
    {
        builder.Services.Configure<AuthorizationOptions>(o => o.AddPolicy(PolicyName, p => p
            .AddAuthenticationSchemes(Scheme)
            .RequireAuthenticatedUser()
            .RequireClaim(TeamIdClaim)));
        return builder.AddScheme<AuthenticationSchemeOptions, ApiKeyAuthenticationHandler>(Scheme, displayName: "API key", _ => { });
    }

    /// <summary>The key a request presents, if any.</summary>
    public static string? PresentedKey(HttpRequest request)
    {
        if (request.Headers.TryGetValue(HeaderName, out var header) && !string.IsNullOrWhiteSpace(header.ToString()))
        {
            return header.ToString().Trim();
        }
        var authorization = request.Headers.Authorization.ToString();
        return authorization.StartsWith("Bearer ", StringComparison.OrdinalIgnoreCase) && authorization.Length > 7
            ? authorization[7..].Trim()
            : null;
    }

    public static ApiKeyIdentity GetApiKeyIdentity(this ClaimsPrincipal user) =>
        Guid.TryParse(user.FindFirstValue(TeamIdClaim), out var team) && Guid.TryParse(user.FindFirstValue(KeyIdClaim), out var key)
            ? new ApiKeyIdentity(team, key, !string.Equals(user.FindFirstValue(ReadOnlyClaim), "false", StringComparison.Ordinal))
            : throw new InvalidOperationException("This endpoint has no API key policy; add RequireAuthorization(ApiKeyAuthentication.PolicyName).");
}

public sealed class ApiKeyAuthenticationHandler(
    IOptionsMonitor<AuthenticationSchemeOptions> options, ILoggerFactory logger, UrlEncoder encoder, ApiKeyService keys)
    : AuthenticationHandler<AuthenticationSchemeOptions>(options, logger, encoder)
{
    protected override async Task<AuthenticateResult> HandleAuthenticateAsync()
    {
        var presented = ApiKeyAuthentication.PresentedKey(Request);
        if (presented is null)
        {
            return AuthenticateResult.NoResult();
        }
        var identity = await keys.AuthenticateAsync(presented, Context.RequestAborted);
        if (identity is null)
        {
            return AuthenticateResult.Fail(ApiKeyAuthentication.InvalidKeyMessage);
        }
        var claims = new[]
        {
            new Claim(ApiKeyAuthentication.TeamIdClaim, identity.TeamId.ToString()),
            new Claim(ApiKeyAuthentication.KeyIdClaim, identity.KeyId.ToString()),
            new Claim(ApiKeyAuthentication.ReadOnlyClaim, identity.ReadOnly ? "true" : "false"),
        };
        var principal = new ClaimsPrincipal(new ClaimsIdentity(claims, Scheme.Name));
        return AuthenticateResult.Success(new AuthenticationTicket(principal, Scheme.Name));
    }

    protected override async Task HandleChallengeAsync(AuthenticationProperties properties)
    {
        var detail = ApiKeyAuthentication.PresentedKey(Request) is null
            ? ApiKeyAuthentication.MissingKeyMessage
            : ApiKeyAuthentication.InvalidKeyMessage;
        Response.StatusCode = StatusCodes.Status401Unauthorized;
        Response.Headers.WWWAuthenticate = "Bearer realm=\"api\"";
        await Results.Problem(detail: detail, statusCode: StatusCodes.Status401Unauthorized, title: "Unauthorized").ExecuteAsync(Context);
    }

    protected override async Task HandleForbiddenAsync(AuthenticationProperties properties) =>
        await Results.Problem(detail: "This API key may not do that.", statusCode: StatusCodes.Status403Forbidden, title: "Forbidden")
            .ExecuteAsync(Context);
}
