using Microsoft.Data.Sqlite;
using Microsoft.EntityFrameworkCore;
using Microsoft.EntityFrameworkCore.Diagnostics;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;

namespace OpenChatStudio.Core.Data;

public static class DataRegistration
{
    /// <summary>
    /// Registers the provider chosen by <c>Database:Provider</c> and exposes it as
    /// <see cref="IDbContextFactory{AppDbContext}"/> (components and services) and a scoped <see cref="AppDbContext"/>
    /// (Identity and Data Protection stores).
    /// </summary>
    public static IServiceCollection AddData(this IServiceCollection services, IConfiguration configuration, string contentRoot)
    {
        var options = configuration.GetSection(DatabaseOptions.SectionName).Get<DatabaseOptions>() ?? new DatabaseOptions();
        services.AddSingleton(options);
        services.AddSingleton<Audit.AuditInterceptor>();
        services.AddSingleton<Audit.AuditService>();
        services.AddSingleton<ScaleOut.ChangeNotices>();
        services.AddSingleton<IInterceptor, ChangeNoticeInterceptor>();
        services.AddSingleton<IInterceptor, TimestampInterceptor>();

        switch (options.Provider)
        {
            case DatabaseProvider.Postgres:
                var pg = configuration.GetConnectionString("Postgres");
                if (string.IsNullOrWhiteSpace(pg))
                {
                    throw new InvalidOperationException(
                        "Database:Provider is Postgres but ConnectionStrings:Postgres is empty. Set ConnectionStrings__Postgres.");
                }
                services.AddPooledDbContextFactory<PostgresAppDbContext>((sp, o) => o.UseNpgsql(pg).AddInterceptors(sp.GetRequiredService<Audit.AuditInterceptor>())
                    .AddInterceptors(sp.GetServices<IInterceptor>()));
                services.AddSingleton<IDbContextFactory<AppDbContext>, ProviderContextFactory<PostgresAppDbContext>>();
                break;
            default:
                var sqlite = configuration.GetConnectionString("Sqlite");
                if (string.IsNullOrWhiteSpace(sqlite))
                {
                    var dir = Path.GetFullPath(Path.Combine(contentRoot, options.DataDirectory));
                    sqlite = $"Data Source={Path.Combine(dir, "openchatstudio.db")}";
                }
                EnsureSqliteDirectory(sqlite);
                var writeGate = new SqliteWriteGate(); // one writer at a time per database, queued instead of sleeping
                services.AddPooledDbContextFactory<SqliteAppDbContext>((sp, o) => o.UseSqlite(sqlite).AddInterceptors(SqliteTuning.Instance, sp.GetRequiredService<Audit.AuditInterceptor>())
                    .AddInterceptors(sp.GetServices<IInterceptor>()).AddInterceptors(writeGate));
                services.AddSingleton<IDbContextFactory<AppDbContext>, ProviderContextFactory<SqliteAppDbContext>>();
                break;
        }

        services.AddScoped<AppDbContext>(sp => sp.GetRequiredService<IDbContextFactory<AppDbContext>>().CreateDbContext());
        return services;
    }

    /// <summary>Applies pending migrations of the configured provider. Called once at startup.</summary>
    public static async Task MigrateDatabaseAsync(this IServiceProvider services, CancellationToken ct)
    {
        var factory = services.GetRequiredService<IDbContextFactory<AppDbContext>>();
        await using var db = await factory.CreateDbContextAsync(ct);
        if (db.Database.IsSqlite())
        {
            // Write-ahead logging: readers never wait for the writer, and a commit appends to the log instead of rewriting
            // and syncing the database file (about 10x more chat turns per second). The mode is stored in the file.
            await db.Database.ExecuteSqlRawAsync("PRAGMA journal_mode=WAL;", ct);
        }
        await db.Database.MigrateAsync(ct);
    }

    /// <summary>A context that may only see and write rows of <paramref name="teamId"/>.</summary>
    public static async Task<AppDbContext> CreateForTeamAsync(this IDbContextFactory<AppDbContext> factory, Guid teamId, CancellationToken ct)
    {
        var db = await factory.CreateDbContextAsync(ct);
        db.TeamScope = teamId;
        return db;
    }

    private static void EnsureSqliteDirectory(string connectionString)
    {
        var dataSource = new SqliteConnectionStringBuilder(connectionString).DataSource;
        if (string.IsNullOrEmpty(dataSource) || dataSource == ":memory:" || dataSource.StartsWith("file:", StringComparison.Ordinal))
        {
            return;
        }
        var dir = Path.GetDirectoryName(Path.GetFullPath(dataSource));
        if (!string.IsNullOrEmpty(dir))
        {
            Directory.CreateDirectory(dir);
        }
    }

    /// <summary>
    /// Hands out pooled contexts (building a context's services costs about a tenth of a chat turn). A pooled context keeps
    /// its own properties, so the team scope is cleared on every rent: a context never carries a previous user's team.
    /// </summary>
    private sealed class ProviderContextFactory<TContext>(IDbContextFactory<TContext> inner) : IDbContextFactory<AppDbContext>
        where TContext : AppDbContext
    {
        public AppDbContext CreateDbContext() => Unscoped(inner.CreateDbContext());

        public async Task<AppDbContext> CreateDbContextAsync(CancellationToken cancellationToken = default) =>
            Unscoped(await inner.CreateDbContextAsync(cancellationToken));

        private static AppDbContext Unscoped(AppDbContext db)
        {
            db.TeamScope = null;
            return db;
        }
    }
}
