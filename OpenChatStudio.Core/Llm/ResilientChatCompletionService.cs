using System.ClientModel;
using System.Net.Http;
using System.Runtime.CompilerServices;
using Microsoft.Extensions.Logging;
using Microsoft.SemanticKernel;
using Microsoft.SemanticKernel.ChatCompletion;

namespace OpenChatStudio.Core.Llm;

/// <summary>
/// Wraps a provider's chat service with the call timeout and turns every failure into an <see cref="LlmProviderException"/>.
/// Retries happen below, in <see cref="LlmRetryHandler"/>, so they are counted inside the timeout.
/// </summary>
internal sealed class ResilientChatCompletionService(
    IChatCompletionService inner, LlmOptions options, ILogger logger, LlmProviderType providerType, string model) : IChatCompletionService
{
    public IReadOnlyDictionary<string, object?> Attributes => inner.Attributes;

    /// <summary>Provider types whose chat API accepts image content (see <see cref="LlmBinding.SupportsImages"/>).</summary>
    public bool SupportsImages => providerType is LlmProviderType.OpenAI or LlmProviderType.AzureOpenAI or LlmProviderType.Anthropic or LlmProviderType.Ollama;

    public async Task<IReadOnlyList<ChatMessageContent>> GetChatMessageContentsAsync(
        ChatHistory chatHistory, PromptExecutionSettings? executionSettings = null, Kernel? kernel = null, CancellationToken cancellationToken = default)
    {
        using var timeout = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        timeout.CancelAfter(options.Timeout);
        logger.LogDebug("Calling {ProviderType} model {Model} with {MessageCount} messages", providerType, model, chatHistory.Count);
        try
        {
            return await inner.GetChatMessageContentsAsync(chatHistory, executionSettings, kernel, timeout.Token);
        }
        catch (Exception ex) when (Translate(ex, timeout, cancellationToken) is { } failure)
        {
            Log(failure);
            throw failure;
        }
    }

    public async IAsyncEnumerable<StreamingChatMessageContent> GetStreamingChatMessageContentsAsync(
        ChatHistory chatHistory, PromptExecutionSettings? executionSettings = null, Kernel? kernel = null,
        [EnumeratorCancellation] CancellationToken cancellationToken = default)
    {
        using var timeout = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        logger.LogDebug("Streaming from {ProviderType} model {Model} with {MessageCount} messages", providerType, model, chatHistory.Count);
        IAsyncEnumerator<StreamingChatMessageContent> enumerator;
        try
        {
            enumerator = inner.GetStreamingChatMessageContentsAsync(chatHistory, executionSettings, kernel, timeout.Token)
                .GetAsyncEnumerator(timeout.Token);
        }
        catch (Exception ex) when (Translate(ex, timeout, cancellationToken) is { } failure)
        {
            Log(failure);
            throw failure;
        }

        await using (enumerator)
        {
            while (true)
            {
                // The clock runs only while we wait for the provider: the first chunk, and each one after it, must come
                // within the timeout; time the caller spends on a chunk does not count.
                timeout.CancelAfter(options.Timeout);
                StreamingChatMessageContent current;
                try
                {
                    if (!await enumerator.MoveNextAsync())
                    {
                        yield break;
                    }
                    current = enumerator.Current;
                }
                catch (Exception ex) when (Translate(ex, timeout, cancellationToken) is { } failure)
                {
                    Log(failure);
                    throw failure;
                }
                timeout.CancelAfter(Timeout.InfiniteTimeSpan);
                yield return current;
            }
        }
    }

    private void Log(LlmProviderException failure) =>
        logger.LogWarning("{ProviderType} model {Model} failed: {UserMessage} (status {StatusCode}, transient {IsTransient})",
            providerType, model, failure.UserMessage, failure.StatusCode, failure.IsTransient);

    /// <summary>Null (rethrow as is) only when the caller cancelled; everything else becomes an <see cref="LlmProviderException"/>.</summary>
    private LlmProviderException? Translate(Exception ex, CancellationTokenSource timeout, CancellationToken callerToken)
    {
        if (callerToken.IsCancellationRequested)
        {
            return null;
        }
        if (Chain(ex).OfType<LlmProviderException>().FirstOrDefault() is { } known)
        {
            return known;
        }
        if (timeout.IsCancellationRequested || Chain(ex).Any(e => e is TimeoutException or OperationCanceledException))
        {
            return LlmProviderException.Timeout(options.Timeout, ex);
        }
        foreach (var e in Chain(ex))
        {
            switch (e)
            {
                case HttpOperationException { StatusCode: { } status }:
                    return LlmProviderException.FromStatus((int)status, 1, null, ex);
                case ClientResultException { Status: > 0 } result:
                    return LlmProviderException.FromStatus(result.Status, 1, null, ex);
                case HttpRequestException { StatusCode: { } status }:
                    return LlmProviderException.FromStatus((int)status, 1, null, ex);
                case HttpRequestException http:
                    return LlmProviderException.Unreachable(null, http);
            }
        }
        return new LlmProviderException($"The {providerType} provider call failed: {ex.Message}", innerException: ex);
    }

    private static IEnumerable<Exception> Chain(Exception ex)
    {
        for (var e = ex; e is not null; e = e.InnerException)
        {
            yield return e;
            if (e is AggregateException aggregate)
            {
                foreach (var inner in aggregate.InnerExceptions.SelectMany(Chain))
                {
                    yield return inner;
                }
            }
        }
    }
}
