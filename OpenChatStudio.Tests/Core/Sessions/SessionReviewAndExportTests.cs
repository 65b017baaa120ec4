using System.Text;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging.Abstractions;
using OpenChatStudio.Core.Chat;
using OpenChatStudio.Core.Data;
using OpenChatStudio.Core.Sessions;
using OpenChatStudio.Core.Teams;
using OpenChatStudio.Tests.TestSupport;

namespace OpenChatStudio.Tests.Core.Sessions;

/// <summary>Transcript review actions and the chat CSV export, on a real database.</summary>
public class SessionReviewAndExportTests : IAsyncLifetime
{
    private static readonly DateTime T0 = new(2026, 3, 1, 12, 0, 0, DateTimeKind.Utc);
    private readonly CoreHost _host = new();
    private TeamAccess _access = default!;
    private SessionSeeder _seed = default!;

    public async Task InitializeAsync()
    {
        await _host.InitializeAsync();
        var owner = await _host.CreateUserAsync();
        var teams = _host.Get<TeamService>();
        var team = (await teams.CreateTeamAsync(owner.Id, "Export", CancellationToken.None)).Value!;
        _access = (await teams.GetAccessAsync(owner.Id, team.Slug, CancellationToken.None))!;
        _seed = new SessionSeeder(_host, _access);
    }

    public Task DisposeAsync() => _host.DisposeAsync();

    private SessionReviewService Review => _host.Get<SessionReviewService>();

    [Fact]
    public async Task Review_TagsCommentsAndEnd_AreStoredAndShown()
    {
        var bot = await _seed.ChatbotAsync("Helpdesk");
        var p = await _seed.ParticipantAsync("p@example.test", name: "Pat");
        var id = await _seed.SessionAsync(bot, p.Id, T0, tags: ["bot-tag"], version: 3, rating: MessageRating.Down);
        var details = (await Review.GetAsync(_access, id, default))!;
        var botMessage = details.Messages.Single(m => m.Role == MessageRole.Ai);

        Assert.True((await Review.AddTagAsync(_access, id, " needs-follow-up ", default)).Succeeded);
        Assert.True((await Review.RemoveTagAsync(_access, id, "bot-tag", default)).Succeeded);
        Assert.True((await Review.AddCommentAsync(_access, id, null, "Whole session looks fine", "Rev", default)).Succeeded);
        Assert.True((await Review.AddCommentAsync(_access, id, botMessage.Id, "Wrong answer here", "Rev", default)).Succeeded);
        Assert.False((await Review.AddCommentAsync(_access, id, Guid.NewGuid(), "stray", "Rev", default)).Succeeded);
        Assert.False((await Review.AddCommentAsync(_access, id, null, "   ", "Rev", default)).Succeeded);
        Assert.True((await Review.EndAsync(_access, id, default)).Succeeded);

        var after = (await Review.GetAsync(_access, id, default))!;
        Assert.Equal(["needs-follow-up"], after.Session.Tags);
        Assert.Equal("Whole session looks fine", Assert.Single(after.SessionComments).Text);
        var reviewed = after.Messages.Single(m => m.Role == MessageRole.Ai);
        Assert.Equal(("Wrong answer here", 3, MessageRating.Down), (Assert.Single(reviewed.Comments).Text, reviewed.VersionNumber, reviewed.Rating));
        Assert.Equal(SessionStatus.PendingReview, after.Session.Status);
        Assert.Equal("manual", after.EndReason);
        Assert.Equal(["needs-follow-up"], (await _host.Get<SessionQueryService>().QueryAsync(_access, new SessionFilter(Tag: "needs-follow-up"), 0, 10, default)).Rows.Single().Tags);
    }

    [Fact]
    public async Task Review_ViewersCanReadButNotChange_AndOtherTeamsSeeNothing()
    {
        var bot = await _seed.ChatbotAsync("Helpdesk");
        var p = await _seed.ParticipantAsync("p@example.test");
        var id = await _seed.SessionAsync(bot, p.Id, T0);
        var viewer = _access with { Role = TeamRole.Viewer };
        var owner = await _host.CreateUserAsync();
        var teams = _host.Get<TeamService>();
        var other = (await teams.CreateTeamAsync(owner.Id, "Other", CancellationToken.None)).Value!;
        var stranger = (await teams.GetAccessAsync(owner.Id, other.Slug, CancellationToken.None))!;

        Assert.NotNull(await Review.GetAsync(viewer, id, default));
        Assert.False((await Review.AddTagAsync(viewer, id, "x", default)).Succeeded);
        Assert.False((await Review.AddCommentAsync(viewer, id, null, "x", "V", default)).Succeeded);
        Assert.False((await Review.EndAsync(viewer, id, default)).Succeeded);
        Assert.Null(await Review.GetAsync(stranger, id, default));
        Assert.False((await Review.AddTagAsync(stranger, id, "x", default)).Succeeded);
        Assert.False((await Review.EndAsync(stranger, id, default)).Succeeded);
        Assert.Equal(SessionStatus.Active, (await Review.GetAsync(_access, id, default))!.Session.Status);
    }

