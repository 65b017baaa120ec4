using System.Runtime.CompilerServices;
using System.Text.Json;
using Microsoft.Extensions.AI;
using Microsoft.SemanticKernel;
using Microsoft.SemanticKernel.ChatCompletion;
using Microsoft.SemanticKernel.Services;
using SkFunctionCallContent = Microsoft.SemanticKernel.FunctionCallContent;
using SkFunctionResultContent = Microsoft.SemanticKernel.FunctionResultContent;

namespace OpenChatStudio.Core.Llm;

/// <summary>
/// The built-in offline model: deterministic, no network, clearly not a real LLM. It lets a fresh install, tests and demos
/// drive chat, routers, extractors and tools. In order of precedence it:
/// <list type="number">
/// <item>after tool results (the last message carries <see cref="SkFunctionResultContent"/>) says
/// <c>Offline model: done. &lt;function&gt; returned: &lt;result&gt;.</c>;</item>
/// <item>when tools are offered and the last user message names one, calls it (arguments from <c>key=value</c> pairs);</item>
/// <item>when the one-off reminder tool is offered and the last user message asks for a reminder in natural words
/// ("remind me in a minute to drink water", see <see cref="OfflineReminders"/>), calls it and then confirms;</item>
/// <item>when a system/user message holds <see cref="OfflineModel.JsonSchemaMarker"/> and a schema, answers with only a JSON object;</item>
/// <item>for a bot-initiated message (the runtime's "[Instruction from the system …] prompt" input, used by reminders and
/// event actions) says <c>Offline model: &lt;prompt&gt;</c>;</item>
/// <item>otherwise restates the last user message: <c>Offline model: you said "…".</c></item>
/// </list>
/// Usage (whitespace-separated words in and out) is in <c>Metadata["Usage"]</c> as a <see cref="UsageDetails"/>.
/// The exact rules are in docs/providers.md.
/// </summary>
public sealed class OfflineChatCompletionService(TimeProvider? clock = null) : IChatCompletionService
{
    /// <summary>The tool the offline model calls for natural reminder requests.</summary>
    public const string ReminderTool = "one_off_reminder";

    /// <summary>How the runtime marks a bot-initiated message (ChatRuntime's instruction prefix).</summary>
    internal const string InstructionPrefix = "[Instruction from the system";

    private readonly TimeProvider _clock = clock ?? TimeProvider.System;

    public IReadOnlyDictionary<string, object?> Attributes { get; } =
        new Dictionary<string, object?> { [AIServiceExtensions.ModelIdKey] = OfflineModel.ModelName };

    public async Task<IReadOnlyList<ChatMessageContent>> GetChatMessageContentsAsync(
        ChatHistory chatHistory, PromptExecutionSettings? executionSettings = null, Kernel? kernel = null, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(chatHistory);
        var (text, call) = await AnswerAsync(chatHistory, executionSettings, kernel, cancellationToken);
        var message = call is null
            ? new ChatMessageContent(AuthorRole.Assistant, text, OfflineModel.ModelName)
            : new ChatMessageContent(AuthorRole.Assistant, [call], OfflineModel.ModelName);
        message.Metadata = Metadata(chatHistory, text ?? CallText(call!), call is null ? "stop" : "tool_calls");
        return [message];
    }

    public async IAsyncEnumerable<StreamingChatMessageContent> GetStreamingChatMessageContentsAsync(
        ChatHistory chatHistory, PromptExecutionSettings? executionSettings = null, Kernel? kernel = null,
        [EnumeratorCancellation] CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(chatHistory);
        var (text, call) = await AnswerAsync(chatHistory, executionSettings, kernel, cancellationToken);
        var metadata = Metadata(chatHistory, text ?? CallText(call!), call is null ? "stop" : "tool_calls");

        var chunks = new List<StreamingChatMessageContent>();
        if (call is null)
        {
            chunks.AddRange(Words(text!).Select(word => new StreamingChatMessageContent(AuthorRole.Assistant, word, modelId: OfflineModel.ModelName)));
        }
        else
        {
            // Name and id first, then the arguments in pieces, as real providers stream them.
            var name = KernelToolNames.Qualified(call.FunctionName, call.PluginName);
            chunks.Add(CallChunk(new StreamingFunctionCallUpdateContent(call.Id, name, "", functionCallIndex: 0)));
            chunks.AddRange(Pieces(ArgumentsJson(call), 12).Select(piece => CallChunk(new StreamingFunctionCallUpdateContent(arguments: piece))));
        }
        if (chunks.Count == 0)
        {
            chunks.Add(new StreamingChatMessageContent(AuthorRole.Assistant, "", modelId: OfflineModel.ModelName));
        }
        chunks[^1].Metadata = metadata;

        foreach (var chunk in chunks)
        {
            cancellationToken.ThrowIfCancellationRequested();
            await Task.Yield();
            yield return chunk;
        }
    }

