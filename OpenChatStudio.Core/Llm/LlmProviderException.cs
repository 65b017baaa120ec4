using System.Globalization;
using System.Net.Http;
using System.Net.Sockets;

namespace OpenChatStudio.Core.Llm;

/// <summary>
/// A provider call failed. <see cref="UserMessage"/> is one clear sentence for a chatbot builder: the status and a safe
/// summary, never a key and never the response body (a base URL could point at an internal service whose answer must not
/// be echoed); <see cref="ProviderDetail"/> keeps the provider's own text for the log. <see cref="Exception.Message"/> is
/// the same as <see cref="UserMessage"/>. The original SDK/HTTP error, if any, is the inner exception.
/// </summary>
public sealed class LlmProviderException : Exception
{
    public LlmProviderException(string userMessage, int? statusCode = null, bool isTransient = false, string? providerDetail = null,
        Exception? innerException = null)
        : base(userMessage, innerException)
    {
        UserMessage = userMessage;
        StatusCode = statusCode;
        IsTransient = isTransient;
        ProviderDetail = providerDetail;
    }

    /// <summary>What to show the person who configured the provider.</summary>
    public string UserMessage { get; }

    /// <summary>The provider's HTTP status, when it answered with one.</summary>
    public int? StatusCode { get; }

    /// <summary>True when trying again later may help (rate limit, server error, timeout, unreachable).</summary>
    public bool IsTransient { get; }

    /// <summary>The provider's own error text (shortened, key redacted), when it sent one.</summary>
    public string? ProviderDetail { get; }

    internal static bool IsTransientStatus(int status) => status is 408 or 429 or 500 or 502 or 503 or 504;

    internal static LlmProviderException FromStatus(int status, int attempts, string? detail, Exception? inner = null)
    {
        var tries = attempts == 1 ? "1 attempt" : $"{attempts} attempts";
        var message = status switch
        {
            401 => "The provider rejected the API key (401). Check the key in Providers.",
            403 => "The provider refused access (403). Check that the key may use this model.",
            404 => "The provider does not know this model or address (404). Check the model name and the base URL.",
            408 => $"The provider timed out the request (408) and still did after {tries}.",
            429 => $"The provider is rate limiting requests (429) and still refused after {tries}.",
            500 or 502 or 503 or 504 => $"The provider had a server error ({status}) and still failed after {tries}.",
            _ when status >= 500 => $"The provider had a server error ({status}).",
            _ => $"The provider rejected the request ({status}).",
        };
        return new LlmProviderException(message, status, IsTransientStatus(status), detail, inner);
    }

    internal static LlmProviderException Timeout(TimeSpan timeout, Exception? inner = null) =>
        new($"The provider did not answer within {timeout.TotalSeconds.ToString("0.##", CultureInfo.InvariantCulture)} s.",
            statusCode: null, isTransient: true, providerDetail: null, inner);

    internal static LlmProviderException Unreachable(Uri? uri, Exception inner)
    {
        var where = uri is null ? "the provider" : uri.GetLeftPart(UriPartial.Authority);
        return new LlmProviderException($"Could not reach {where}: {Reason(inner)}.", statusCode: null, isTransient: true, providerDetail: null, inner);
    }

    internal static LlmProviderException Configuration(string message) => new(message);

    private static string Reason(Exception ex)
    {
        for (var e = ex; e is not null; e = e.InnerException)
        {
            if (e is Outbound.OutboundBlockedException blocked)
            {
                return blocked.Message;
            }
            if (e is SocketException socket)
            {
                return socket.SocketErrorCode switch
                {
                    SocketError.ConnectionRefused => "connection refused",
                    SocketError.HostNotFound or SocketError.NoData or SocketError.TryAgain => "host not found",
                    SocketError.TimedOut => "connection timed out",
                    SocketError.NetworkUnreachable or SocketError.HostUnreachable => "network unreachable",
                    SocketError.ConnectionReset => "the connection was reset",
                    _ => socket.Message.TrimEnd('.'),
                };
            }
        }
        if (ex is HttpRequestException http)
        {
            return http.HttpRequestError switch
            {
                HttpRequestError.NameResolutionError => "host not found",
                HttpRequestError.SecureConnectionError => "the secure (TLS) connection failed",
                HttpRequestError.ResponseEnded => "the connection closed before the answer was complete",
                _ => http.Message.TrimEnd('.'),
            };
        }
        return ex.Message.TrimEnd('.');
    }
}
