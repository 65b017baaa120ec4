using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Options;
using OpenChatStudio.Core.Llm;
using OpenChatStudio.Tests.TestSupport;

namespace OpenChatStudio.Tests.Core.Llm;

[Trait(TestLayers.Trait, TestLayers.Unit)]
public sealed class LlmRegistrationTests
{
    private static ServiceProvider Build(Dictionary<string, string?> settings) =>
        new ServiceCollection()
            .AddLlm(new ConfigurationBuilder().AddInMemoryCollection(settings).Build())
            .BuildServiceProvider(validateScopes: true);

    [Fact]
    public void AddLlm_BindsOptionsAndResolvesFactoryAndTester()
    {
        using var provider = Build(new() { ["Llm:TimeoutSeconds"] = "12", ["Llm:MaxRetries"] = "4" });

        var options = provider.GetRequiredService<IOptions<LlmOptions>>().Value;
        Assert.Equal(12, options.TimeoutSeconds);
        Assert.Equal(4, options.MaxRetries);
        Assert.Same(provider.GetRequiredService<ChatServiceFactory>(), provider.GetRequiredService<ChatServiceFactory>());
        Assert.NotNull(provider.GetRequiredService<ConnectionTester>());
        Assert.Same(ModelCatalogue.Default, provider.GetRequiredService<ModelCatalogue>());
    }

    [Fact]
    public void AddLlm_DefaultsAreSixtySecondsAndTwoRetries()
    {
        using var provider = Build([]);

        var options = provider.GetRequiredService<IOptions<LlmOptions>>().Value;
        Assert.Equal(60, options.TimeoutSeconds);
        Assert.Equal(2, options.MaxRetries);
    }

    [Fact]
    public void AddLlm_InvalidOptions_FailValidation()
    {
        using var provider = Build(new() { ["Llm:TimeoutSeconds"] = "0" });

        var error = Assert.Throws<OptionsValidationException>(() => provider.GetRequiredService<IOptions<LlmOptions>>().Value);
        Assert.Contains("TimeoutSeconds", error.Message);
    }
}