    [Fact]
    public async Task Rating_OnlyBotMessagesOfTheSession()
    {
        var bot = await _seed.ChatbotAsync("Helpdesk");
        var p = await _seed.ParticipantAsync("p@example.test");
        var id = await _seed.SessionAsync(bot, p.Id, T0);
        var messages = (await Review.GetAsync(_access, id, default))!.Messages;

        Assert.False((await Review.SetRatingAsync(_access.TeamId, id, messages.Single(m => m.Role == MessageRole.Human).Id, MessageRating.Up, default)).Succeeded);
        Assert.True((await Review.SetRatingAsync(_access.TeamId, id, messages.Single(m => m.Role == MessageRole.Ai).Id, MessageRating.Up, default)).Succeeded);
        Assert.Equal(1, (await _host.Get<SessionQueryService>().QueryAsync(_access, new SessionFilter(HasRating: true), 0, 10, default)).Total);
    }

    [Fact]
    public async Task RatedFilter_FollowsRatingsAsTheyAreSetAndCleared()
    {
        var bot = await _seed.ChatbotAsync("Rated");
        var p = await _seed.ParticipantAsync("rated@example.test");
        var id = await _seed.SessionAsync(bot, p.Id, T0, exchange: ["q1", "a1", "q2", "a2"]);
        var answers = (await Review.GetAsync(_access, id, default))!.Messages.Where(m => m.Role == MessageRole.Ai).Select(m => m.Id).ToList();
        async Task<(int Rated, int Unrated)> CountsAsync() => (
            (await _host.Get<SessionQueryService>().QueryAsync(_access, new SessionFilter(ChatbotId: bot, HasRating: true), 0, 10, default)).Total,
            (await _host.Get<SessionQueryService>().QueryAsync(_access, new SessionFilter(ChatbotId: bot, HasRating: false), 0, 10, default)).Total);

        Assert.Equal((0, 1), await CountsAsync());
        await Review.SetRatingAsync(_access.TeamId, id, answers[0], MessageRating.Up, default);
        await Review.SetRatingAsync(_access.TeamId, id, answers[1], MessageRating.Down, default);
        Assert.Equal((1, 0), await CountsAsync());
        await Review.SetRatingAsync(_access.TeamId, id, answers[0], null, default);
        Assert.Equal((1, 0), await CountsAsync()); // the other answer is still rated
        await Review.SetRatingAsync(_access.TeamId, id, answers[1], null, default);
        Assert.Equal((0, 1), await CountsAsync());
    }

    private static List<List<string>> ParseCsv(string text)
    {
        var rows = new List<List<string>>();
        var row = new List<string>();
        var field = new StringBuilder();
        var quoted = false;
        for (var i = 0; i < text.Length; i++)
        {
            var ch = text[i];
            if (quoted)
            {
                if (ch == '"' && i + 1 < text.Length && text[i + 1] == '"')
                {
                    field.Append('"');
                    i++;
                }
                else if (ch == '"')
                {
                    quoted = false;
                }
                else
                {
                    field.Append(ch);
                }
            }
            else if (ch == '"')
            {
                quoted = true;
            }
            else if (ch == ',')
            {
                row.Add(field.ToString());
                field.Clear();
            }
            else if (ch == '\r' && i + 1 < text.Length && text[i + 1] == '\n')
            {
                row.Add(field.ToString());
                field.Clear();
                rows.Add(row);
                row = [];
                i++;
            }
            else
            {
                field.Append(ch);
            }
        }
        return rows;
    }

    private async Task<(byte[] Bytes, List<List<string>> Rows)> ExportAsync(SessionFilter filter)
    {
        using var stream = new MemoryStream();
        await _host.Get<SessionCsvExporter>().WriteAsync(_access.TeamId, filter, stream, null, default);
        var bytes = stream.ToArray();
        return (bytes, ParseCsv(Encoding.UTF8.GetString(bytes.AsSpan(3))));
    }

