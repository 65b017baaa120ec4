using System.Collections.Concurrent;
using System.Text.Json;
using System.Threading.Channels;
using Microsoft.EntityFrameworkCore;
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
public sealed record ExportStatus(Guid Id, ExportState State, long RowsWritten, long TotalRows, string FileName, string? Error, DateTime CreatedAt,
    DateTime? FinishedAt = null, string RequestedBy = "")
{
    public int Percent => TotalRows <= 0 ? (State == ExportState.Ready ? 100 : 0) : (int)Math.Min(100, RowsWritten * 100 / TotalRows);
}

/// <summary>
/// Chat CSV exports in the background. <see cref="EnqueueAsync"/> stores a job row (<see cref="SessionExport"/>) and
/// wakes <see cref="SessionExportWorker"/>, which writes the file under the data directory (<c>exports/</c>); the page
/// polls <see cref="GetAsync"/> and lists <see cref="ListRecentAsync"/>. Jobs survive a restart: at start-up (and every
/// <see cref="StaleAfter"/>) queued jobs run again, and a running job whose instance stopped sending heartbeats is marked
/// failed (<see cref="InterruptedMessage"/>); jobs other instances are running keep running. Files and rows older than
/// <see cref="Retention"/> are deleted.
/// </summary>
public sealed class SessionExportService(IDbContextFactory<AppDbContext> dbFactory, DatabaseOptions options, string contentRoot, TimeProvider clock)
{
    public static readonly TimeSpan Retention = TimeSpan.FromHours(24);

    /// <summary>How often a running job records that it is alive, with its progress.</summary>
    public static readonly TimeSpan HeartbeatInterval = TimeSpan.FromSeconds(10);

    /// <summary>A running job without a heartbeat for this long was lost with its instance.</summary>
    public static readonly TimeSpan StaleAfter = TimeSpan.FromMinutes(1);

    public const string InterruptedMessage = "The export was interrupted by a server restart. Start it again.";

    public const string FailedMessage = "The export failed. Try again, or narrow the filters.";

    private readonly Channel<Guid> _queue = Channel.CreateUnbounded<Guid>(new UnboundedChannelOptions { SingleReader = true });

    /// <summary>Rows written by jobs running in this process (persisted when the job ends).</summary>
    private readonly ConcurrentDictionary<Guid, long> _live = new();

    public string Directory { get; } = Path.GetFullPath(Path.Combine(contentRoot, options.DataDirectory, "exports"));

    internal ChannelReader<Guid> Reader => _queue.Reader;

    public async Task<ExportStatus> EnqueueAsync(TeamAccess access, SessionFilter filter, string requestedByName, CancellationToken ct)
    {
        if (!access.Can(TeamPermission.ViewSessions))
        {
            throw new UnauthorizedAccessException("This member cannot read sessions.");
        }
        var now = clock.GetUtcNow().UtcDateTime;
        var name = requestedByName.Length > 256 ? requestedByName[..256] : requestedByName;
        var job = new SessionExport(access.TeamId, access.UserId, name, JsonSerializer.Serialize(filter),
            $"chats-{access.Slug}-{now:yyyyMMdd-HHmmss}.csv", now);
        await using (var db = await dbFactory.CreateForTeamAsync(access.TeamId, ct))
        {
            db.SessionExports.Add(job);
            await db.SaveChangesAsync(ct);
        }
        _queue.Writer.TryWrite(job.Id);
        return ToStatus(job);
    }

    /// <summary>The job's status for a member of its team, or null (unknown id, or another team's export).</summary>
    public async Task<ExportStatus?> GetAsync(TeamAccess access, Guid id, CancellationToken ct)
    {
        await using var db = await dbFactory.CreateForTeamAsync(access.TeamId, ct);
        var job = await db.SessionExports.AsNoTracking().FirstOrDefaultAsync(e => e.Id == id, ct);
        return job is null ? null : ToStatus(job);
    }

    /// <summary>The team's exports of the retention period, newest first.</summary>
    public async Task<IReadOnlyList<ExportStatus>> ListRecentAsync(TeamAccess access, int take, CancellationToken ct)
    {
        if (!access.Can(TeamPermission.ViewSessions))
        {
            return [];
        }
        await using var db = await dbFactory.CreateForTeamAsync(access.TeamId, ct);
        var jobs = await db.SessionExports.AsNoTracking().OrderByDescending(e => e.CreatedAt).Take(Math.Clamp(take, 1, 100)).ToListAsync(ct);
        return jobs.Select(ToStatus).ToList();
    }

