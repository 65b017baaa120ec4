using System.Text;
using Microsoft.SemanticKernel;
using Microsoft.SemanticKernel.ChatCompletion;
using OpenChatStudio.Core.Llm;
using OpenChatStudio.Core.Observability;
using OpenChatStudio.Core.Pipelines.Execution;

namespace OpenChatStudio.Core.Pipelines.Llm;

/// <summary>
/// One LLM turn through Semantic Kernel with a kernel per call, the node's tools as a plugin, and the tool loop run here
/// (auto-invoke off) so every tool call lands in the node's trace. Streams tokens when the node's output is the reply.
/// </summary>
public static class LlmCall
{
    public const int MaxToolRounds = 8;

    public static async Task<string> RunAsync(
        NodeContext context, LlmBinding binding, ChatHistory history, KernelPlugin? tools, double? temperature, bool stream, CancellationToken ct)
    {
        var kernel = new Kernel();
        // The participant's time zone, for models that read clock times themselves (the built-in offline model).
        if (Scheduling.ParticipantTimeZone.From(context.State.ParticipantData) is { } zoneId)
        {
            kernel.Data[OfflineReminders.TimeZoneKey] = zoneId;
        }
        if (tools is not null)
        {
            kernel.Plugins.Add(tools);
            kernel.FunctionInvocationFilters.Add(new ToolTraceFilter(context));
        }
        var settings = new PromptExecutionSettings
        {
            FunctionChoiceBehavior = tools is { FunctionCount: > 0 } ? FunctionChoiceBehavior.Auto(autoInvoke: false) : null,
        };
        if (temperature is { } t)
        {
            settings.ExtensionData = new Dictionary<string, object> { ["temperature"] = t };
        }

        for (var round = 0; round < MaxToolRounds; round++)
        {
            context.RecordPrompt(PromptOf(binding, history));
            var (text, calls, usage) = await TracedOnceAsync(context, binding, history, settings, kernel, stream, ct);
            if (usage is { } u)
            {
                context.RecordUsage(new LlmUsage(binding.Model.Name, u.InputTokens, u.OutputTokens, binding.Model.CostOf(u.InputTokens, u.OutputTokens)));
            }
            if (calls.Count == 0)
            {
                return text;
            }
            var assistant = new ChatMessageContent(AuthorRole.Assistant, string.IsNullOrEmpty(text) ? null : text);
            foreach (var call in calls)
            {
                assistant.Items.Add(call);
            }
            history.Add(assistant);
            foreach (var call in calls)
            {
                FunctionResultContent result;
                try
                {
                    result = await call.InvokeAsync(kernel, ct);
                }
                catch (Exception ex) when (ex is not OperationCanceledException)
                {
                    // Unknown function names never reach the filter; say so in the trace and tell the model.
                    if (!kernel.Plugins.TryGetFunction(call.PluginName, call.FunctionName, out _))
                    {
                        context.Note($"The model called an unknown tool '{call.FunctionName}'.");
                    }
                    result = new FunctionResultContent(call, $"Error: {ex.Message}");
                }
                history.Add(result.ToChatMessage());
            }
        }
        throw new PipelineNodeException($"The model kept calling tools after {MaxToolRounds} rounds; stopped.");
    }

    /// <summary>The messages as sent: text as the model reads it, tool calls and results named, long texts cut for the trace.</summary>
    private static LlmPrompt PromptOf(LlmBinding binding, ChatHistory history) => new(binding.Model.Name, history.Select(m =>
    {
        var text = m.Content;
        if (string.IsNullOrEmpty(text))
        {
            text = string.Join("; ", m.Items.Select(i => i switch
            {
                FunctionCallContent call => $"[calls {call.FunctionName}]",
                FunctionResultContent result => $"[{result.FunctionName} returned] {result.Result}",
                ImageContent => "[image]",
                _ => $"[{i.GetType().Name}]",
            }));
        }
        if (text.Length > LlmPrompt.MaxMessageLength)
        {
            text = text[..LlmPrompt.MaxMessageLength] + " …";
        }
        return new PromptMessage(m.Role.Label, text);
    }).ToList());