    [Fact]
    public async Task Csv_HasOcsColumns_Bom_EscapedContent_AndOnlyTheFilteredSessions()
    {
        var bot = await _seed.ChatbotAsync("Helpdesk");
        var pat = await _seed.ParticipantAsync("pat@example.test", name: "Pat");
        var kim = await _seed.ParticipantAsync("kim@example.test");
        var tagged = await _seed.SessionAsync(bot, pat.Id, T0, tags: ["vip"], exchange: ["Hi, \"bot\"\nsecond line", "Hello Pat"]);
        await _seed.SessionAsync(bot, kim.Id, T0.AddHours(1), exchange: ["not exported", "nope"]);
        var humanId = (await Review.GetAsync(_access, tagged, default))!.Messages[0].Id;
        await Review.AddCommentAsync(_access, tagged, null, "session note", "Rev", default);
        await Review.AddCommentAsync(_access, tagged, humanId, "message note", "Rev", default);

        var (bytes, rows) = await ExportAsync(new SessionFilter(ChatbotId: bot, Tag: "vip"));

        Assert.Equal(new byte[] { 0xEF, 0xBB, 0xBF }, bytes[..3]);
        Assert.Equal(
            ["Message ID", "Message Date", "Message Type", "Message Content", "Platform", "Session Tags", "Session Comments", "Session ID",
             "Session State", "Chatbot ID", "Chatbot Name", "Participant Name", "Participant Identifier", "Participant Public ID",
             "Message Tags", "Message Comments", "Trace ID", "Participant Data"],
            rows[0]);
        Assert.Equal(3, rows.Count);
        var human = rows[1];
        var col = (string name) => rows[0].IndexOf(name);
        Assert.Equal("Hi, \"bot\"\nsecond line", human[col("Message Content")]);
        Assert.Equal("human", human[col("Message Type")]);
        Assert.Equal("ai", rows[2][col("Message Type")]);
        Assert.Equal(tagged.ToString(), human[col("Session ID")]);
        Assert.Equal("vip", human[col("Session Tags")]);
        Assert.Equal("Rev: session note", human[col("Session Comments")]);
        Assert.Equal("Rev: message note", human[col("Message Comments")]);
        Assert.Equal("", rows[2][col("Message Comments")]);
        Assert.Equal(("Helpdesk", "Pat", "pat@example.test", "web"), (human[col("Chatbot Name")], human[col("Participant Name")], human[col("Participant Identifier")], human[col("Platform")]));
        Assert.Equal("2026-03-01T12:00:00.000000Z", human[col("Message Date")]);
        Assert.All(rows.Skip(1), r => Assert.Equal(rows[0].Count, r.Count));
        Assert.DoesNotContain(rows, r => r.Contains("not exported"));
    }

    [Fact]
    public async Task Csv_StreamsAcrossSessionBatches_IncludingSessionsWithIdenticalTimestamps()
    {
        var bot = await _seed.ChatbotAsync("Bulk");
        var p = await _seed.ParticipantAsync("bulk@example.test");
        var count = SessionCsvExporter.SessionBatchSize + 15;
        await using (var db = await _host.Get<IDbContextFactory<AppDbContext>>().CreateForTeamAsync(_access.TeamId, default))
        {
            for (var i = 0; i < count; i++)
            {
                var s = new ChatSession(_access.TeamId, bot, p.Id, "web");
                db.ChatSessions.Add(s);
                db.Entry(s).Property(x => x.CreatedAt).CurrentValue = T0; // every session at the same instant
                db.ChatMessages.Add(new ChatMessage(_access.TeamId, s.Id, 1, MessageRole.Human, $"m{i}"));
            }
            await db.SaveChangesAsync();
        }
        var exporter = _host.Get<SessionCsvExporter>();

        var (_, rows) = await ExportAsync(new SessionFilter(ChatbotId: bot));

        Assert.Equal(count, await exporter.CountRowsAsync(_access.TeamId, new SessionFilter(ChatbotId: bot), default));
        Assert.Equal(count, rows.Count - 1);
        Assert.Equal(count, rows.Skip(1).Select(r => r[3]).Distinct().Count());
    }

    private async Task<ExportStatus> WaitForAsync(SessionExportService exports, Guid id)
    {
        ExportStatus? status = null;
        for (var i = 0; i < 400 && status?.State is not (ExportState.Ready or ExportState.Failed); i++)
        {
            await Task.Delay(50);
            status = await exports.GetAsync(_access, id, default);
        }
        return status!;
    }

