namespace OpenChatStudio.Core.Data;

public enum DatabaseProvider
{
    Sqlite,
    Postgres,
}

/// <summary>Bound from the <c>Database</c> section (env: <c>Database__Provider</c>).</summary>
public sealed class DatabaseOptions
{
    public const string SectionName = "Database";

    public DatabaseProvider Provider { get; set; } = DatabaseProvider.Sqlite;

    /// <summary>Folder for the embedded SQLite file when no connection string is given; relative to the content root.</summary>
    public string DataDirectory { get; set; } = "data";
}
