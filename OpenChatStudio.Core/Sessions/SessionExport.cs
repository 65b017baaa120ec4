using OpenChatStudio.Core.Teams;

namespace OpenChatStudio.Core.Sessions;

/// <summary>
/// A chat CSV export job (table <c>session_exports</c>): who asked for which filter, how far it got, and where the file is.
/// Rows outlive a restart; the file lives under the data directory (<c>exports/{Id:N}.csv</c>) until the retention sweep.
/// </summary>
public sealed class SessionExport : ITeamOwned
{
    public const int MaxErrorLength = 500;

    public Guid Id { get; private set; } = Guid.NewGuid();

    public Guid TeamId { get; private set; }

    public Guid RequestedByUserId { get; private set; }

    public string RequestedByName { get; private set; } = "";

    /// <summary>The <see cref="SessionFilter"/> as JSON.</summary>
    public string FilterJson { get; private set; } = "{}";

    public ExportState State { get; set; } = ExportState.Queued;

    public long RowsWritten { get; set; }

    public long TotalRows { get; set; }

    /// <summary>The name the download is offered under.</summary>
    public string FileName { get; private set; } = "";

    /// <summary>The file's name inside the exports directory, once written.</summary>
    public string? FilePath { get; set; }

    public string? Error { get; set; }

    public DateTime CreatedAt { get; private set; }

    public DateTime? FinishedAt { get; set; }

    /// <summary>
    /// When the instance running the job last said it was alive (with <see cref="RowsWritten"/>). A running job whose
    /// heartbeat is older than <see cref="SessionExportService.StaleAfter"/> was lost with its instance.
    /// </summary>
    public DateTime? HeartbeatAt { get; set; }

    private SessionExport()
    {
    }

    public SessionExport(Guid teamId, Guid requestedByUserId, string requestedByName, string filterJson, string fileName, DateTime now)
    {
        TeamId = teamId;
        RequestedByUserId = requestedByUserId;
        RequestedByName = requestedByName;
        FilterJson = filterJson;
        FileName = fileName;
        CreatedAt = now;
    }
}