    [Fact]
    public async Task BackgroundExport_ReportsProgress_AndOffersTheFileOnlyToItsTeam()
    {
        var bot = await _seed.ChatbotAsync("Queued");
        var p = await _seed.ParticipantAsync("q@example.test");
        await _seed.SessionAsync(bot, p.Id, T0, exchange: ["a", "b", "c"]);
        var exports = _host.Get<SessionExportService>();
        var worker = ActivatorUtilities.CreateInstance<SessionExportWorker>(_host.Services, NullLogger<SessionExportWorker>.Instance);
        await worker.StartAsync(default);
        try
        {
            var queued = await exports.EnqueueAsync(_access, new SessionFilter(ChatbotId: bot), "Rita", default);
            var status = await WaitForAsync(exports, queued.Id);

            Assert.Equal(ExportState.Ready, status.State);
            Assert.Equal((3, 3, 100, "Rita"), (status.RowsWritten, status.TotalRows, status.Percent, status.RequestedBy));
            Assert.NotNull(status.FinishedAt);
            var file = await exports.GetFileAsync(_access, queued.Id, default);
            Assert.NotNull(file);
            Assert.Equal(4, (await File.ReadAllLinesAsync(file.Value.Path)).Length);
            Assert.EndsWith(".csv", file.Value.FileName);
            Assert.Equal(queued.Id, Assert.Single(await exports.ListRecentAsync(_access, 10, default)).Id);
            var stranger = _access with { TeamId = Guid.NewGuid() };
            Assert.Null(await exports.GetAsync(stranger, queued.Id, default));
            Assert.Null(await exports.GetFileAsync(stranger, queued.Id, default));
            Assert.Empty(await exports.ListRecentAsync(stranger, 10, default));
        }
        finally
        {
            await worker.StopAsync(default);
        }
    }

    /// <summary>A second service over the same database and directory: what a restarted process sees.</summary>
    private SessionExportService RestartedService()
    {
        var current = _host.Get<SessionExportService>();
        return new SessionExportService(_host.Get<IDbContextFactory<AppDbContext>>(), new OpenChatStudio.Core.Data.DatabaseOptions { DataDirectory = "" },
            Path.GetDirectoryName(current.Directory)!, TimeProvider.System);
    }

    [Fact]
    public async Task ExportJobs_SurviveARestart_RunningIsMarkedFailed_QueuedRunsAgain()
    {
        var bot = await _seed.ChatbotAsync("Restart");
        var p = await _seed.ParticipantAsync("r@example.test");
        await _seed.SessionAsync(bot, p.Id, T0, exchange: ["a", "b"]);
        var before = _host.Get<SessionExportService>(); // no worker runs: jobs stay queued
        var interrupted = await before.EnqueueAsync(_access, new SessionFilter(ChatbotId: bot), "Rita", default);
        var waiting = await before.EnqueueAsync(_access, new SessionFilter(ChatbotId: bot), "Rita", default);
        await using (var db = await _host.Get<IDbContextFactory<AppDbContext>>().CreateForTeamAsync(_access.TeamId, default))
        {
            (await db.SessionExports.SingleAsync(e => e.Id == interrupted.Id)).State = ExportState.Running;
            await db.SaveChangesAsync();
        }
        Directory.CreateDirectory(before.Directory);
        var partial = Path.Combine(before.Directory, $"{interrupted.Id:N}.csv.part");
        await File.WriteAllTextAsync(partial, "half a file");

        var after = RestartedService();
        var worker = new SessionExportWorker(after, _host.Get<SessionCsvExporter>(), NullLogger<SessionExportWorker>.Instance);
        await worker.StartAsync(default);
        try
        {
            var resumed = await WaitForAsync(after, waiting.Id);
            var failed = await after.GetAsync(_access, interrupted.Id, default);

            Assert.Equal((ExportState.Ready, 2L), (resumed.State, resumed.RowsWritten));
            Assert.NotNull(await after.GetFileAsync(_access, waiting.Id, default));
            Assert.Equal((ExportState.Failed, SessionExportService.InterruptedMessage), (failed!.State, failed.Error));
            Assert.Null(await after.GetFileAsync(_access, interrupted.Id, default));
            Assert.False(File.Exists(partial));
            Assert.Equal(2, (await after.ListRecentAsync(_access, 10, default)).Count);
        }
        finally
        {
            await worker.StopAsync(default);
        }
    }

