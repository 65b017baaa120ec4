using System.Runtime.CompilerServices;
using Microsoft.SemanticKernel;
using Microsoft.SemanticKernel.ChatCompletion;

namespace OpenChatStudio.Core.Llm;

/// <summary>
/// An <see cref="Microsoft.Extensions.AI.IChatClient"/> provider (Anthropic, Ollama) behind SK's <c>AsChatCompletionService()</c> bridge, with the
/// bridge's gaps closed so callers see the same shapes as from SK's OpenAI connector:
/// <list type="bullet">
/// <item>Tools go out as <c>plugin_function</c> (the bridge's naming). Calls coming back are split into
/// <see cref="FunctionCallContent.PluginName"/> + <see cref="FunctionCallContent.FunctionName"/> (the bridge leaves the plugin empty,
/// so <c>InvokeAsync(kernel)</c> would not find the function); streaming updates are renamed <c>plugin-function</c> and given a
/// distinct <see cref="StreamingFunctionCallUpdateContent.FunctionCallIndex"/> per call, so <see cref="FunctionCallContentBuilder"/>
/// rebuilds them.</item>
/// <item>Calls already in the history are sent back under the name the tool was offered with (<c>plugin_function</c>).</item>
/// <item>The caller's history is never modified (the bridge appends streamed tool calls to the history it is given).</item>
/// </list>
/// </summary>
internal sealed class ChatClientCompletionService : IChatCompletionService
{
    private readonly IChatCompletionService _bridge;

    public ChatClientCompletionService(Microsoft.Extensions.AI.IChatClient client)
    {
#pragma warning disable SKEXP0001 // AsChatCompletionService is marked experimental; it is the documented bridge.
        _bridge = client.AsChatCompletionService();
#pragma warning restore SKEXP0001
    }

    public IReadOnlyDictionary<string, object?> Attributes => _bridge.Attributes;

    public async Task<IReadOnlyList<ChatMessageContent>> GetChatMessageContentsAsync(
        ChatHistory chatHistory, PromptExecutionSettings? executionSettings = null, Kernel? kernel = null, CancellationToken cancellationToken = default)
    {
        var results = await _bridge.GetChatMessageContentsAsync(OutgoingHistory(chatHistory), executionSettings, kernel, cancellationToken);
        foreach (var message in results)
        {
            for (var i = 0; i < message.Items.Count; i++)
            {
                if (message.Items[i] is FunctionCallContent { PluginName: null } call)
                {
                    var (plugin, function) = KernelToolNames.Resolve(call.FunctionName, kernel);
                    message.Items[i] = new FunctionCallContent(function, plugin, call.Id, call.Arguments)
                    {
                        InnerContent = call.InnerContent,
                        Metadata = call.Metadata,
                        ModelId = call.ModelId,
                        Exception = call.Exception,
                    };
                }
            }
        }
        return results;
    }

    public async IAsyncEnumerable<StreamingChatMessageContent> GetStreamingChatMessageContentsAsync(
        ChatHistory chatHistory, PromptExecutionSettings? executionSettings = null, Kernel? kernel = null,
        [EnumeratorCancellation] CancellationToken cancellationToken = default)
    {
        var callIndexes = new Dictionary<string, int>(StringComparer.Ordinal);
        await foreach (var update in _bridge.GetStreamingChatMessageContentsAsync(OutgoingHistory(chatHistory), executionSettings, kernel, cancellationToken))
        {
            for (var i = 0; i < update.Items.Count; i++)
            {
                if (update.Items[i] is StreamingFunctionCallUpdateContent call)
                {
                    var id = call.CallId ?? $"call_{callIndexes.Count}";
                    if (!callIndexes.TryGetValue(id, out var index))
                    {
                        callIndexes[id] = index = callIndexes.Count;
                    }
                    var (plugin, function) = KernelToolNames.Resolve(call.Name ?? "", kernel);
                    var name = KernelToolNames.Qualified(function, plugin);
                    update.Items[i] = new StreamingFunctionCallUpdateContent(id, name, call.Arguments, index)
                    {
                        ModelId = call.ModelId,
                        InnerContent = call.InnerContent,
                        Metadata = call.Metadata,
                    };
                }
            }
            yield return update;
        }
    }

    /// <summary>A copy of the history in which function calls carry the name their tool was offered under.</summary>
    private static ChatHistory OutgoingHistory(ChatHistory history)
    {
        var copy = new ChatHistory();
        foreach (var message in history)
        {
            if (!message.Items.Any(item => item is FunctionCallContent { PluginName: not null }))
            {
                copy.Add(message);
                continue;
            }
            var items = new ChatMessageContentItemCollection();
            foreach (var item in message.Items)
            {
                items.Add(item is FunctionCallContent { PluginName: { } plugin } call
                    ? new FunctionCallContent($"{plugin}_{call.FunctionName}", pluginName: null, call.Id, call.Arguments)
                    {
                        InnerContent = call.InnerContent,
                        Metadata = call.Metadata,
                        ModelId = call.ModelId,
                    }
                    : item);
            }
            copy.Add(new ChatMessageContent(message.Role, items, message.ModelId, message.InnerContent, message.Encoding, message.Metadata)
            {
                AuthorName = message.AuthorName,
            });
        }
        return copy;
    }
}
