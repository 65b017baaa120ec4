using System.Data.Common;
using System.Runtime.CompilerServices;
using Microsoft.Data.Sqlite;
using Microsoft.EntityFrameworkCore.Diagnostics;

namespace OpenChatStudio.Core.Data;

/// <summary>
/// Per-connection SQLite settings. With write-ahead logging (set once by <see cref="DataRegistration.MigrateDatabaseAsync"/>),
/// <c>synchronous=NORMAL</c> keeps the database consistent after a crash and syncs only at checkpoints, not on every commit.
/// A setting lives on the native connection, which Microsoft.Data.Sqlite pools, so it is sent once per native connection,
/// not on every open (a turn opens several).
/// </summary>
internal sealed class SqliteTuning : DbConnectionInterceptor
{
    public static readonly SqliteTuning Instance = new();

    private const string Pragmas = "PRAGMA synchronous=NORMAL;";

    private readonly ConditionalWeakTable<object, object> _tuned = new();

    public override void ConnectionOpened(DbConnection connection, ConnectionEndEventData eventData)
    {
        if (FirstOpen(connection))
        {
            using var command = connection.CreateCommand();
            command.CommandText = Pragmas;
            command.ExecuteNonQuery();
        }
    }

    public override async Task ConnectionOpenedAsync(DbConnection connection, ConnectionEndEventData eventData, CancellationToken cancellationToken = default)
    {
        if (FirstOpen(connection))
        {
            await using var command = connection.CreateCommand();
            command.CommandText = Pragmas;
            await command.ExecuteNonQueryAsync(cancellationToken);
        }
    }

    /// <summary>Whether this native connection has not been tuned yet (always true when the handle cannot be seen).</summary>
    private bool FirstOpen(DbConnection connection)
    {
        if (connection is not SqliteConnection { Handle: { } handle })
        {
            return true;
        }
        var first = false;
        _tuned.GetValue(handle, _ =>
        {
            first = true;
            return handle;
        });
        return first;
    }
}
