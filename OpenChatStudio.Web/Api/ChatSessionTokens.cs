using System.Security.Cryptography;
using Microsoft.AspNetCore.DataProtection;
using Microsoft.Extensions.Options;
using OpenChatStudio.Core.Chat;

namespace OpenChatStudio.Web.Api;

/// <summary>
/// Session tokens of the chat API (OCS's <c>X-Session-Token</c>): <c>start/</c> issues one per session, signed and
/// encrypted with the app's data-protection keys (shared by every instance through the database), valid for
/// <see cref="ChatApiOptions.SessionTokenLifetime"/>. A token names its session and nothing else, so it proves that the
/// caller is the client that started it. The browser's EventSource cannot send headers, so the stream endpoint also
/// accepts the token as <c>?session_token=</c> (scrubbed from logs).
/// </summary>
public sealed class ChatSessionTokens(IDataProtectionProvider dataProtection, IOptionsMonitor<ChatApiOptions> options, TimeProvider clock)
{
    public const string Header = "X-Session-Token";

    public const string QueryParameter = "session_token";

    private readonly ITimeLimitedDataProtector _protector =
        dataProtection.CreateProtector("OpenChatStudio.ChatSessionToken.v1").ToTimeLimitedDataProtector();

    public string Issue(Guid sessionId) => Issue(sessionId, clock.GetUtcNow() + options.CurrentValue.SessionTokenLifetime);

    internal string Issue(Guid sessionId, DateTimeOffset expires) => _protector.Protect(sessionId.ToString("N"), expires);

    /// <summary>The token the request carries (header, or the query for streams), or null.</summary>
    public static string? Read(HttpRequest request)
    {
        var header = request.Headers[Header].ToString();
        if (header.Length > 0)
        {
            return header;
        }
        var query = request.Query[QueryParameter].ToString();
        return query.Length > 0 ? query : null;
    }

    /// <summary>True when <paramref name="token"/> was issued for <paramref name="sessionId"/> and has not expired.</summary>
    public bool IsValid(string token, Guid sessionId)
    {
        if (token.Length > 4096)
        {
            return false;
        }
        try
        {
            return _protector.Unprotect(token, out _) == sessionId.ToString("N");
        }
        catch (CryptographicException)
        {
            return false;   // forged, altered, expired or from another installation
        }
        catch (FormatException)
        {
            return false;
        }
    }

    /// <summary>
    /// What the session asks of later callers: a token, unless the client that starts it is a widget before 0.9.0 (which
    /// never sends one) and uses no API key. The version comes from the starting client itself, so it can only lower the
    /// bar for its own session.
    /// </summary>
    public static ChatApiProof ProofFor(HttpRequest request, bool apiKey)
    {
        if (apiKey)
        {
            return ChatApiProof.SessionToken;
        }
        var version = request.Headers[ChatApi.WidgetVersionHeader].ToString();
        return Version.TryParse(version.Split('-', '+')[0], out var parsed) && parsed < new Version(0, 9, 0)
            ? ChatApiProof.SessionId
            : ChatApiProof.SessionToken;
    }
}
