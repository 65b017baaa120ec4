using Microsoft.Data.Sqlite;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Npgsql;
using OpenChatStudio.Core.Data;

namespace OpenChatStudio.Tests.TestSupport;

/// <summary>
/// A fresh database with every migration applied, for one test class or host: a temp SQLite file, or a new PostgreSQL
/// database on the server that scripts/test.sh started (OCS_TEST_DB=Postgres, OCS_TEST_PG=base connection string).
/// Migrations run once per test run into a template (a file, or a PostgreSQL template database); each test database is a
/// copy of it (<c>File.Copy</c>, <c>CREATE DATABASE … TEMPLATE</c>). Dropped on dispose.
/// </summary>
public sealed class TestDatabase : IAsyncDisposable
{
    private readonly string? _pgAdminConnection;
    private readonly string? _sqlitePath;

    public DatabaseProvider Provider { get; }

    public string ConnectionString { get; }

    private TestDatabase(DatabaseProvider provider, string connectionString, string? pgAdminConnection, string? sqlitePath)
    {
        Provider = provider;
        ConnectionString = connectionString;
        _pgAdminConnection = pgAdminConnection;
        _sqlitePath = sqlitePath;
    }

    public static DatabaseProvider ConfiguredProvider =>
        string.Equals(Environment.GetEnvironmentVariable("OCS_TEST_DB"), "Postgres", StringComparison.OrdinalIgnoreCase)
            ? DatabaseProvider.Postgres
            : DatabaseProvider.Sqlite;

    public static TestDatabase Create()
    {
        var name = "ocs_t_" + Guid.NewGuid().ToString("N")[..16];
        if (ConfiguredProvider == DatabaseProvider.Postgres)
        {
            var baseCs = Environment.GetEnvironmentVariable("OCS_TEST_PG")
                ?? throw new InvalidOperationException("OCS_TEST_DB=Postgres needs OCS_TEST_PG (run the suite through scripts/test.sh).");
            CreatePostgresFromTemplate(baseCs, name);
            // Pooled, as the app runs in production: a new physical connection per DbContext cost each PostgreSQL test
            // a connection set-up per query (a scheduled-message test took 35 s instead of 3). The pool is cleared and
            // the database dropped WITH (FORCE) at the end. The server is local and has no TLS: no SSL negotiation.
            var cs = new NpgsqlConnectionStringBuilder(baseCs) { Database = name, MaxPoolSize = 20, SslMode = SslMode.Disable }.ConnectionString;
            return new TestDatabase(DatabaseProvider.Postgres, cs, baseCs, null);
        }
        var dir = Path.Combine(Path.GetTempPath(), "ocs-tests");
        Directory.CreateDirectory(dir);
        var path = Path.Combine(dir, name + ".db");
        File.Copy(SqliteTemplate.Value, path);
        return new TestDatabase(DatabaseProvider.Sqlite, $"Data Source={path};Pooling=False", null, path);
    }

    // ---- Templates: every migration is applied once per test run, then each test database starts as a copy. ---------

    private static readonly Lazy<string> SqliteTemplate = new(() =>
    {
        var dir = Path.Combine(Path.GetTempPath(), "ocs-tests");
        Directory.CreateDirectory(dir);
        var path = Path.Combine(dir, $"template_{Environment.ProcessId}_{Guid.NewGuid():N}.db");
        Migrate(DatabaseProvider.Sqlite, $"Data Source={path};Pooling=False");   // closing the last connection folds the WAL into the file
        AppDomain.CurrentDomain.ProcessExit += (_, _) => File.Delete(path);
        return path;
    });

    private static readonly Lazy<string> PostgresTemplate = new(() =>
    {
        var baseCs = Environment.GetEnvironmentVariable("OCS_TEST_PG")!;
        var name = $"ocs_tpl_{Environment.ProcessId}_{Guid.NewGuid():N}"[..40];
        Migrate(DatabaseProvider.Postgres, new NpgsqlConnectionStringBuilder(baseCs) { Database = name, Pooling = false }.ConnectionString);
        AppDomain.CurrentDomain.ProcessExit += (_, _) =>
        {
            try
            {
                using var conn = new NpgsqlConnection(new NpgsqlConnectionStringBuilder(baseCs) { Pooling = false }.ConnectionString);
                conn.Open();
                using var drop = new NpgsqlCommand($"DROP DATABASE IF EXISTS \"{name}\" WITH (FORCE)", conn);
                drop.ExecuteNonQuery();
            }
            catch (NpgsqlException)
            {
                // The throwaway server may already be gone.
            }
        };
        return name;
    });

    /// <summary>Applies every migration to a new database, as the app does on start (outside xunit's synchronization context).</summary>
    private static void Migrate(DatabaseProvider provider, string connectionString) => Task.Run(async () =>
    {
        var config = new ConfigurationBuilder().AddInMemoryCollection(new Dictionary<string, string?>
        {
            ["Database:Provider"] = provider.ToString(),
            [provider == DatabaseProvider.Postgres ? "ConnectionStrings:Postgres" : "ConnectionStrings:Sqlite"] = connectionString,
        }).Build();
        await using var services = new ServiceCollection().AddSingleton(TimeProvider.System).AddData(config, Path.GetTempPath()).BuildServiceProvider();
        await services.MigrateDatabaseAsync(CancellationToken.None);
    }).GetAwaiter().GetResult();

    private static void CreatePostgresFromTemplate(string baseCs, string name)
    {
        var template = PostgresTemplate.Value;
        for (var attempt = 1; ; attempt++)
        {
            try
            {
                using var conn = new NpgsqlConnection(new NpgsqlConnectionStringBuilder(baseCs) { Pooling = false }.ConnectionString);
                conn.Open();
                using var create = new NpgsqlCommand($"CREATE DATABASE \"{name}\" TEMPLATE \"{template}\"", conn);
                create.ExecuteNonQuery();
                return;
            }
            catch (PostgresException ex) when (ex.SqlState == PostgresErrorCodes.ObjectInUse && attempt < 20)
            {
                Thread.Sleep(50 * attempt);   // another copy of the template is being made right now
            }
        }
    }

    /// <summary>
    /// Configuration every test host starts from: this database, and outbound calls to loopback allowed, because the
    /// fake LLM providers the tests start listen on 127.0.0.1 (the outbound policy's own tests turn it off).
    /// </summary>
    public Dictionary<string, string?> Settings => new()
    {
        ["Outbound:AllowPrivateNetworks"] = "true",
        ["Database:Provider"] = Provider.ToString(),
        [Provider == DatabaseProvider.Postgres ? "ConnectionStrings:Postgres" : "ConnectionStrings:Sqlite"] = ConnectionString,
    };

    public async ValueTask DisposeAsync()
    {
        if (_pgAdminConnection is not null)
        {
            await using (var pooled = new NpgsqlConnection(ConnectionString))
            {
                NpgsqlConnection.ClearPool(pooled);
            }
            await using var conn = new NpgsqlConnection(_pgAdminConnection);
            await conn.OpenAsync();
            var db = new NpgsqlConnectionStringBuilder(ConnectionString).Database;
            await using var cmd = new NpgsqlCommand($"DROP DATABASE IF EXISTS \"{db}\" WITH (FORCE)", conn);
            await cmd.ExecuteNonQueryAsync();
        }
        if (_sqlitePath is not null)
        {
            SqliteConnection.ClearAllPools();
            foreach (var file in new[] { _sqlitePath, _sqlitePath + "-wal", _sqlitePath + "-shm" })
            {
                File.Delete(file);
            }
        }
    }
}
