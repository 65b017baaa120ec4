using Microsoft.EntityFrameworkCore;
using Microsoft.EntityFrameworkCore.Design;

namespace OpenChatStudio.Core.Data;

/// <summary>The embedded default provider. Migrations live in Migrations/Sqlite.</summary>
public sealed class SqliteAppDbContext(DbContextOptions<SqliteAppDbContext> options) : AppDbContext(options)
{
    protected override void OnModelCreating(ModelBuilder builder)
    {
        base.OnModelCreating(builder);
        // The sessions list's tag filter scans the team's tag text: covered by an index, SQLite reads 100k sessions' tags
        // in 10 ms instead of 300 ms (docs/performance.md). Not on PostgreSQL, whose b-tree entries are limited to ≈ 2.7 KB
        // (a session may carry many tags) and whose scan is fast enough without it.
        builder.Entity<Chat.ChatSession>().HasIndex(s => new { s.TeamId, s.TagsJson });
    }
}

/// <summary>Lets <c>dotnet ef</c> build the SQLite model without the web host.</summary>
public sealed class SqliteDesignTimeFactory : IDesignTimeDbContextFactory<SqliteAppDbContext>
{
    public SqliteAppDbContext CreateDbContext(string[] args) =>
        new(new DbContextOptionsBuilder<SqliteAppDbContext>().UseSqlite("Data Source=design-time.db").Options);
}
