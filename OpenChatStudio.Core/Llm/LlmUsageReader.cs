using System.Text.Json;
using Microsoft.Extensions.AI;
using OpenAI.Chat;

namespace OpenChatStudio.Core.Llm;

/// <summary>
/// Reads token usage from <c>ChatMessageContent.Metadata</c> or from the last <c>StreamingChatMessageContent.Metadata</c> of a
/// stream, whatever the provider: SK's OpenAI/Azure connectors (<see cref="ChatTokenUsage"/> under <c>"Usage"</c>), the
/// IChatClient bridge used for Anthropic and Ollama and the offline model (<see cref="UsageDetails"/> under <c>"Usage"</c>),
/// and the same after a JSON round trip (<see cref="JsonElement"/> with input/output or prompt/completion token counts).
/// </summary>
public static class LlmUsageReader
{
    public const string UsageKey = "Usage";

    /// <summary>(input, output) tokens, or null when the metadata carries no usage.</summary>
    public static (long InputTokens, long OutputTokens)? Read(IReadOnlyDictionary<string, object?>? metadata)
    {
        if (metadata is null || !metadata.TryGetValue(UsageKey, out var usage) || usage is null)
        {
            return null;
        }
        return usage switch
        {
            ChatTokenUsage openAi => (openAi.InputTokenCount, openAi.OutputTokenCount),
            UsageDetails details when details.InputTokenCount is not null || details.OutputTokenCount is not null =>
                (details.InputTokenCount ?? 0, details.OutputTokenCount ?? 0),
            JsonElement { ValueKind: JsonValueKind.Object } json => FromJson(json),
            _ => null,
        };
    }

    private static (long, long)? FromJson(JsonElement json)
    {
        var input = Number(json, "InputTokenCount", "input_tokens", "prompt_tokens", "inputTokenCount");
        var output = Number(json, "OutputTokenCount", "output_tokens", "completion_tokens", "outputTokenCount");
        return input is null && output is null ? null : (input ?? 0, output ?? 0);
    }

    private static long? Number(JsonElement json, params string[] names)
    {
        foreach (var name in names)
        {
            if (json.TryGetProperty(name, out var value) && value.ValueKind == JsonValueKind.Number && value.TryGetInt64(out var n))
            {
                return n;
            }
        }
        return null;
    }
}
