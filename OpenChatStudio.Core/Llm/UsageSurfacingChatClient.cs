using System.Runtime.CompilerServices;
using Microsoft.Extensions.AI;

namespace OpenChatStudio.Core.Llm;

/// <summary>
/// SK's <c>AsChatCompletionService()</c> bridge drops streaming <see cref="UsageContent"/>; this copies it into the update's
/// <see cref="ChatResponseUpdate.AdditionalProperties"/> under <c>"Usage"</c>, which the bridge turns into
/// <c>StreamingChatMessageContent.Metadata</c> (where non-streaming usage already lands).
/// </summary>
internal sealed class UsageSurfacingChatClient(IChatClient inner) : DelegatingChatClient(inner)
{
    public const string UsageKey = "Usage";

    public override async IAsyncEnumerable<ChatResponseUpdate> GetStreamingResponseAsync(
        IEnumerable<ChatMessage> messages, ChatOptions? options = null, [EnumeratorCancellation] CancellationToken cancellationToken = default)
    {
        await foreach (var update in base.GetStreamingResponseAsync(messages, options, cancellationToken))
        {
            if (update.Contents.OfType<UsageContent>().LastOrDefault() is { } usage)
            {
                (update.AdditionalProperties ??= [])[UsageKey] = usage.Details;
            }
            yield return update;
        }
    }
}