    /// <summary>The finished file of a job of this team, or null.</summary>
    public async Task<(string Path, string FileName)?> GetFileAsync(TeamAccess access, Guid id, CancellationToken ct)
    {
        await using var db = await dbFactory.CreateForTeamAsync(access.TeamId, ct);
        var job = await db.SessionExports.AsNoTracking().FirstOrDefaultAsync(e => e.Id == id && e.State == ExportState.Ready, ct);
        if (job?.FilePath is not { } file)
        {
            return null;
        }
        var path = Path.Combine(Directory, file);
        return File.Exists(path) ? (path, job.FileName) : null;
    }

    private ExportStatus ToStatus(SessionExport job) => new(job.Id, job.State,
        job.State == ExportState.Running && _live.TryGetValue(job.Id, out var rows) ? rows : job.RowsWritten,
        job.TotalRows, job.FileName, job.Error, job.CreatedAt, job.FinishedAt, job.RequestedByName);

    internal static string FileNameFor(Guid id) => $"{id:N}.csv";

    internal void Report(Guid id, long rows) => _live[id] = rows;

    internal void Forget(Guid id) => _live.TryRemove(id, out _);

    /// <summary>
    /// At start-up and every <see cref="StaleAfter"/>: running jobs whose instance stopped sending heartbeats (a crash,
    /// a restart) are marked failed and their partial file deleted; queued jobs are queued again (at start-up all of
    /// them, later those waiting longer than <see cref="StaleAfter"/>; claiming is atomic, so a job runs once).
    /// Returns (failed, requeued).
    /// </summary>
    internal async Task<(int Failed, int Requeued)> RecoverAsync(CancellationToken ct, bool startUp = true)
    {
        await using var db = await dbFactory.CreateDbContextAsync(ct);
        var now = clock.GetUtcNow().UtcDateTime;
        var staleBefore = now - StaleAfter;
        var interrupted = await db.SessionExports.IgnoreQueryFilters()
            .Where(e => e.State == ExportState.Running && (e.HeartbeatAt == null || e.HeartbeatAt < staleBefore)).Select(e => e.Id).ToListAsync(ct);
        var failed = interrupted.Count == 0 ? 0 : await db.SessionExports.IgnoreQueryFilters()
            .Where(e => interrupted.Contains(e.Id) && e.State == ExportState.Running && (e.HeartbeatAt == null || e.HeartbeatAt < staleBefore))
            .ExecuteUpdateAsync(u => u.SetProperty(e => e.State, ExportState.Failed).SetProperty(e => e.Error, InterruptedMessage)
                .SetProperty(e => e.FinishedAt, now), ct);
        foreach (var id in interrupted)
        {
            File.Delete(Path.Combine(Directory, FileNameFor(id) + ".part"));
        }
        var queuedBefore = startUp ? DateTime.MaxValue : staleBefore;
        var queued = await db.SessionExports.IgnoreQueryFilters().Where(e => e.State == ExportState.Queued && e.CreatedAt < queuedBefore)
            .OrderBy(e => e.CreatedAt).Select(e => e.Id).ToListAsync(ct);
        foreach (var id in queued)
        {
            _queue.Writer.TryWrite(id);
        }
        return (failed, queued.Count);
    }

    /// <summary>Deletes export files and job rows older than <see cref="Retention"/> (every team), and stray files.</summary>
    internal async Task<int> SweepAsync(CancellationToken ct)
    {
        var cutoff = clock.GetUtcNow().UtcDateTime - Retention;
        await using var db = await dbFactory.CreateDbContextAsync(ct);
        var old = await db.SessionExports.IgnoreQueryFilters()
            .Where(e => e.CreatedAt < cutoff && e.State != ExportState.Running && e.State != ExportState.Queued)
            .Select(e => new { e.Id, e.FilePath }).ToListAsync(ct);
        foreach (var job in old.Where(j => j.FilePath is not null))
        {
            File.Delete(Path.Combine(Directory, job.FilePath!));
        }
        var ids = old.Select(j => j.Id).ToList();
        var deleted = ids.Count == 0 ? 0 : await db.SessionExports.IgnoreQueryFilters().Where(e => ids.Contains(e.Id)).ExecuteDeleteAsync(ct);
        if (System.IO.Directory.Exists(Directory))
        {
            foreach (var file in System.IO.Directory.EnumerateFiles(Directory, "*.csv"))
            {
                if (File.GetLastWriteTimeUtc(file) < cutoff)
                {
                    File.Delete(file);
                }
            }
        }
        return deleted;
    }