    [Fact]
    public async Task ExportJobs_ARestartingInstance_LeavesJobsOtherInstancesAreRunning()
    {
        var now = DateTime.UtcNow;
        SessionExport Running(string name, DateTime? heartbeat) =>
            new(_access.TeamId, _access.UserId, "Rita", "{}", name, now.AddMinutes(-5)) { State = ExportState.Running, HeartbeatAt = heartbeat };
        var alive = Running("alive.csv", now.AddSeconds(-5));
        var lost = Running("lost.csv", now - SessionExportService.StaleAfter - TimeSpan.FromSeconds(5));
        var recentlyQueued = new SessionExport(_access.TeamId, _access.UserId, "Rita", "{}", "new.csv", now);
        await using (var db = await _host.Get<IDbContextFactory<AppDbContext>>().CreateForTeamAsync(_access.TeamId, default))
        {
            db.SessionExports.AddRange(alive, lost, recentlyQueued);
            await db.SaveChangesAsync();
        }

        var periodic = await RestartedService().RecoverAsync(default, startUp: false);
        var atStartUp = await RestartedService().RecoverAsync(default);

        Assert.Equal((1, 0), periodic); // the lost job failed; a job queued a moment ago is left to its instance
        Assert.Equal((0, 1), atStartUp);
        var exports = _host.Get<SessionExportService>();
        Assert.Equal(ExportState.Running, (await exports.GetAsync(_access, alive.Id, default))!.State);
        Assert.Equal((ExportState.Failed, SessionExportService.InterruptedMessage),
            ((await exports.GetAsync(_access, lost.Id, default))!.State, (await exports.GetAsync(_access, lost.Id, default))!.Error));
    }

    [Fact]
    public async Task ExportHeartbeat_RecordsProgress_ThatAnotherInstanceShows()
    {
        var exports = _host.Get<SessionExportService>();
        var job = await exports.EnqueueAsync(_access, new SessionFilter(), "Rita", default);
        Assert.NotNull(await exports.ClaimAsync(job.Id, default));
        exports.Report(job.Id, 1_234);

        await exports.HeartbeatAsync(_access.TeamId, job.Id, default);

        var seenElsewhere = await RestartedService().GetAsync(_access, job.Id, default);
        Assert.Equal((ExportState.Running, 1_234L), (seenElsewhere!.State, seenElsewhere.RowsWritten));
        await using var db = await _host.Get<IDbContextFactory<AppDbContext>>().CreateForTeamAsync(_access.TeamId, default);
        var row = await db.SessionExports.SingleAsync(e => e.Id == job.Id);
        Assert.InRange(row.HeartbeatAt!.Value, DateTime.UtcNow.AddSeconds(-30), DateTime.UtcNow.AddSeconds(1));
    }

    [Fact]
    public async Task ExportRetention_DeletesOldFilesAndRows_KeepsRecentOnes()
    {
        var exports = _host.Get<SessionExportService>();
        Directory.CreateDirectory(exports.Directory);
        var now = DateTime.UtcNow;
        var old = new SessionExport(_access.TeamId, _access.UserId, "Rita", "{}", "old.csv", now - SessionExportService.Retention - TimeSpan.FromHours(1))
        {
            State = ExportState.Ready, FilePath = $"{Guid.NewGuid():N}.csv", FinishedAt = now.AddDays(-2),
        };
        var recent = new SessionExport(_access.TeamId, _access.UserId, "Rita", "{}", "recent.csv", now.AddMinutes(-5))
        {
            State = ExportState.Ready, FilePath = $"{Guid.NewGuid():N}.csv", FinishedAt = now.AddMinutes(-4),
        };
        await File.WriteAllTextAsync(Path.Combine(exports.Directory, old.FilePath), "old");
        await File.WriteAllTextAsync(Path.Combine(exports.Directory, recent.FilePath), "recent");
        await using (var db = await _host.Get<IDbContextFactory<AppDbContext>>().CreateForTeamAsync(_access.TeamId, default))
        {
            db.SessionExports.AddRange(old, recent);
            await db.SaveChangesAsync();
        }

        Assert.Equal(1, await exports.SweepAsync(default));

        Assert.False(File.Exists(Path.Combine(exports.Directory, old.FilePath)));
        Assert.True(File.Exists(Path.Combine(exports.Directory, recent.FilePath)));
        Assert.Null(await exports.GetAsync(_access, old.Id, default));
        Assert.Equal("recent.csv", Assert.Single(await exports.ListRecentAsync(_access, 10, default)).FileName);
        Assert.NotNull(await exports.GetFileAsync(_access, recent.Id, default));
    }
}
