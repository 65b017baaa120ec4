using System.Security.Cryptography;
using System.Text;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.DependencyInjection.Extensions;
using Microsoft.Extensions.Hosting;
using Npgsql;
using OpenChatStudio.Core.Chat;
using OpenChatStudio.Core.Data;
using OpenChatStudio.Core.Events;
using Quartz;

namespace OpenChatStudio.Core.Scheduling;

public static class EventsRegistration
{
    /// <summary>
    /// Event triggers, timeouts and scheduled messages on Quartz: the persistent ADO store (schema provisioned on start) on
    /// PostgreSQL, the RAM store on SQLite; either way the domain rows are the source of truth and triggers are rebuilt
    /// from them when <see cref="SchedulerHost"/> starts.
    /// </summary>
    public static IServiceCollection AddEvents(this IServiceCollection services, IConfiguration configuration)
    {
        var options = configuration.GetSection(EventsOptions.SectionName).Get<EventsOptions>() ?? new EventsOptions();
        var database = configuration.GetSection(DatabaseOptions.SectionName).Get<DatabaseOptions>() ?? new DatabaseOptions();
        var pg = configuration.GetConnectionString("Postgres");
        var usePostgres = database.Provider == DatabaseProvider.Postgres && !string.IsNullOrWhiteSpace(pg);
        var name = options.SchedulerName ?? SchedulerNameFor(usePostgres ? pg! : configuration.GetConnectionString("Sqlite") ?? "sqlite");

        services.TryAddSingleton(options);
        services.AddQuartz(q =>
        {
            q.ConfigureScheduler(o => o.InstanceName = name);
            q.UseTimeProvider(TimeProvider.System);
            q.UseDefaultThreadPool(tp => tp.MaxConcurrency = Math.Max(1, options.MaxConcurrency));
            if (usePostgres)
            {
                // Several app instances share one PostgreSQL: Quartz runs clustered there, so each trigger fires on one
                // instance, and a dead instance's triggers are taken over by the others (docs/deploy.md).
                q.ConfigureScheduler(o => o.InstanceId = "AUTO");
                q.UsePersistentStore(store =>
                {
                    store.UsePostgres(NpgsqlFactory.Instance, pg!);
                    store.ProvisionSchema();
                    store.UseSystemTextJsonSerializer();
                    store.UseClustering(c =>
                    {
                        c.CheckinInterval = TimeSpan.FromSeconds(10);
                        c.CheckinMisfireThreshold = TimeSpan.FromSeconds(20);
                    });
                });
            }
            else
            {
                q.UseInMemoryStore();
            }
        });
        services.TryAddSingleton<SchedulerAccess>();
        services.TryAddSingleton<IScheduleSignal>(sp => sp.GetRequiredService<SchedulerAccess>());
        services.TryAddSingleton<ScheduleService>();
        services.TryAddSingleton<ScheduleDelivery>();
        services.TryAddSingleton<LiveMessageNotifier>();
        services.TryAddSingleton<TriggerService>();
        services.TryAddSingleton<EventActions>();
        services.TryAddSingleton<TimeoutScheduler>();
        services.TryAddSingleton<EventEngine>();
        services.AddSingleton<IChatEventSink>(sp => sp.GetRequiredService<EventEngine>());
        services.TryAddSingleton<SchedulerHost>();
        services.AddHostedService(sp => sp.GetRequiredService<SchedulerHost>());
        return services;
    }

    /// <summary>Stable per database (a restart finds its persisted triggers) and distinct per database (tests run many hosts in one process).</summary>
    internal static string SchedulerNameFor(string connectionString)
    {
        var hash = SHA256.HashData(Encoding.UTF8.GetBytes(connectionString));
        return "ocs-" + Convert.ToHexString(hash)[..12].ToLowerInvariant();
    }
}
