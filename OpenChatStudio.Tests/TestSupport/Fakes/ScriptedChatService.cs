using System.Runtime.CompilerServices;
using System.Text.Json;
using UsageDetails = Microsoft.Extensions.AI.UsageDetails;
using Microsoft.SemanticKernel;
using Microsoft.SemanticKernel.ChatCompletion;
using OpenChatStudio.Core.Llm;

namespace OpenChatStudio.Tests.TestSupport.Fakes;

/// <summary>
/// A Semantic Kernel chat service that replies from a script (as OCS's build_fake_llm_service): each call takes the
/// next step — text, or a tool call. Records what it was sent. For engine unit tests; wire-protocol behaviour is tested
/// against real local HTTP servers.
/// </summary>
public sealed class ScriptedChatService : IChatCompletionService
{
    private readonly Queue<Step> _script = new();
    private readonly object _sync = new();

    public List<(ChatHistory History, bool ToolsOffered, IReadOnlyList<string> ToolNames)> Requests { get; } = [];

    public IReadOnlyDictionary<string, object?> Attributes { get; } = new Dictionary<string, object?>();

    /// <summary>Runs when a request arrives, before the reply (e.g. to change the database while a turn is in flight).</summary>
    public Func<Task>? OnRequest { get; set; }

    /// <summary>Reply used when the script is empty.</summary>
    public string Fallback { get; set; } = "(no scripted reply)";

    public ScriptedChatService Reply(params string[] texts)
    {
        foreach (var text in texts)
        {
            _script.Enqueue(new Step(text, null, null, null));
        }
        return this;
    }

    public ScriptedChatService CallTool(string function, object arguments, string plugin = "ocs")
    {
        _script.Enqueue(new Step(null, plugin, function, JsonSerializer.SerializeToElement(arguments)));
        return this;
    }

    public static LlmBinding Bind(ScriptedChatService service, decimal inputPerMillion = 0, decimal outputPerMillion = 0, int contextWindow = 100_000) =>
        new(service, new LlmModelInfo("scripted", contextWindow, inputPerMillion, outputPerMillion), "Scripted");

    public async Task<IReadOnlyList<ChatMessageContent>> GetChatMessageContentsAsync(
        ChatHistory chatHistory, PromptExecutionSettings? executionSettings = null, Kernel? kernel = null, CancellationToken cancellationToken = default)
    {
        if (OnRequest is { } hook)
        {
            await hook();
        }
        var step = Next(chatHistory, executionSettings, kernel);
        var message = new ChatMessageContent(AuthorRole.Assistant, step.Text, metadata: Usage(chatHistory, step));
        if (step.Function is not null)
        {
            message.Items.Add(new FunctionCallContent(step.Function, step.Plugin, "call_" + Requests.Count, Arguments(step)));
        }
        return [message];
    }

    public async IAsyncEnumerable<StreamingChatMessageContent> GetStreamingChatMessageContentsAsync(
        ChatHistory chatHistory, PromptExecutionSettings? executionSettings = null, Kernel? kernel = null,
        [EnumeratorCancellation] CancellationToken cancellationToken = default)
    {
        if (OnRequest is { } hook)
        {
            await hook();
        }
        var step = Next(chatHistory, executionSettings, kernel);
        if (step.Function is not null)
        {
            var update = new StreamingChatMessageContent(AuthorRole.Assistant, null);
            update.Items.Add(new StreamingFunctionCallUpdateContent("call_" + Requests.Count, $"{step.Plugin}-{step.Function}", step.Arguments!.Value.GetRawText(), 0));
            yield return update;
        }
        var text = step.Text ?? "";
        for (var i = 0; i < text.Length; i += 3)
        {
            await Task.Yield();
            cancellationToken.ThrowIfCancellationRequested();
            yield return new StreamingChatMessageContent(AuthorRole.Assistant, text.Substring(i, Math.Min(3, text.Length - i)));
        }
        yield return new StreamingChatMessageContent(AuthorRole.Assistant, null, metadata: Usage(chatHistory, step));
    }

    private Step Next(ChatHistory history, PromptExecutionSettings? settings, Kernel? kernel)
    {
        lock (_sync)
        {
            var tools = settings?.FunctionChoiceBehavior is not null && kernel is not null
                ? kernel.Plugins.SelectMany(p => p.Select(f => $"{p.Name}-{f.Name}")).ToList()
                : [];
            Requests.Add((new ChatHistory(history), tools.Count > 0, tools));
            return _script.Count > 0 ? _script.Dequeue() : new Step(Fallback, null, null, null);
        }
    }

    private static KernelArguments Arguments(Step step)
    {
        var args = new KernelArguments();
        foreach (var p in step.Arguments!.Value.EnumerateObject())
        {
            args[p.Name] = p.Value.ValueKind == JsonValueKind.String ? p.Value.GetString() : p.Value.GetRawText();
        }
        return args;
    }

    private static Dictionary<string, object?> Usage(ChatHistory history, Step step) => new()
    {
        ["Usage"] = new UsageDetails
        {
            InputTokenCount = history.Sum(m => (m.Content ?? "").Length) / 4 + 1,
            OutputTokenCount = (step.Text ?? step.Function ?? "").Length / 4 + 1,
        },
    };

    private sealed record Step(string? Text, string? Plugin, string? Function, JsonElement? Arguments);
}

/// <summary>Resolves every provider/model to one scripted service.</summary>
public sealed class ScriptedLlmResolver(LlmBinding binding) : ILlmResolver
{
    public List<(Guid ProviderId, string Model)> Resolved { get; } = [];

    public Task<LlmBinding> ResolveAsync(Guid providerId, string model, CancellationToken ct)
    {
        lock (Resolved)
        {
            Resolved.Add((providerId, model));
        }
        return Task.FromResult(binding);
    }
}
