using System.Data.Common;
using Microsoft.EntityFrameworkCore.Diagnostics;

namespace OpenChatStudio.Core.Data;

/// <summary>
/// Per-connection SQLite settings. With write-ahead logging (set once by <see cref="DataRegistration.MigrateDatabaseAsync"/>),
/// <c>synchronous=NORMAL</c> keeps the database consistent after a crash and syncs only at checkpoints, not on every commit.
/// </summary>
internal sealed class SqliteTuning : DbConnectionInterceptor
{
    public static readonly SqliteTuning Instance = new();

    private const string Pragmas = "PRAGMA synchronous=NORMAL;";

    public override void ConnectionOpened(DbConnection connection, ConnectionEndEventData eventData)
    {
        using var command = connection.CreateCommand();
        command.CommandText = Pragmas;
        command.ExecuteNonQuery();
    }

    public override async Task ConnectionOpenedAsync(DbConnection connection, ConnectionEndEventData eventData, CancellationToken cancellationToken = default)
    {
        await using var command = connection.CreateCommand();
        command.CommandText = Pragmas;
        await command.ExecuteNonQueryAsync(cancellationToken);
    }
}
