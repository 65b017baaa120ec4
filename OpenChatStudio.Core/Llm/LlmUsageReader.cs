using System.Text.Json;
using Microsoft.Extensions.AI;
using OpenAI.Chat;

namespace OpenChatStudio.Core.Llm;

/// <summary>
/// Reads token usage from <c>ChatMessageContent.Metadata</c> or from the last <c>StreamingChatMessageContent.Metadata</c> of a
/// stream, whatever the provider, always under <c>"Usage"</c>: SK's OpenAI/Azure connectors put a <see cref="ChatTokenUsage"/>
/// there (streams: on the last chunk); SK's IChatClient bridge (Anthropic, Ollama) a <see cref="UsageDetails"/> on replies and a
/// <see cref="UsageContent"/> on the stream's last chunk; the offline model a <see cref="UsageDetails"/>. A <see cref="JsonElement"/>
/// (metadata after a JSON round trip) with input/output or prompt/completion token counts is read too.
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
            UsageContent content => FromDetails(content.Details),
            UsageDetails details => FromDetails(details),
            JsonElement { ValueKind: JsonValueKind.Object } json => FromJson(json),
            _ => null,
        };
    }

    private static (long, long)? FromDetails(UsageDetails details) =>
        details.InputTokenCount is null && details.OutputTokenCount is null
            ? null
            : (details.InputTokenCount ?? 0, details.OutputTokenCount ?? 0);

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
