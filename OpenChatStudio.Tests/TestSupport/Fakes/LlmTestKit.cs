using Microsoft.Extensions.Options;
using Microsoft.SemanticKernel;
using Microsoft.SemanticKernel.ChatCompletion;
using Microsoft.SemanticKernel.Connectors.OpenAI;
using OpenChatStudio.Core.Llm;

namespace OpenChatStudio.Tests.TestSupport.Fakes;

/// <summary>Factories with test-sized timeouts, a kernel with a small plugin, and common histories.</summary>
public static class LlmTestKit
{
    public static ChatServiceFactory Factory(double timeoutSeconds = 5, int maxRetries = 2, double maxRetryDelaySeconds = 2,
        TimeProvider? time = null) =>
        new(Options.Create(new LlmOptions
        {
            TimeoutSeconds = timeoutSeconds,
            MaxRetries = maxRetries,
            RetryBaseDelayMilliseconds = 10,
            MaxRetryDelaySeconds = maxRetryDelaySeconds,
        }), timeProvider: time);

    public static Kernel KernelWithWeather()
    {
        var builder = Kernel.CreateBuilder();
        builder.Plugins.AddFromObject(new WeatherPlugin(), "weather");
        return builder.Build();
    }

    /// <summary>The settings the pipeline uses when it offers tools: Auto, and it runs the tool loop itself.</summary>
    public static OpenAIPromptExecutionSettings ManualTools() =>
        new() { FunctionChoiceBehavior = FunctionChoiceBehavior.Auto(autoInvoke: false) };

    public static ChatHistory Ask(string userText, string? system = null)
    {
        var history = new ChatHistory();
        if (system is not null)
        {
            history.AddSystemMessage(system);
        }
        history.AddUserMessage(userText);
        return history;
    }

    public static async Task<(string Text, List<StreamingChatMessageContent> Chunks)> StreamAsync(
        IChatCompletionService chat, ChatHistory history, PromptExecutionSettings? settings = null, Kernel? kernel = null)
    {
        var chunks = new List<StreamingChatMessageContent>();
        await foreach (var chunk in chat.GetStreamingChatMessageContentsAsync(history, settings, kernel, CancellationToken.None))
        {
            chunks.Add(chunk);
        }
        return (string.Concat(chunks.Select(c => c.Content)), chunks);
    }
}

/// <summary>The system clock, recording every timer a caller sets (what a retry waited for), so no test measures time.</summary>
public sealed class RecordingTimeProvider : TimeProvider
{
    private readonly System.Collections.Concurrent.ConcurrentQueue<TimeSpan> _timers = new();

    public IReadOnlyList<TimeSpan> Timers => [.. _timers];

    public override ITimer CreateTimer(TimerCallback callback, object? state, TimeSpan dueTime, TimeSpan period)
    {
        _timers.Enqueue(dueTime);
        return System.CreateTimer(callback, state, dueTime, period);
    }
}