    private static StreamingChatMessageContent CallChunk(StreamingFunctionCallUpdateContent update) =>
        new(AuthorRole.Assistant, content: null, modelId: OfflineModel.ModelName) { Items = [update] };

    /// <summary>Either the reply text or the one function call to make.</summary>
    private async Task<(string? Text, SkFunctionCallContent? Call)> AnswerAsync(
        ChatHistory history, PromptExecutionSettings? settings, Kernel? kernel, CancellationToken ct)
    {
        ct.ThrowIfCancellationRequested();
        if (AfterTools(history) is { } done)
        {
            return (done, null);
        }

        var (functions, autoInvoke) = OfflineToolCalls.Offered(history, settings, kernel);
        if ((OfflineToolCalls.Decide(history, functions) ?? ReminderCall(history, functions, kernel)) is { } call)
        {
            if (!autoInvoke)
            {
                return (null, call);
            }
            // Auto-invoke mode: run it as SK's connectors do (call and result go into the history), then report.
            var result = await call.InvokeAsync(kernel!, ct);
            history.Add(new ChatMessageContent(AuthorRole.Assistant, [call], OfflineModel.ModelName));
            history.Add(result.ToChatMessage());
            return (AfterTools(history), null);
        }

        if (OfflineStructuredOutput.FindSchema(history) is { } schema)
        {
            return (OfflineStructuredOutput.Build(schema, history), null);
        }

        var lastUser = history.LastOrDefault(m => m.Role == AuthorRole.User);
        if (lastUser is not null && Instruction(OfflineText.Prose(lastUser)) is { } instruction)
        {
            return ($"{OfflineModel.ReplyPrefix}{instruction}", null);
        }
        return lastUser is null
            ? ($"{OfflineModel.ReplyPrefix}there is no user message to answer.", null)
            : ($"{OfflineModel.ReplyPrefix}you said \"{OfflineText.Prose(lastUser).Trim()}\".", null);
    }

    /// <summary>The one-off reminder call for a natural "remind me …" request, when that tool is offered.</summary>
    private SkFunctionCallContent? ReminderCall(ChatHistory history, IReadOnlyList<KernelFunction> functions, Kernel? kernel)
    {
        if (history.Count == 0 || history[^1].Role != AuthorRole.User || functions.FirstOrDefault(f => f.Name == ReminderTool) is not { } tool)
        {
            return null;
        }
        var text = OfflineText.Prose(history[^1]);
        if (Instruction(text) is not null || OfflineReminders.Parse(text, _clock.GetUtcNow().UtcDateTime, ParticipantZone(kernel)) is not { } reminder)
        {
            return null;
        }
        var arguments = new KernelArguments
        {
            ["datetime_due"] = reminder.DueUtc.ToString("yyyy-MM-ddTHH:mm:ssZ", System.Globalization.CultureInfo.InvariantCulture),
            ["message"] = reminder.Message,
            ["schedule_name"] = reminder.Name,
        };
        return new SkFunctionCallContent(tool.Name, tool.PluginName, $"call_offline_{history.Count}", arguments);
    }

    /// <summary>The participant's time zone the LLM node passed along, if any.</summary>
    private static TimeZoneInfo? ParticipantZone(Kernel? kernel) =>
        kernel?.Data.TryGetValue(OfflineReminders.TimeZoneKey, out var value) == true && value is string id
            ? Scheduling.Recurrence.Zone(id)
            : null;