    /// <summary>Loads a job for the worker (any team), or null when it is gone or no longer queued.</summary>
    internal async Task<(Guid TeamId, SessionFilter Filter)?> ClaimAsync(Guid id, CancellationToken ct)
    {
        await using var any = await dbFactory.CreateDbContextAsync(ct);
        var job = await any.SessionExports.IgnoreQueryFilters().AsNoTracking().FirstOrDefaultAsync(e => e.Id == id, ct);
        if (job is null)
        {
            return null;
        }
        await using var db = await dbFactory.CreateForTeamAsync(job.TeamId, ct);
        var now = clock.GetUtcNow().UtcDateTime;
        var claimed = await db.SessionExports.Where(e => e.Id == id && e.State == ExportState.Queued)
            .ExecuteUpdateAsync(u => u.SetProperty(e => e.State, ExportState.Running).SetProperty(e => e.HeartbeatAt, now), ct);
        if (claimed == 0)
        {
            return null;
        }
        _live[id] = 0;
        return (job.TeamId, JsonSerializer.Deserialize<SessionFilter>(job.FilterJson) ?? new SessionFilter());
    }

    /// <summary>Records that this instance is still running the job, with the rows written so far.</summary>
    internal async Task HeartbeatAsync(Guid teamId, Guid id, CancellationToken ct)
    {
        var now = clock.GetUtcNow().UtcDateTime;
        var rows = _live.GetValueOrDefault(id);
        await using var db = await dbFactory.CreateForTeamAsync(teamId, ct);
        await db.SessionExports.Where(e => e.Id == id && e.State == ExportState.Running)
            .ExecuteUpdateAsync(u => u.SetProperty(e => e.HeartbeatAt, now).SetProperty(e => e.RowsWritten, rows), ct);
    }

    internal async Task SetTotalAsync(Guid teamId, Guid id, long total, CancellationToken ct)
    {
        await using var db = await dbFactory.CreateForTeamAsync(teamId, ct);
        await db.SessionExports.Where(e => e.Id == id).ExecuteUpdateAsync(u => u.SetProperty(e => e.TotalRows, total), ct);
    }

    internal async Task FinishAsync(Guid teamId, Guid id, long rows, string? error, CancellationToken ct)
    {
        var now = clock.GetUtcNow().UtcDateTime;
        await using var db = await dbFactory.CreateForTeamAsync(teamId, ct);
        var job = await db.SessionExports.SingleAsync(e => e.Id == id, ct);
        job.RowsWritten = rows;
        job.FinishedAt = now;
        job.State = error is null ? ExportState.Ready : ExportState.Failed;
        job.Error = error;
        job.FilePath = error is null ? FileNameFor(id) : null;
        await db.SaveChangesAsync(ct);
        Forget(id);
    }
}

