using OpenChatStudio.Core.Llm;
using OpenChatStudio.Tests.TestSupport;

namespace OpenChatStudio.Tests.Core.Llm;

[Trait(TestLayers.Trait, TestLayers.Unit)]
public sealed class ModelCatalogueTests
{
    [Fact]
    public void Catalogue_Offline_HasLargeWindowAndNoCost()
    {
        var offline = ModelCatalogue.Default.Find(LlmProviderType.Offline, "offline");

        Assert.NotNull(offline);
        Assert.True(offline.ContextWindow >= 1_000_000);
        Assert.Equal(0m, offline.CostOf(1_000_000, 1_000_000));
    }

    [Fact]
    public void Catalogue_FindIgnoresCaseAndAcceptsDatedVariants()
    {
        Assert.Equal("gpt-4o-mini", ModelCatalogue.Default.Find(LlmProviderType.OpenAI, "GPT-4o-mini")!.Name);
        Assert.Equal("gpt-4o", ModelCatalogue.Default.Find(LlmProviderType.OpenAI, "gpt-4o-2024-08-06")!.Name);
        Assert.Equal("gpt-4o-mini", ModelCatalogue.Default.Find(LlmProviderType.OpenAI, "gpt-4o-mini-2024-07-18")!.Name);
        Assert.Equal("llama3.2", ModelCatalogue.Default.Find(LlmProviderType.Ollama, "llama3.2:3b")!.Name);
        Assert.Null(ModelCatalogue.Default.Find(LlmProviderType.OpenAI, "gpt-4ox"));
        Assert.Null(ModelCatalogue.Default.Find(LlmProviderType.Anthropic, "gpt-4o"));
    }

    [Fact]
    public void Catalogue_EveryProviderTypeHasModelsWithWindowsAndNonNegativePrices()
    {
        foreach (var type in Enum.GetValues<LlmProviderType>())
        {
            var models = ModelCatalogue.Default.ModelsFor(type);
            Assert.NotEmpty(models);
            Assert.All(models, m => Assert.True(m.ContextWindow > 0 && m.InputPerMillion >= 0 && m.OutputPerMillion >= 0, m.Name));
        }
        Assert.Equal(2.50m + 10.00m, ModelCatalogue.Default.Find(LlmProviderType.OpenAI, "gpt-4o")!.CostOf(1_000_000, 1_000_000));
    }

    [Fact]
    public void Catalogue_CustomEntries_OverrideTheDefaults()
    {
        var custom = new ModelCatalogue(new Dictionary<LlmProviderType, IReadOnlyList<LlmModelInfo>>
        {
            [LlmProviderType.OpenAICompatible] = [new LlmModelInfo("my-model", 8_192, 0.5m, 1m)],
        });

        Assert.Equal(8_192, custom.Find(LlmProviderType.OpenAICompatible, "my-model")!.ContextWindow);
        Assert.Empty(custom.ModelsFor(LlmProviderType.OpenAI));
    }
}
