using Microsoft.SemanticKernel.ChatCompletion;

namespace OpenChatStudio.Core.Llm;

/// <summary>Turns a node's provider + model into a Semantic Kernel chat service (team providers, or the offline model).</summary>
public interface ILlmResolver
{
    /// <summary>Throws <see cref="Pipelines.Execution.PipelineNodeException"/> with a clear message when the provider is unknown.</summary>
    Task<LlmBinding> ResolveAsync(Guid providerId, string model, CancellationToken ct);
}

/// <summary>A ready-to-use chat service for one model, with what the model costs and can hold.</summary>
public sealed record LlmBinding(IChatCompletionService Chat, LlmModelInfo Model, string ProviderName)
{
    /// <summary>
    /// Whether images may be sent as image content. True for the hosted provider types whose chat APIs take images
    /// (OpenAI, Azure OpenAI, Anthropic, Ollama); an OpenAI-compatible server or the offline model gets a text note instead.
    /// </summary>
    public bool SupportsImages { get; init; } = Chat is ResilientChatCompletionService { SupportsImages: true };
}

/// <summary>Catalogue entry: name, context window and price per million tokens (0 when unknown or free).</summary>
public sealed record LlmModelInfo(string Name, int ContextWindow, decimal InputPerMillion = 0, decimal OutputPerMillion = 0)
{
    public decimal CostOf(long inputTokens, long outputTokens) =>
        (inputTokens * InputPerMillion + outputTokens * OutputPerMillion) / 1_000_000m;
}
