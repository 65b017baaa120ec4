using Microsoft.Data.Sqlite;
using Npgsql;
using OpenChatStudio.Core.Data;

namespace OpenChatStudio.Tests.TestSupport;

/// <summary>
/// A fresh, empty database for one test class or host: a temp SQLite file, or a new PostgreSQL database on the server
/// that scripts/test.sh started (OCS_TEST_DB=Postgres, OCS_TEST_PG=base connection string). Dropped on dispose.
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
            var cs = new NpgsqlConnectionStringBuilder(baseCs) { Database = name, Pooling = false }.ConnectionString;
            return new TestDatabase(DatabaseProvider.Postgres, cs, baseCs, null);
        }
        var dir = Path.Combine(Path.GetTempPath(), "ocs-tests");
        Directory.CreateDirectory(dir);
        var path = Path.Combine(dir, name + ".db");
        return new TestDatabase(DatabaseProvider.Sqlite, $"Data Source={path};Pooling=False", null, path);
    }

    /// <summary>Configuration keys that point the app at this database.</summary>
    public Dictionary<string, string?> Settings => new()
    {
        ["Database:Provider"] = Provider.ToString(),
        [Provider == DatabaseProvider.Postgres ? "ConnectionStrings:Postgres" : "ConnectionStrings:Sqlite"] = ConnectionString,
    };

    public async ValueTask DisposeAsync()
    {
        if (_pgAdminConnection is not null)
        {
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
