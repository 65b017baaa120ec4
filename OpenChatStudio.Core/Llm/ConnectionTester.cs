using System.Globalization;
using Microsoft.Extensions.Logging;
using Microsoft.SemanticKernel;
using Microsoft.SemanticKernel.ChatCompletion;

namespace OpenChatStudio.Core.Llm;

/// <summary>"Test connection" for a provider form: sends a tiny prompt and reports what happened in one sentence.</summary>
public sealed class ConnectionTester(ChatServiceFactory factory, ILogger<ConnectionTester> logger, TimeProvider? timeProvider = null)
{
    private readonly TimeProvider _time = timeProvider ?? TimeProvider.System;

    public async Task<ConnectionTestResult> TestAsync(LlmProviderSettings settings, string model, CancellationToken ct)
    {
        try
        {
            var chat = factory.Create(settings, model);
            var history = new ChatHistory();
            history.AddUserMessage("Reply with the single word OK.");
            var started = _time.GetTimestamp();
            await chat.GetChatMessageContentsAsync(history, executionSettings: null, kernel: null, ct);
            var elapsed = _time.GetElapsedTime(started).TotalMilliseconds;
            logger.LogInformation("Connection test to {ProviderType} model {Model} succeeded in {ElapsedMs} ms", settings.Type, model, (long)elapsed);
            return new ConnectionTestResult(true,
                $"Connected: {model} answered in {elapsed.ToString("0", CultureInfo.InvariantCulture)} ms.", elapsed);
        }
        catch (LlmProviderException ex)
        {
            logger.LogInformation("Connection test to {ProviderType} model {Model} failed: {UserMessage}", settings.Type, model, ex.UserMessage);
            return new ConnectionTestResult(false, ex.UserMessage, null);
        }
        catch (Exception ex) when (ex is not OperationCanceledException || !ct.IsCancellationRequested)
        {
            logger.LogWarning(ex, "Connection test to {ProviderType} model {Model} failed unexpectedly", settings.Type, model);
            return new ConnectionTestResult(false, $"The test failed: {ex.Message}", null);
        }
    }
}
