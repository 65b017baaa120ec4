using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.DependencyInjection.Extensions;
using Microsoft.Extensions.Options;

namespace OpenChatStudio.Core.Llm;

public static class LlmRegistration
{
    /// <summary>
    /// The provider layer: <see cref="LlmOptions"/> (section <c>Llm</c>: <c>TimeoutSeconds</c>, <c>MaxRetries</c>,
    /// <c>RetryBaseDelayMilliseconds</c>, <c>MaxRetryDelaySeconds</c>; validated at start), <see cref="ChatServiceFactory"/>,
    /// <see cref="ConnectionTester"/> and the default <see cref="ModelCatalogue"/>, all singletons.
    /// </summary>
    public static IServiceCollection AddLlm(this IServiceCollection services, IConfiguration configuration)
    {
        services.AddOptions<LlmOptions>()
            .Bind(configuration.GetSection(LlmOptions.SectionName))
            .Validate(o => o.Validate() is null, "Invalid Llm options: check TimeoutSeconds (0–3600], MaxRetries [0–10] and the delays.")
            .ValidateOnStart();
        services.AddLogging();
        services.TryAddSingleton(TimeProvider.System);
        services.TryAddSingleton(ModelCatalogue.Default);
        services.AddOptions<Outbound.OutboundOptions>().Bind(configuration.GetSection(Outbound.OutboundOptions.SectionName));
        services.TryAddSingleton(sp => new Outbound.OutboundPolicy(sp.GetRequiredService<IOptions<Outbound.OutboundOptions>>().Value));
        services.TryAddSingleton(sp => new ChatServiceFactory(
            sp.GetRequiredService<IOptions<LlmOptions>>(),
            sp.GetRequiredService<Microsoft.Extensions.Logging.ILoggerFactory>(),
            sp.GetRequiredService<TimeProvider>(),
            sp.GetRequiredService<Outbound.OutboundPolicy>()));
        services.TryAddSingleton<ConnectionTester>();
        return services;
    }
}
