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
using OpenChatStudio.Core.ScaleOut;
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
            .AddScaleOut(configuration)
            .AddChat()
            .AddSessions(contentRoot)
            .AddApiKeys()
            .AddProgrammaticApi()
            .AddChannels()
            .AddMessagingChannels(configuration)
            .AddEvents(configuration);
    }

    /// <summary>Web channels of chatbots (hosted page, widget, API) and the chat API's durable inbox and attachments.</summary>
    public static IServiceCollection AddChannels(this IServiceCollection services)
    {
        services.TryAddSingleton<Channels.ChannelService>();
        services.TryAddSingleton<ChatTaskStreams>();
        services.TryAddSingleton<ChatInbox>();
        services.TryAddSingleton<ChatAttachmentStore>();
        return services;
    }

    /// <summary>
    /// Messaging channels (docs/channels.md): the shared inbox and outbox, and one line per platform. A new platform is a
    /// folder under <c>Core/Channels</c> implementing <see cref="Channels.Messaging.IMessagingPlatform"/>, registered here.
    /// </summary>
    public static IServiceCollection AddMessagingChannels(this IServiceCollection services, IConfiguration configuration)
    {
        var options = new Channels.Messaging.MessagingOptions();
        configuration.GetSection(Channels.Messaging.MessagingOptions.SectionName).Bind(options);
        services.TryAddSingleton(options);
        services.TryAddSingleton<Channels.Messaging.MessagingChannelService>();
        services.TryAddSingleton<Channels.Messaging.MessagingInbox>();
        services.TryAddSingleton<Channels.Messaging.ChannelOutbox>();
        services.TryAddSingleton<Channels.Messaging.BotTrigger>();
        services.TryAddSingleton<Channels.Messaging.VoiceTranscriber>();
        services.TryAddSingleton<Channels.Messaging.ChannelPacer>();
        services.TryAddSingleton<IOutboundSignal>(sp => sp.GetRequiredService<Channels.Messaging.ChannelOutbox>());
        services.AddHostedService(sp => sp.GetRequiredService<Channels.Messaging.ChannelOutbox>());
        services.AddMessagingPlatform<Channels.Telegram.TelegramPlatform>();
        services.AddMessagingPlatform<Channels.Twilio.TwilioWhatsAppPlatform>();
        services.AddMessagingPlatform<Channels.Twilio.TwilioSmsPlatform>();
        services.AddMessagingPlatform<Channels.Meta.MetaWhatsAppPlatform>();
        return services;
    }

    public static IServiceCollection AddMessagingPlatform<T>(this IServiceCollection services)
        where T : class, Channels.Messaging.IMessagingPlatform
    {
        services.TryAddEnumerable(ServiceDescriptor.Singleton<Channels.Messaging.IMessagingPlatform, T>());
        return services;
    }

    /// <summary>Queries and commands behind the REST v1 API (docs/api.md).</summary>
    public static IServiceCollection AddProgrammaticApi(this IServiceCollection services)
    {
        services.TryAddSingleton<ApiSessionQueries>();
        services.TryAddSingleton<Participants.ParticipantService>();
        return services;
    }

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
        services.TryAddSingleton<ScaleOut.ISessionLock>(ScaleOut.InProcessSessionLock.Instance);
        services.TryAddSingleton<SessionWorkQueue>();
        services.TryAddSingleton<PipelineCache>();
        services.TryAddSingleton<ChatbotSnapshotCache>();
        services.TryAddSingleton<ChatRoutes>();
        services.TryAddSingleton<ParticipantDataProtector>();
        services.TryAddSingleton<ParticipantDataWriter>();
        services.TryAddSingleton<ParticipantDirectory>();
        services.TryAddSingleton<ChatRuntime>();
        services.TryAddSingleton<Chatbots.ChatbotService>();
        services.TryAddSingleton<Versions.VersionService>();
        services.TryAddSingleton<SessionPlaygroundService>();
        services.TryAddSingleton<Chatbots.ResourceService>();
        return services;
    }

    /// <summary>Session review: filtered lists, transcripts with comments and tags, and the background CSV export.</summary>
    public static IServiceCollection AddSessions(this IServiceCollection services, string contentRoot)
    {
        services.TryAddSingleton<Sessions.SessionQueryService>();
        services.TryAddSingleton<Sessions.SessionReviewService>();
        services.TryAddSingleton<Sessions.SessionCsvExporter>();
        services.TryAddSingleton(sp => new Sessions.SessionExportService(sp.GetRequiredService<Microsoft.EntityFrameworkCore.IDbContextFactory<AppDbContext>>(),
            sp.GetRequiredService<DatabaseOptions>(), contentRoot, sp.GetRequiredService<TimeProvider>()));
        services.AddHostedService<Sessions.SessionExportWorker>();
        return services;
    }

    public static IServiceCollection AddTeams(this IServiceCollection services)
    {
        services.AddSingleton<TeamService>();
        services.AddSingleton<InvitationService>();
        services.AddSingleton<Overview.TeamOverviewService>();
        return services;
    }

    public static IServiceCollection AddAccounts(this IServiceCollection services)
    {
        services.AddScoped<AccountService>();
        services.AddScoped<Demo.DemoSeeder>();
        return services;
    }
}