    /// <summary>One model call as a GenAI span ("chat {model}") with its token usage, and the GenAI metrics.</summary>
    private static async Task<(string Text, IReadOnlyList<FunctionCallContent> Calls, (long InputTokens, long OutputTokens)? Usage)> TracedOnceAsync(
        NodeContext context, LlmBinding binding, ChatHistory history, PromptExecutionSettings settings, Kernel kernel, bool stream, CancellationToken ct)
    {
        using var activity = ChatTelemetry.Source.StartActivity("chat " + binding.Model.Name, System.Diagnostics.ActivityKind.Client);
        activity?.SetTag(ChatTelemetry.GenAiOperation, "chat");
        activity?.SetTag(ChatTelemetry.GenAiProvider, binding.ProviderName);
        activity?.SetTag(ChatTelemetry.GenAiRequestModel, binding.Model.Name);
        var started = System.Diagnostics.Stopwatch.GetTimestamp();
        var tags = new System.Diagnostics.TagList
        {
            { ChatTelemetry.GenAiOperation, "chat" }, { ChatTelemetry.GenAiProvider, binding.ProviderName }, { ChatTelemetry.GenAiRequestModel, binding.Model.Name },
        };
        try
        {
            var result = stream
                ? await StreamOnceAsync(context, binding, history, settings, kernel, ct)
                : await CompleteOnceAsync(binding, history, settings, kernel, ct);
            if (result.Usage is { } u)
            {
                activity?.SetTag(ChatTelemetry.GenAiInputTokens, u.InputTokens);
                activity?.SetTag(ChatTelemetry.GenAiOutputTokens, u.OutputTokens);
                var input = tags;
                input.Add(ChatTelemetry.GenAiTokenType, "input");
                ChatTelemetry.TokenUsage.Record(u.InputTokens, input);
                var output = tags;
                output.Add(ChatTelemetry.GenAiTokenType, "output");
                ChatTelemetry.TokenUsage.Record(u.OutputTokens, output);
            }
            return result;
        }
        catch (Exception ex)
        {
            ChatTelemetry.Fail(activity, ex.GetType().Name);
            tags.Add("error.type", ex.GetType().Name);
            throw;
        }
        finally
        {
            ChatTelemetry.OperationDuration.Record(System.Diagnostics.Stopwatch.GetElapsedTime(started).TotalSeconds, tags);
        }
    }

    private static async Task<(string Text, IReadOnlyList<FunctionCallContent> Calls, (long InputTokens, long OutputTokens)? Usage)> CompleteOnceAsync(
        LlmBinding binding, ChatHistory history, PromptExecutionSettings settings, Kernel kernel, CancellationToken ct)
    {
        var message = await binding.Chat.GetChatMessageContentAsync(history, settings, kernel, ct);
        return (message.Content ?? "", FunctionCallContent.GetFunctionCalls(message).ToList(), LlmUsageReader.Read(message.Metadata));
    }

    private static async Task<(string Text, IReadOnlyList<FunctionCallContent> Calls, (long InputTokens, long OutputTokens)? Usage)> StreamOnceAsync(
        NodeContext context, LlmBinding binding, ChatHistory history, PromptExecutionSettings settings, Kernel kernel, CancellationToken ct)
    {
        var text = new StringBuilder();
        var calls = new FunctionCallContentBuilder();
        (long, long)? usage = null;
        await foreach (var chunk in binding.Chat.GetStreamingChatMessageContentsAsync(history, settings, kernel, ct))
        {
            if (!string.IsNullOrEmpty(chunk.Content))
            {
                text.Append(chunk.Content);
                await context.StreamAsync(chunk.Content);
            }
            calls.Append(chunk);
            usage = LlmUsageReader.Read(chunk.Metadata) ?? usage;
        }
        return (text.ToString(), calls.Build(), usage);
    }
}
