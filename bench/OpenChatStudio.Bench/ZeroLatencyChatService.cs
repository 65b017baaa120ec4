using System.Runtime.CompilerServices;
using Microsoft.SemanticKernel;
using Microsoft.SemanticKernel.ChatCompletion;
using OpenChatStudio.Core.Llm;

namespace OpenChatStudio.Bench;

/// <summary>A chat service that answers instantly: routers get a JSON route, everyone else a short sentence.</summary>
public sealed class ZeroLatencyChatService : IChatCompletionService, ILlmResolver
{
    private static readonly IReadOnlyList<ChatMessageContent> Route = [new(AuthorRole.Assistant, "{\"route\":\"SUPPORT\"}")];
    private static readonly IReadOnlyList<ChatMessageContent> Answer = [new(AuthorRole.Assistant, "Here is a short helpful answer.")];
    private readonly LlmBinding _binding;

    public ZeroLatencyChatService() => _binding = new LlmBinding(this, new LlmModelInfo("zero", 128_000), "bench");

    public IReadOnlyDictionary<string, object?> Attributes { get; } = new Dictionary<string, object?>();

    public Task<LlmBinding> ResolveAsync(Guid providerId, string model, CancellationToken ct) => Task.FromResult(_binding);

    public Task<IReadOnlyList<ChatMessageContent>> GetChatMessageContentsAsync(
        ChatHistory chatHistory, PromptExecutionSettings? executionSettings = null, Kernel? kernel = null, CancellationToken cancellationToken = default) =>
        Task.FromResult(chatHistory[0].Content!.Contains("\"route\"", StringComparison.Ordinal) ? Route : Answer);

    public async IAsyncEnumerable<StreamingChatMessageContent> GetStreamingChatMessageContentsAsync(
        ChatHistory chatHistory, PromptExecutionSettings? executionSettings = null, Kernel? kernel = null,
        [EnumeratorCancellation] CancellationToken cancellationToken = default)
    {
        var reply = (await GetChatMessageContentsAsync(chatHistory, executionSettings, kernel, cancellationToken))[0].Content!;
        yield return new StreamingChatMessageContent(AuthorRole.Assistant, reply);
    }
}
