using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using OpenChatStudio.Core.Accounts;
using OpenChatStudio.Core.Data;
using OpenChatStudio.Core.Email;
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
            .AddAccounts();
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
