using System.Reflection;

namespace OpenChatStudio.Core.Llm;

/// <summary>Reads token usage out of Semantic Kernel message metadata, whichever provider produced it.</summary>
public static class LlmUsageReader
{
    public static (long InputTokens, long OutputTokens)? Read(IReadOnlyDictionary<string, object?>? metadata)
    {
        if (metadata is null || !metadata.TryGetValue("Usage", out var usage) || usage is null)
        {
            return null;
        }
        // OpenAI.Chat.ChatTokenUsage (InputTokenCount/OutputTokenCount) and M.E.AI UsageDetails (InputTokenCount/OutputTokenCount).
        var type = usage.GetType();
        var input = Number(type.GetProperty("InputTokenCount", BindingFlags.Public | BindingFlags.Instance)?.GetValue(usage));
        var output = Number(type.GetProperty("OutputTokenCount", BindingFlags.Public | BindingFlags.Instance)?.GetValue(usage));
        return input is null && output is null ? null : (input ?? 0, output ?? 0);
    }

    private static long? Number(object? value) => value switch
    {
        int i => i,
        long l => l,
        _ => null,
    };
}
