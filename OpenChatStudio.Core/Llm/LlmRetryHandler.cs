using System.Globalization;
using System.Net.Http;
using System.Text.Json;
using Microsoft.Extensions.Logging;

namespace OpenChatStudio.Core.Llm;

/// <summary>
/// The one place provider HTTP calls are retried (the SDKs' own retries are switched off): 408/429/500/502/503/504 and
/// connection failures, exponential backoff with jitter, <c>Retry-After</c> honoured up to <see cref="LlmOptions.MaxRetryDelay"/>.
/// A final failure becomes an <see cref="LlmProviderException"/>; any other non-success status is not retried.
/// </summary>
internal sealed class LlmRetryHandler(LlmOptions options, ILogger logger, TimeProvider time) : DelegatingHandler
{
    private const int MaxDetailLength = 300;

    protected override async Task<HttpResponseMessage> SendAsync(HttpRequestMessage request, CancellationToken cancellationToken)
    {
        // Buffer the body once so every attempt sends the same bytes.
        if (request.Content is not null)
        {
            await request.Content.LoadIntoBufferAsync(cancellationToken);
        }

        var endpoint = request.RequestUri?.GetLeftPart(UriPartial.Authority) ?? "(unknown)";
        for (var attempt = 1; ; attempt++)
        {
            HttpResponseMessage response;
            try
            {
                response = await base.SendAsync(request, cancellationToken);
            }
            catch (HttpRequestException ex) when (!cancellationToken.IsCancellationRequested)
            {
                if (attempt >= options.MaxAttempts)
                {
                    throw LlmProviderException.Unreachable(request.RequestUri, ex);
                }
                var wait = Backoff(attempt);
                logger.LogWarning("LLM request to {Endpoint} could not connect ({Error}); retrying in {DelayMs} ms (attempt {Attempt} of {MaxAttempts})",
                    endpoint, ex.HttpRequestError, (long)wait.TotalMilliseconds, attempt, options.MaxAttempts);
                await Task.Delay(wait, time, cancellationToken);
                continue;
            }

            if (response.IsSuccessStatusCode)
            {
                return response;
            }

            var status = (int)response.StatusCode;
            if (LlmProviderException.IsTransientStatus(status) && attempt < options.MaxAttempts)
            {
                var wait = RetryAfter(response) ?? Backoff(attempt);
                if (wait > options.MaxRetryDelay)
                {
                    wait = options.MaxRetryDelay;
                }
                response.Dispose();
                logger.LogWarning("LLM request to {Endpoint} answered {StatusCode}; retrying in {DelayMs} ms (attempt {Attempt} of {MaxAttempts})",
                    endpoint, status, (long)wait.TotalMilliseconds, attempt, options.MaxAttempts);
                await Task.Delay(wait, time, cancellationToken);
                continue;
            }

            string? detail;
            using (response)
            {
                detail = await ReadDetailAsync(request, response, cancellationToken);
            }
            logger.LogWarning("LLM request to {Endpoint} failed with {StatusCode} after {Attempts} attempt(s)", endpoint, status, attempt);
            throw LlmProviderException.FromStatus(status, attempt, detail);
        }
    }

    private TimeSpan Backoff(int attempt)
    {
        var baseMs = options.RetryBaseDelay.TotalMilliseconds * Math.Pow(2, attempt - 1);
        var jittered = baseMs * (0.75 + Random.Shared.NextDouble() * 0.5);
        return TimeSpan.FromMilliseconds(Math.Min(jittered, options.MaxRetryDelay.TotalMilliseconds));
    }

    private TimeSpan? RetryAfter(HttpResponseMessage response)
    {
        // Some providers (OpenAI, Azure) send a precise millisecond hint next to the standard header.
        if (response.Headers.TryGetValues("retry-after-ms", out var msValues)
            && double.TryParse(msValues.FirstOrDefault(), NumberStyles.Float, CultureInfo.InvariantCulture, out var ms) && ms >= 0)
        {
            return TimeSpan.FromMilliseconds(ms);
        }
        var header = response.Headers.RetryAfter;
        if (header?.Delta is { } delta)
        {
            return delta < TimeSpan.Zero ? TimeSpan.Zero : delta;
        }
        if (header?.Date is { } date)
        {
            var wait = date - time.GetUtcNow();
            return wait < TimeSpan.Zero ? TimeSpan.Zero : wait;
        }
        return null;
    }

    /// <summary>The provider's error text (OpenAI/Azure/Anthropic/Ollama shapes), shortened, with the request's key removed.</summary>
    private static async Task<string?> ReadDetailAsync(HttpRequestMessage request, HttpResponseMessage response, CancellationToken ct)
    {
        string body;
        try
        {
            body = await response.Content.ReadAsStringAsync(ct);
        }
        catch (Exception ex) when (ex is HttpRequestException or IOException)
        {
            return null;
        }
        if (string.IsNullOrWhiteSpace(body))
        {
            return null;
        }

        var text = ErrorText(body) ?? body;
        foreach (var secret in Secrets(request))
        {
            text = text.Replace(secret, "***", StringComparison.Ordinal);
        }
        text = string.Join(' ', text.Split((char[]?)null, StringSplitOptions.RemoveEmptyEntries));
        return text.Length > MaxDetailLength ? text[..MaxDetailLength] + "…" : text;
    }

    private static string? ErrorText(string body)
    {
        try
        {
            using var doc = JsonDocument.Parse(body);
            var root = doc.RootElement;
            if (root.ValueKind != JsonValueKind.Object || !root.TryGetProperty("error", out var error))
            {
                return root.ValueKind == JsonValueKind.Object && root.TryGetProperty("message", out var m) && m.ValueKind == JsonValueKind.String
                    ? m.GetString()
                    : null;
            }
            return error.ValueKind switch
            {
                JsonValueKind.String => error.GetString(),
                JsonValueKind.Object when error.TryGetProperty("message", out var message) && message.ValueKind == JsonValueKind.String => message.GetString(),
                _ => null,
            };
        }
        catch (JsonException)
        {
            return null;
        }
    }

    private static IEnumerable<string> Secrets(HttpRequestMessage request)
    {
        if (request.Headers.Authorization?.Parameter is { Length: > 0 } bearer)
        {
            yield return bearer;
        }
        foreach (var name in new[] { "api-key", "x-api-key" })
        {
            if (request.Headers.TryGetValues(name, out var values))
            {
                foreach (var value in values.Where(v => v.Length > 0))
                {
                    yield return value;
                }
            }
        }
    }
}