    /// <summary>The prompt of a bot-initiated message (after the runtime's bracketed instruction), or null.</summary>
    private static string? Instruction(string text)
    {
        var trimmed = text.TrimStart();
        if (!trimmed.StartsWith(InstructionPrefix, StringComparison.Ordinal) || trimmed.IndexOf(']', StringComparison.Ordinal) is var end && end < 0)
        {
            return null;
        }
        var prompt = trimmed[(end + 1)..].Trim();
        return prompt.Length == 0 ? null : prompt;
    }

    /// <summary>The reply to the tool results at the end of the history, or null when the history does not end with any.</summary>
    private static string? AfterTools(ChatHistory history)
    {
        var results = new List<SkFunctionResultContent>();
        for (var i = history.Count - 1; i >= 0; i--)
        {
            var found = history[i].Items.OfType<SkFunctionResultContent>().ToList();
            if (found.Count == 0)
            {
                break;
            }
            results.InsertRange(0, found);
        }
        if (results.Count == 0)
        {
            return null;
        }
        if (results is [{ FunctionName: ReminderTool } only] && ReminderMessage(history, only.CallId) is { } about)
        {
            return $"{OfflineModel.ReplyPrefix}OK, I will remind you: {about}. {OfflineText.Render(only.Result).Trim().TrimEnd('.')}.";
        }
        var parts = results.Select(r => $"{r.FunctionName ?? "the tool"} returned: {OfflineText.Render(r.Result).Trim().TrimEnd('.')}.");
        return $"{OfflineModel.ReplyPrefix}done. {string.Join(" ", parts)}";
    }

    /// <summary>The <c>message</c> argument of the reminder call with <paramref name="callId"/>.</summary>
    private static string? ReminderMessage(ChatHistory history, string? callId) =>
        history.SelectMany(m => m.Items.OfType<SkFunctionCallContent>())
            .LastOrDefault(c => c.FunctionName == ReminderTool && (callId is null || c.Id == callId))?.Arguments?["message"]?.ToString();

    private static Dictionary<string, object?> Metadata(ChatHistory history, string output, string finishReason)
    {
        long input = history.Sum(m => OfflineText.Words(OfflineText.Of(m))
            + m.Items.OfType<SkFunctionResultContent>().Sum(r => OfflineText.Words(OfflineText.Render(r.Result)))
            + m.Items.OfType<SkFunctionCallContent>().Sum(c => OfflineText.Words(CallText(c))));
        long produced = OfflineText.Words(output);
        return new Dictionary<string, object?>
        {
            [LlmUsageReader.UsageKey] = new UsageDetails { InputTokenCount = input, OutputTokenCount = produced, TotalTokenCount = input + produced },
            [OfflineModel.MetadataKey] = true,
            ["FinishReason"] = finishReason,
        };
    }

    private static string CallText(SkFunctionCallContent call) =>
        $"{KernelToolNames.Qualified(call.FunctionName, call.PluginName)} {ArgumentsJson(call)}";

    private static string ArgumentsJson(SkFunctionCallContent call) =>
        JsonSerializer.Serialize(call.Arguments?.ToDictionary(a => a.Key, a => a.Value) ?? new Dictionary<string, object?>());

    /// <summary>Word-sized pieces that concatenate back to the text (each keeps its trailing whitespace).</summary>
    private static IEnumerable<string> Words(string text)
    {
        var start = 0;
        for (var i = 0; i < text.Length; i++)
        {
            if (char.IsWhiteSpace(text[i]) && (i + 1 == text.Length || !char.IsWhiteSpace(text[i + 1])))
            {
                yield return text[start..(i + 1)];
                start = i + 1;
            }
        }
        if (start < text.Length)
        {
            yield return text[start..];
        }
    }

    private static IEnumerable<string> Pieces(string text, int size)
    {
        for (var i = 0; i < text.Length; i += size)
        {
            yield return text.Substring(i, Math.Min(size, text.Length - i));
        }
    }
}
