using Microsoft.EntityFrameworkCore;
using OpenChatStudio.Core.Data;
using OpenChatStudio.Tests.TestSupport;

namespace OpenChatStudio.Tests.Core.Data;

public class MigrationTests
{
    [Fact]
    public void SqliteModel_HasNoPendingChanges()
    {
        using var db = new SqliteDesignTimeFactory().CreateDbContext([]);
        Assert.False(db.Database.HasPendingModelChanges(), "Run: dotnet ef migrations add <Name> --context SqliteAppDbContext -o Migrations/Sqlite");
    }

    [Fact]
    public void PostgresModel_HasNoPendingChanges()
    {
        using var db = new PostgresDesignTimeFactory().CreateDbContext([]);
        Assert.False(db.Database.HasPendingModelChanges(), "Run: dotnet ef migrations add <Name> --context PostgresAppDbContext -o Migrations/Postgres");
    }

    [Fact]
    public async Task ConfiguredProvider_MigratesEmptyDatabase_AndIsTheOneInUse()
    {
        var host = new CoreHost();
        await host.InitializeAsync();
        try
        {
            await using var db = await host.Get<IDbContextFactory<AppDbContext>>().CreateDbContextAsync();

            Assert.Empty(await db.Database.GetPendingMigrationsAsync());
            Assert.NotEmpty(await db.Database.GetAppliedMigrationsAsync());
            var expected = TestDatabase.ConfiguredProvider == DatabaseProvider.Postgres ? "Npgsql.EntityFrameworkCore.PostgreSQL" : "Microsoft.EntityFrameworkCore.Sqlite";
            Assert.Equal(expected, db.Database.ProviderName);
        }
        finally
        {
            await host.DisposeAsync();
        }
    }
}
