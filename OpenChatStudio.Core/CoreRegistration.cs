using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.AspNetCore.DataProtection;
using Microsoft.Extensions.DependencyInjection.Extensions;
using OpenChatStudio.Core.Accounts;
using OpenChatStudio.Core.Chat;
using OpenChatStudio.Core.Llm;
using OpenChatStudio.Core.Participants;
using OpenChatStudio.Core.Pipelines.Registry;
using OpenChatStudio.Core.Pipelines.Templates;
using OpenChatStudio.Core.Data;
using OpenChatStudio.Core.Email;
using OpenChatStudio.Core.Scheduling;
using OpenChatStudio.Core.Teams;

namespace OpenChatStudio.Core;

public static class CoreRegistration
{
    /// <summary>Everything Core offers, feature by feature. The host adds Identity's sign-in parts on top.</summary>
    public static IServiceCollection AddOpenChatStudioCore(this IServiceCollection services, IConfiguration configuration, string contentRoot)
    {
        services.AddSingleton(TimeProvider.System);
        return services
            .AddData(configuration, contentRoot)
            .AddEmail(configuration)
            .AddTeams()
            .AddAccounts()
            .AddPipelines()
            .AddLlm(configuration)
            .AddProviders()
            .AddChat()
            .AddApiKeys()
            .AddEvents(configuration);
    }

    /// <summary>Team API keys: creation, revocation and authentication of presented keys.</summary>
    public static IServiceCollection AddApiKeys(this IServiceCollection services)
    {
        services.TryAddSingleton<ApiKeys.ApiKeyService>();
        return services;
    }

    /// <summary>The node registry (every [PipelineNode] in Core plus any IPipelineNode other features register) and templates.</summary>
    public static IServiceCollection AddPipelines(this IServiceCollection services)
    {
        services.TryAddSingleton<ITemplateRenderer, FluidTemplateRenderer>();
        services.TryAddSingleton(sp => new NodeRegistry(
            NodeRegistry.DiscoverNodes(typeof(NodeRegistry).Assembly).Concat(sp.GetServices<IPipelineNode>())));
        return services;
    }

    /// <summary>Team LLM providers (encrypted keys) and the resolver nodes use to reach them.</summary>
    public static IServiceCollection AddProviders(this IServiceCollection services)
    {
        services.TryAddSingleton<Providers.ProviderService>();
        services.TryAddSingleton<Llm.ILlmResolverFactory, Providers.TeamLlmResolverFactory>();
        return services;
    }

    /// <summary>The chat runtime every surface uses, with per-session ordering and encrypted participant data.</summary>
    public static IServiceCollection AddChat(this IServiceCollection services)
    {
        services.AddDataProtection();
        services.TryAddSingleton<SessionWorkQueue>();
        services.TryAddSingleton<PipelineCache>();
        services.TryAddSingleton<ParticipantDataProtector>();
        services.TryAddSingleton<ChatRuntime>();
        services.TryAddSingleton<Chatbots.ChatbotService>();
        services.TryAddSingleton<Versions.VersionService>();
        services.TryAddSingleton<SessionPlaygroundService>();
        services.TryAddSingleton<Chatbots.ResourceService>();
        return services;
    }

    public static IServiceCollection AddTeams(this IServiceCollection services)
    {
        services.AddSingleton<TeamService>();
        services.AddSingleton<InvitationService>();
        return services;
    }

    public static IServiceCollection AddAccounts(this IServiceCollection services)
    {
        services.AddScoped<AccountService>();
        return services;
    }
}