/// <summary>Runs queued chat exports one at a time; recovers jobs of the previous process and sweeps old files.</summary>
public sealed partial class SessionExportWorker(SessionExportService exports, SessionCsvExporter exporter, ILogger<SessionExportWorker> logger)
    : BackgroundService
{
    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        try
        {
            var (failed, requeued) = await exports.RecoverAsync(stoppingToken);
            if (failed + requeued > 0)
            {
                LogRecovered(failed, requeued);
            }
            await exports.SweepAsync(stoppingToken);
        }
        catch (Exception ex) when (ex is not OperationCanceledException)
        {
            LogRecoveryFailed(ex);
        }
        while (!stoppingToken.IsCancellationRequested)
        {
            using var wait = CancellationTokenSource.CreateLinkedTokenSource(stoppingToken);
            wait.CancelAfter(SessionExportService.StaleAfter);
            try
            {
                if (!await exports.Reader.WaitToReadAsync(wait.Token))
                {
                    return;
                }
            }
            catch (OperationCanceledException) when (!stoppingToken.IsCancellationRequested)
            {
                await RecoverQuietlyAsync(stoppingToken);
                continue;
            }
            while (exports.Reader.TryRead(out var id))
            {
                await RunAsync(id, stoppingToken);
            }
        }
    }

    /// <summary>Fails jobs lost with another instance and picks up jobs nobody ran (several instances share the table).</summary>
    private async Task RecoverQuietlyAsync(CancellationToken ct)
    {
        try
        {
            var (failed, requeued) = await exports.RecoverAsync(ct, startUp: false);
            if (failed + requeued > 0)
            {
                LogRecovered(failed, requeued);
            }
        }
        catch (Exception ex) when (ex is not OperationCanceledException)
        {
            LogRecoveryFailed(ex);
        }
    }

    internal async Task RunAsync(Guid id, CancellationToken ct)
    {
        (Guid TeamId, SessionFilter Filter)? claimed;
        try
        {
            claimed = await exports.ClaimAsync(id, ct);
        }
        catch (Exception ex) when (ex is not OperationCanceledException || !ct.IsCancellationRequested)
        {
            LogFailed(ex, id);
            return;
        }
        if (claimed is not { } job)
        {
            return;
        }
        var path = Path.Combine(exports.Directory, SessionExportService.FileNameFor(id));
        var partial = path + ".part";
        using var beating = CancellationTokenSource.CreateLinkedTokenSource(ct);
        var heartbeat = BeatAsync(job.TeamId, id, beating.Token);
        try
        {
            await exports.SweepAsync(ct);
            Directory.CreateDirectory(exports.Directory);
            await exports.SetTotalAsync(job.TeamId, id, await exporter.CountRowsAsync(job.TeamId, job.Filter, ct), ct);
            long rows;
            await using (var file = new FileStream(partial, FileMode.Create, FileAccess.Write, FileShare.None, 64 * 1024, useAsync: true))
            {
                rows = await exporter.WriteAsync(job.TeamId, job.Filter, file, r => exports.Report(id, r), ct);
            }
            File.Move(partial, path, overwrite: true);
            await exports.FinishAsync(job.TeamId, id, rows, null, ct);
            LogExported(id, job.TeamId, rows);
        }
        catch (Exception ex) when (ex is not OperationCanceledException || !ct.IsCancellationRequested)
        {
            LogFailed(ex, id);
            File.Delete(partial);
            await exports.FinishAsync(job.TeamId, id, 0, SessionExportService.FailedMessage, CancellationToken.None);
        }
        finally
        {
            // A late heartbeat changes nothing: it only touches running jobs.
            await beating.CancelAsync();
            await heartbeat;
        }
    }

    /// <summary>Sends the job's heartbeat every <see cref="SessionExportService.HeartbeatInterval"/> until cancelled.</summary>
    private async Task BeatAsync(Guid teamId, Guid id, CancellationToken ct)
    {
        using var timer = new PeriodicTimer(SessionExportService.HeartbeatInterval);
        try
        {
            while (await timer.WaitForNextTickAsync(ct))
            {
                try
                {
                    await exports.HeartbeatAsync(teamId, id, ct);
                }
                catch (Exception ex) when (ex is not OperationCanceledException)
                {
                    LogHeartbeatFailed(ex, id);
                }
            }
        }
        catch (OperationCanceledException)
        {
            // The job ended.
        }
    }

    [LoggerMessage(Level = LogLevel.Warning, Message = "Chat export {ExportId}: heartbeat not recorded")]
    private partial void LogHeartbeatFailed(Exception ex, Guid exportId);

    [LoggerMessage(Level = LogLevel.Information, Message = "Chat export {ExportId} for team {TeamId} wrote {Rows} rows")]
    private partial void LogExported(Guid exportId, Guid teamId, long rows);

    [LoggerMessage(Level = LogLevel.Error, Message = "Chat export {ExportId} failed")]
    private partial void LogFailed(Exception ex, Guid exportId);

    [LoggerMessage(Level = LogLevel.Warning, Message = "Chat exports after restart: {Failed} interrupted marked failed, {Requeued} queued again")]
    private partial void LogRecovered(int failed, int requeued);

    [LoggerMessage(Level = LogLevel.Error, Message = "Chat export recovery at start-up failed")]
    private partial void LogRecoveryFailed(Exception ex);
}
