namespace OpenChatStudio.Core.Llm;

/// <summary>Well-known values of the built-in offline model (<see cref="OfflineChatCompletionService"/>).</summary>
public static class OfflineModel
{
    /// <summary>The id of the built-in offline provider, the same on every install.</summary>
    public static readonly Guid ProviderId = new("0ffc0de0-0000-4000-8000-000000000001");

    /// <summary>The provider's display name.</summary>
    public const string ProviderName = "Offline model (built-in)";

    /// <summary>The only model the offline provider has.</summary>
    public const string ModelName = "offline";

    /// <summary>Every plain reply starts with this, so UIs and tests can recognise it.</summary>
    public const string ReplyPrefix = "Offline model: ";

    /// <summary>
    /// A system or user message containing this line, followed by a JSON schema, makes the offline model answer with only a
    /// JSON object (see docs/providers.md). Prompts for real models can use the same sentence.
    /// </summary>
    public const string JsonSchemaMarker = "Respond with only a JSON object that matches this JSON schema:";

    /// <summary>Metadata key set to <c>true</c> on every offline reply.</summary>
    public const string MetadataKey = "OfflineModel";

    /// <summary>The offline model's catalogue entry: a large window and no cost.</summary>
    public static LlmModelInfo Info { get; } = new(ModelName, ContextWindow: 1_000_000);
}
