using System.Collections.Concurrent;
using System.Threading.Channels;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using OpenChatStudio.Core.Data;
using OpenChatStudio.Core.Teams;

namespace OpenChatStudio.Core.Sessions;

public enum ExportState
{
    Queued,
    Running,
    Ready,
    Failed,
}

/// <summary>What the UI shows about an export: progress while it runs, a file name when it is ready.</summary>
public sealed record ExportStatus(Guid Id, ExportState State, long RowsWritten, long TotalRows, string FileName, string? Error, DateTime CreatedAt)
{
    public int Percent => TotalRows <= 0 ? (State == ExportState.Ready ? 100 : 0) : (int)Math.Min(100, RowsWritten * 100 / TotalRows);
}

/// <summary>
/// Chat CSV exports in the background: <see cref="Enqueue"/> puts a job on an in-process channel, <see cref="SessionExportWorker"/>
/// writes the file under the data directory (<c>exports/</c>), and the page polls <see cref="Get"/>. Jobs live in memory:
/// a restart forgets them (the files are swept after <see cref="Retention"/>).
/// </summary>
public sealed class SessionExportService(DatabaseOptions options, string contentRoot, TimeProvider clock)
{
    public static readonly TimeSpan Retention = TimeSpan.FromHours(24);

    private readonly Channel<ExportJob> _queue = Channel.CreateUnbounded<ExportJob>(new UnboundedChannelOptions { SingleReader = true });
    private readonly ConcurrentDictionary<Guid, ExportJob> _jobs = new();

    public string Directory { get; } = Path.GetFullPath(Path.Combine(contentRoot, options.DataDirectory, "exports"));

    internal ChannelReader<ExportJob> Reader => _queue.Reader;

    public ExportStatus Enqueue(TeamAccess access, SessionFilter filter)
    {
        if (!access.Can(TeamPermission.ViewSessions))
        {
            throw new UnauthorizedAccessException("This member cannot read sessions.");
        }
        var now = clock.GetUtcNow().UtcDateTime;
        var job = new ExportJob(Guid.NewGuid(), access.TeamId, access.UserId, filter, now, $"chats-{access.Slug}-{now:yyyyMMdd-HHmmss}.csv");
        _jobs[job.Id] = job;
        _queue.Writer.TryWrite(job);
        return job.Status();
    }

    /// <summary>The job's status for a member of its team, or null (unknown id, or another team's export).</summary>
    public ExportStatus? Get(TeamAccess access, Guid id) =>
        _jobs.TryGetValue(id, out var job) && job.TeamId == access.TeamId ? job.Status() : null;

    /// <summary>The finished file of a job of this team, or null.</summary>
    public (string Path, string FileName)? GetFile(TeamAccess access, Guid id) =>
        _jobs.TryGetValue(id, out var job) && job.TeamId == access.TeamId && job.State == ExportState.Ready && File.Exists(job.FilePath(Directory))
            ? (job.FilePath(Directory), job.FileName)
            : null;

    internal void SweepOldFiles()
    {
        if (!System.IO.Directory.Exists(Directory))
        {
            return;
        }
        var cutoff = clock.GetUtcNow().UtcDateTime - Retention;
        foreach (var file in System.IO.Directory.EnumerateFiles(Directory, "*.csv"))
        {
            if (File.GetLastWriteTimeUtc(file) < cutoff)
            {
                File.Delete(file);
            }
        }
        foreach (var stale in _jobs.Values.Where(j => j.CreatedAt < cutoff))
        {
            _jobs.TryRemove(stale.Id, out _);
        }
    }

    internal sealed class ExportJob(Guid id, Guid teamId, Guid userId, SessionFilter filter, DateTime createdAt, string fileName)
    {
        private long _rows;

        public Guid Id { get; } = id;

        public Guid TeamId { get; } = teamId;

        public Guid UserId { get; } = userId;

        public SessionFilter Filter { get; } = filter;

        public DateTime CreatedAt { get; } = createdAt;

        public string FileName { get; } = fileName;

        public volatile ExportState StateField = ExportState.Queued;

        public ExportState State => StateField;

        public long TotalRows { get; set; }

        public string? Error { get; set; }

        public void Report(long rows) => Interlocked.Exchange(ref _rows, rows);

        public string FilePath(string directory) => Path.Combine(directory, $"{Id:N}.csv");

        public ExportStatus Status() => new(Id, State, Interlocked.Read(ref _rows), TotalRows, FileName, Error, CreatedAt);
    }
}

/// <summary>Runs queued chat exports one at a time.</summary>
public sealed partial class SessionExportWorker(SessionExportService exports, SessionCsvExporter exporter, ILogger<SessionExportWorker> logger)
    : BackgroundService
{
    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        await foreach (var job in exports.Reader.ReadAllAsync(stoppingToken))
        {
            await RunAsync(job, stoppingToken);
        }
    }

    internal async Task RunAsync(SessionExportService.ExportJob job, CancellationToken ct)
    {
        job.StateField = ExportState.Running;
        var path = job.FilePath(exports.Directory);
        var partial = path + ".part";
        try
        {
            exports.SweepOldFiles();
            Directory.CreateDirectory(exports.Directory);
            job.TotalRows = await exporter.CountRowsAsync(job.TeamId, job.Filter, ct);
            await using (var file = new FileStream(partial, FileMode.Create, FileAccess.Write, FileShare.None, 64 * 1024, useAsync: true))
            {
                var rows = await exporter.WriteAsync(job.TeamId, job.Filter, file, job.Report, ct);
                job.Report(rows);
            }
            File.Move(partial, path, overwrite: true);
            job.StateField = ExportState.Ready;
            LogExported(job.Id, job.TeamId, job.Status().RowsWritten);
        }
        catch (Exception ex) when (ex is not OperationCanceledException || !ct.IsCancellationRequested)
        {
            job.Error = "The export failed. Try again, or narrow the filters.";
            job.StateField = ExportState.Failed;
            LogFailed(ex, job.Id);
            File.Delete(partial);
        }
    }

    [LoggerMessage(Level = LogLevel.Information, Message = "Chat export {ExportId} for team {TeamId} wrote {Rows} rows")]
    private partial void LogExported(Guid exportId, Guid teamId, long rows);

    [LoggerMessage(Level = LogLevel.Error, Message = "Chat export {ExportId} failed")]
    private partial void LogFailed(Exception ex, Guid exportId);
}
