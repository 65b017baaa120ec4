namespace OpenChatStudio.Core.Llm;

/// <summary>
/// Known models per provider type: context window and USD price per million input/output tokens. These are
/// <b>defaults</b> (vendors' list prices as last checked; 0 = free or unknown) that a deployment or team can override by
/// building its own catalogue. <see cref="Find"/> also accepts dated variants (<c>gpt-4o-2024-08-06</c> → <c>gpt-4o</c>).
/// </summary>
public sealed class ModelCatalogue
{
    private readonly IReadOnlyDictionary<LlmProviderType, IReadOnlyList<LlmModelInfo>> _models;

    public ModelCatalogue(IReadOnlyDictionary<LlmProviderType, IReadOnlyList<LlmModelInfo>> models)
    {
        _models = models;
    }

    /// <summary>The built-in defaults.</summary>
    public static ModelCatalogue Default { get; } = new(BuildDefaults());

    /// <summary>The models listed for a provider type (empty when none are).</summary>
    public IReadOnlyList<LlmModelInfo> ModelsFor(LlmProviderType type) =>
        _models.TryGetValue(type, out var models) ? models : [];

    /// <summary>
    /// The entry for <paramref name="name"/> (case-insensitive): an exact match, else the longest listed name that
    /// <paramref name="name"/> starts with followed by <c>-</c> or <c>:</c> (dated or tagged variants). Null when unknown.
    /// </summary>
    public LlmModelInfo? Find(LlmProviderType type, string name)
    {
        var models = ModelsFor(type);
        var trimmed = name.Trim();
        var exact = models.FirstOrDefault(m => string.Equals(m.Name, trimmed, StringComparison.OrdinalIgnoreCase));
        if (exact is not null)
        {
            return exact;
        }
        return models
            .Where(m => trimmed.Length > m.Name.Length
                        && trimmed.StartsWith(m.Name, StringComparison.OrdinalIgnoreCase)
                        && trimmed[m.Name.Length] is '-' or ':')
            .MaxBy(m => m.Name.Length);
    }

    private static Dictionary<LlmProviderType, IReadOnlyList<LlmModelInfo>> BuildDefaults()
    {
        LlmModelInfo[] openAi =
        [
            new("gpt-5", 400_000, 1.25m, 10.00m),
            new("gpt-5-mini", 400_000, 0.25m, 2.00m),
            new("gpt-5-nano", 400_000, 0.05m, 0.40m),
            new("gpt-4.1", 1_047_576, 2.00m, 8.00m),
            new("gpt-4.1-mini", 1_047_576, 0.40m, 1.60m),
            new("gpt-4.1-nano", 1_047_576, 0.10m, 0.40m),
            new("gpt-4o", 128_000, 2.50m, 10.00m),
            new("gpt-4o-mini", 128_000, 0.15m, 0.60m),
            new("o3", 200_000, 2.00m, 8.00m),
            new("o3-mini", 200_000, 1.10m, 4.40m),
            new("o4-mini", 200_000, 1.10m, 4.40m),
        ];
        LlmModelInfo[] anthropic =
        [
            new("claude-opus-4-1", 200_000, 15.00m, 75.00m),
            new("claude-opus-4-0", 200_000, 15.00m, 75.00m),
            new("claude-sonnet-4-5", 200_000, 3.00m, 15.00m),
            new("claude-sonnet-4-0", 200_000, 3.00m, 15.00m),
            new("claude-3-7-sonnet-latest", 200_000, 3.00m, 15.00m),
            new("claude-haiku-4-5", 200_000, 1.00m, 5.00m),
            new("claude-3-5-haiku-latest", 200_000, 0.80m, 4.00m),
        ];
        // Local models: no price; windows are the model's own (Ollama's default num_ctx is smaller unless configured).
        LlmModelInfo[] ollama =
        [
            new("llama3.2", 128_000),
            new("llama3.1", 128_000),
            new("qwen2.5", 32_768),
            new("qwen3", 40_960),
            new("mistral", 32_768),
            new("gemma3", 128_000),
            new("phi4", 16_384),
        ];
        return new Dictionary<LlmProviderType, IReadOnlyList<LlmModelInfo>>
        {
            [LlmProviderType.OpenAI] = openAi,
            // Same models under the customer's deployment names; the model name decides the price.
            [LlmProviderType.AzureOpenAI] = openAi,
            [LlmProviderType.Anthropic] = anthropic,
            [LlmProviderType.Ollama] = ollama,
            // Whatever the server hosts; the team enters its own models.
            [LlmProviderType.OpenAICompatible] = ollama,
            [LlmProviderType.Offline] = [OfflineModel.Info],
        };
    }
}
