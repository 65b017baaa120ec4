using System.Text.Json.Nodes;
using Microsoft.EntityFrameworkCore;
using Npgsql;
using OpenChatStudio.Core.Chat;
using OpenChatStudio.Core.Data;
using OpenChatStudio.Core.Events;
using OpenChatStudio.Core.Participants;
using OpenChatStudio.Core.Pipelines.Tools;
using OpenChatStudio.Core.Scheduling;
using OpenChatStudio.Tests.TestSupport;
using OpenChatStudio.Tests.TestSupport.Fakes;

namespace OpenChatStudio.Tests.Core.Events;

/// <summary>Scheduled messages delivered by the real Quartz scheduler over a real database (SQLite or PostgreSQL).</summary>
public sealed class ScheduledMessageTests : IAsyncLifetime
{
    private readonly TestDatabase _database = TestDatabase.Create();
    private readonly ScriptedChatService _llm = new();

    public Task InitializeAsync() => Task.CompletedTask;

    public async Task DisposeAsync() => await _database.DisposeAsync();

    [Fact]
    public async Task OnPostgres_TheSchedulerRunsClustered_AndChecksIn_OnSqliteItStaysInProcess()
    {
        await using var host = await EventsHost.StartAsync(_database, new ScriptedResolverFactory(_llm));
        var scheduler = host.Get<SchedulerAccess>().Scheduler!;
        var meta = await scheduler.GetMetadata();
        if (_database.Provider == DatabaseProvider.Postgres)
        {
            // Several app instances on one PostgreSQL share the triggers: each fires on one instance, a dead one's are taken over.
            Assert.True(meta.JobStoreClustered);
            Assert.NotEqual("NON_CLUSTERED", scheduler.SchedulerInstanceId);
            await using var conn = new NpgsqlConnection(_database.ConnectionString);
            await conn.OpenAsync();
            await using var cmd = new NpgsqlCommand("select count(*) from qrtz_scheduler_state where instance_name = @id", conn);
            cmd.Parameters.AddWithValue("id", scheduler.SchedulerInstanceId);
            Assert.Equal(1L, (long)(await cmd.ExecuteScalarAsync())!);
        }
        else
        {
            Assert.False(meta.JobStoreClustered);   // the embedded database serves one instance
            Assert.False(meta.JobStorePersistent);
        }
    }

    [Fact]
    public async Task Reminder_CreatedByAToolCall_FiresAndReachesTheParticipant()
    {
        await using var host = await EventsHost.StartAsync(_database, new ScriptedResolverFactory(_llm));
        var team = await host.CreateTeamAsync();
        var bot = await host.CreateChatbotAsync(team, null, "one-off-reminder");
        var (session, _) = await host.StartSessionAsync(team, bot);
        var due = DateTime.UtcNow.AddSeconds(2);
        _llm.CallTool("one_off_reminder", new { datetime_due = due.ToString("yyyy-MM-ddTHH:mm:ss.fffZ"), message = "Drink water", schedule_name = "water" })
            .Reply("I will remind you.")
            .Reply("Time to drink some water!");

        var turn = await host.Get<ChatRuntime>().SendAsync(team, session, "remind me to drink water in 2 seconds", null, default);
        Assert.Equal("I will remind you.", turn.Reply!.Content);

        await EventsHost.WaitUntilAsync(async () => (await host.MessagesAsync(team, session)).Count == 3, "the reminder is delivered");
        // The row is completed (with its attempt) in the batch's save, just after the message is written.
        await EventsHost.WaitUntilAsync(async () => (await host.QueryAsync(team, db => db.ScheduledMessages.Where(m => m.IsComplete))).Count == 1, "the row completes");
        var messages = await host.MessagesAsync(team, session);
        var reminder = messages[2];
        Assert.Equal(MessageRole.Ai, reminder.Role);
        Assert.Equal("Time to drink some water!", reminder.Content);
        // The bot composed it from the prompt as an instruction, with the conversation as history.
        var request = _llm.Requests.Last().History;
        Assert.Contains("Drink water", request.Last().Content);
        Assert.Contains(request, m => m.Content == "remind me to drink water in 2 seconds");
        var row = (await host.QueryAsync(team, db => db.ScheduledMessages)).Single();
        Assert.Contains($"\"origin\":\"{ScheduleDelivery.OriginFor(row.Id, 1)}\"", reminder.MetadataJson);
        Assert.True(row.IsComplete);
        Assert.Equal(1, row.TotalTriggers);
        var attempt = (await host.QueryAsync(team, db => db.ScheduledMessageAttempts)).Single();
        Assert.True(attempt.Succeeded);
        Assert.Equal(reminder.Id, attempt.MessageId);
        Assert.True(reminder.CreatedAt >= row.NextTriggerAt.AddMilliseconds(-500), "not delivered before it was due");
    }

    [Fact]
    public async Task FailingSend_RetriesWithBackoff_AndRecordsEveryAttempt()
    {
        _llm.Reply("Your weekly check-in!");
        await using var host = await EventsHost.StartAsync(_database, new FlakyResolverFactory(_llm, failures: 2));
        var team = await host.CreateTeamAsync();
        var bot = await host.CreateChatbotAsync(team);
        var (session, participant) = await host.StartSessionAsync(team, bot);

        var created = await host.Get<ScheduleService>().CreateAsync(team, bot, participant,
            new ScheduleRequest("check-in", "Ask how the week went", DateTime.UtcNow.AddMilliseconds(300)), default);
        Assert.True(created.Succeeded, created.Error);

        await EventsHost.WaitUntilAsync(async () => (await host.QueryAsync(team, db => db.ScheduledMessageAttempts.Where(a => a.Succeeded))).Count == 1,
            "the third attempt succeeds");
        var attempts = (await host.QueryAsync(team, db => db.ScheduledMessageAttempts)).OrderBy(a => a.AttemptNumber).ToList();
        Assert.Equal([(1, false), (2, false), (3, true)], attempts.Select(a => (a.AttemptNumber, a.Succeeded)));
        Assert.All(attempts, a => Assert.Equal(1, a.TriggerNumber));
        Assert.Contains("provider unavailable", attempts[0].Log);
        Assert.True(attempts[2].CreatedAt - attempts[1].CreatedAt >= TimeSpan.FromMilliseconds(90), "backoff doubles (50 ms, then 100 ms)");
        var listed = await host.Get<ScheduleService>().ListAttemptsAsync(team, created.Value!.Id, default);
        Assert.Equal(3, listed.Count);
        Assert.Equal("Your weekly check-in!", (await host.MessagesAsync(team, session)).Last().Content);
    }

    [Fact]
    public async Task AllAttemptsFailing_AreRecorded_AndTheRowMovesOn()
    {
        await using var host = await EventsHost.StartAsync(_database, new FlakyResolverFactory(_llm, failures: 100));
        var team = await host.CreateTeamAsync();
        var bot = await host.CreateChatbotAsync(team);
        var (session, participant) = await host.StartSessionAsync(team, bot);

        await host.Get<ScheduleService>().CreateAsync(team, bot, participant, new ScheduleRequest("x", "Say hi", DateTime.UtcNow.AddMilliseconds(200)), default);

        await EventsHost.WaitUntilAsync(async () => (await host.QueryAsync(team, db => db.ScheduledMessageAttempts)).Count == 3, "three attempts");
        Assert.All(await host.QueryAsync(team, db => db.ScheduledMessageAttempts), a => Assert.False(a.Succeeded));
        Assert.True((await host.QueryAsync(team, db => db.ScheduledMessages)).Single().IsComplete);
        Assert.DoesNotContain(await host.MessagesAsync(team, session), m => m.Role == MessageRole.Ai && m.Content.Length > 0 && m.Sequence > 0 && m.MetadataJson.Contains("schedule"));
    }

    [Fact]
    public async Task Recurring_UsesTheParticipantsTimeZone_AndCompletesAfterItsRepetitions()
    {
        await using var host = await EventsHost.StartAsync(_database, new ScriptedResolverFactory(_llm), startScheduler: false);
        var team = await host.CreateTeamAsync();
        var bot = await host.CreateChatbotAsync(team);
        var (session, participant) = await host.StartSessionAsync(team, bot);
        await using (var db = await host.Get<IDbContextFactory<AppDbContext>>().CreateForTeamAsync(team, default))
        {
            var data = new ParticipantData(team, participant, bot)
            {
                ProtectedData = host.Get<ParticipantDataProtector>().Protect(new JsonObject { ["timezone"] = "America/New_York" }),
            };
            db.ParticipantData.Add(data);
            await db.SaveChangesAsync();
        }
        var anchor = DateTime.UtcNow.AddSeconds(-1);
        var created = await host.Get<ScheduleService>().CreateAsync(team, bot, participant,
            new ScheduleRequest("daily", "Daily tip", anchor, 1, TimePeriod.Days, Repetitions: 2), default);
        Assert.Equal("America/New_York", created.Value!.TimeZone);
        var delivery = host.Get<ScheduleDelivery>();

        await delivery.DeliverAsync(team, created.Value.Id, default);
        var afterFirst = (await host.QueryAsync(team, db => db.ScheduledMessages)).Single();
        Assert.Equal(1, afterFirst.TotalTriggers);
        Assert.False(afterFirst.IsComplete);
        var ny = TimeZoneInfo.FindSystemTimeZoneById("America/New_York");
        var expected = Recurrence.Occurrence(anchor, 1, TimePeriod.Days, 1, ny);
        Assert.Equal(expected, afterFirst.NextTriggerAt, TimeSpan.FromMilliseconds(1));

        // Not due yet: a trigger firing early changes nothing.
        await delivery.DeliverAsync(team, created.Value.Id, default);
        Assert.Equal(1, (await host.QueryAsync(team, db => db.ScheduledMessages)).Single().TotalTriggers);
        Assert.Equal(1, (await host.MessagesAsync(team, session)).Count(m => m.MetadataJson.Contains("\"origin\":\"schedule:")));
    }

    [Fact]
    public async Task ConcurrentTriggers_ForTheSameOccurrence_DeliverOnce()
    {
        await using var host = await EventsHost.StartAsync(_database, new ScriptedResolverFactory(_llm), startScheduler: false);
        var team = await host.CreateTeamAsync();
        var bot = await host.CreateChatbotAsync(team);
        var (session, participant) = await host.StartSessionAsync(team, bot);
        var created = await host.Get<ScheduleService>().CreateAsync(team, bot, participant, new ScheduleRequest("once", "Hello", DateTime.UtcNow.AddSeconds(-1)), default);
        var delivery = host.Get<ScheduleDelivery>();

        await Task.WhenAll(Enumerable.Range(0, 6).Select(_ => Task.Run(() => delivery.DeliverAsync(team, created.Value!.Id, default))));

        Assert.Single(await host.MessagesAsync(team, session), m => m.MetadataJson.Contains("\"origin\":\"schedule:"));
        Assert.Single(await host.QueryAsync(team, db => db.ScheduledMessageAttempts));
    }

    [Fact]
    public async Task Restart_WithDueMessages_DeliversEachExactlyOnce()
    {
        Guid team, session;
        var ids = new List<Guid>();
        await using (var first = await EventsHost.StartAsync(_database, new ScriptedResolverFactory(_llm)))
        {
            team = await first.CreateTeamAsync();
            var bot = await first.CreateChatbotAsync(team);
            (session, var participant) = await first.StartSessionAsync(team, bot);
            for (var i = 0; i < 5; i++)
            {
                // Due in an hour: nothing can fire before this host goes down, however slow the machine.
                var r = await first.Get<ScheduleService>().CreateAsync(team, bot, participant, new ScheduleRequest($"m{i}", $"Message {i}", DateTime.UtcNow.AddHours(1)), default);
                ids.Add(r.Value!.Id);
            }
        }
        if (_database.Provider == DatabaseProvider.Postgres)
        {
            // Quartz's persistent ADO store (schema provisioned on start) kept the trigger across the shutdown.
            await using var conn = new NpgsqlConnection(_database.ConnectionString);
            await conn.OpenAsync();
            await using var cmd = new NpgsqlCommand("select count(*) from qrtz_triggers where trigger_name like 'sm-due-%'", conn);
            Assert.True((long)(await cmd.ExecuteScalarAsync())! >= 1, "a persisted delivery trigger survives the shutdown");
        }
        // While the app is down the hour passes: the rows (the source of truth) fall due.
        await using (var offline = await EventsHost.StartAsync(_database, new ScriptedResolverFactory(_llm), startScheduler: false))
        await using (var db = await offline.Get<IDbContextFactory<AppDbContext>>().CreateForTeamAsync(team, default))
        {
            Assert.Equal(0, await db.ScheduledMessages.CountAsync(m => m.IsComplete));
            foreach (var row in await db.ScheduledMessages.ToListAsync())
            {
                row.NextTriggerAt = DateTime.UtcNow.AddSeconds(-1);
            }
            await db.SaveChangesAsync();
        }

        await using (var second = await EventsHost.StartAsync(_database, new ScriptedResolverFactory(_llm)))
        {
            await EventsHost.WaitUntilAsync(async () => (await second.QueryAsync(team, db => db.ScheduledMessages.Where(m => m.IsComplete))).Count == 5,
                "all five are delivered after the restart");
            await EventsHost.WaitUntilAsync(async () => (await second.QueryAsync(team, db => db.ScheduledMessageAttempts)).Count >= 5, "attempts recorded");
        }
        // A third start finds nothing left to deliver.
        await using (var third = await EventsHost.StartAsync(_database, new ScriptedResolverFactory(_llm)))
        {
            var attempts = await third.QueryAsync(team, db => db.ScheduledMessageAttempts);
            Assert.Equal(5, attempts.Count);
            Assert.Equal(ids.Order(), attempts.Select(a => a.ScheduledMessageId).Order());
            Assert.Equal(5, (await third.MessagesAsync(team, session)).Count(m => m.MetadataJson.Contains("\"origin\":\"schedule:")));
        }
    }

    [Fact]
    public async Task ClaimedRow_WhoseClaimerDied_IsClaimedAgainAfterTheLease_AndDeliveredOnce()
    {
        await using var host = await EventsHost.StartAsync(_database, new ScriptedResolverFactory(_llm), startScheduler: false);
        var team = await host.CreateTeamAsync();
        var bot = await host.CreateChatbotAsync(team);
        var (session, participant) = await host.StartSessionAsync(team, bot);
        var schedules = host.Get<ScheduleService>();
        var unsent = await schedules.CreateAsync(team, bot, participant, new ScheduleRequest("unsent", "First", DateTime.UtcNow.AddSeconds(-5)), default);
        var sent = await schedules.CreateAsync(team, bot, participant, new ScheduleRequest("sent", "Second", DateTime.UtcNow.AddSeconds(-5)), default);
        var held = await schedules.CreateAsync(team, bot, participant, new ScheduleRequest("held", "Third", DateTime.UtcNow.AddSeconds(-5)), default);
        var (unsentId, sentId, heldId) = (unsent.Value!.Id, sent.Value!.Id, held.Value!.Id);
        // "sent": the dead claimer had already written the message of occurrence 1 before it could record it.
        var earlier = await host.Get<ChatRuntime>().SendBotMessageAsync(team, session, "Second", ScheduleDelivery.OriginFor(sentId, 1), default);
        Assert.NotNull(earlier.Reply);
        await using (var db = await host.Get<IDbContextFactory<AppDbContext>>().CreateForTeamAsync(team, default))
        {
            var dead = Guid.NewGuid();
            await db.ScheduledMessages.Where(m => m.Id == unsentId || m.Id == sentId)
                .ExecuteUpdateAsync(u => u.SetProperty(m => m.ClaimToken, dead).SetProperty(m => m.LeaseUntil, DateTime.UtcNow.AddSeconds(-1)));
            // "held": its claimer is alive (lease in the future): nobody else may take it.
            await db.ScheduledMessages.Where(m => m.Id == heldId)
                .ExecuteUpdateAsync(u => u.SetProperty(m => m.ClaimToken, Guid.NewGuid()).SetProperty(m => m.LeaseUntil, DateTime.UtcNow.AddMinutes(5)));
        }
        var delivery = host.Get<ScheduleDelivery>();

        var handled = await delivery.DeliverDueAsync(default);
        await delivery.DeliverDueAsync(default);

        Assert.Equal(2, handled);
        var messages = await host.MessagesAsync(team, session);
        Assert.Single(messages, m => m.MetadataJson.Contains(ScheduleDelivery.OriginFor(unsentId, 1)));
        Assert.Single(messages, m => m.MetadataJson.Contains(ScheduleDelivery.OriginFor(sentId, 1)));
        Assert.DoesNotContain(messages, m => m.MetadataJson.Contains(ScheduleDelivery.OriginFor(heldId, 1)));
        var rows = (await host.QueryAsync(team, db => db.ScheduledMessages)).ToDictionary(m => m.Id);
        Assert.True(rows[unsentId].IsComplete);
        Assert.True(rows[sentId].IsComplete);
        Assert.Null(rows[sentId].LeaseUntil);
        Assert.False(rows[heldId].IsComplete);
        var attempts = await host.QueryAsync(team, db => db.ScheduledMessageAttempts);
        var recorded = Assert.Single(attempts, a => a.ScheduledMessageId == sentId);
        Assert.True(recorded.Succeeded);
        Assert.Equal(earlier.Reply!.MessageId, recorded.MessageId);
        Assert.Contains("not sent again", recorded.Log);
        Assert.Single(attempts, a => a.ScheduledMessageId == unsentId && a.Succeeded);
    }

    [Fact]
    public async Task ManyRowsDueTogether_AreDeliveredInBatches_EachOnce()
    {
        await using var host = await EventsHost.StartAsync(_database, new ScriptedResolverFactory(_llm), startScheduler: false);
        var team = await host.CreateTeamAsync();
        var bot = await host.CreateChatbotAsync(team);
        var schedules = host.Get<ScheduleService>();
        var sessions = new List<Guid>();
        for (var i = 0; i < 5; i++)
        {
            var (session, participant) = await host.StartSessionAsync(team, bot, $"p{i}@example.test");
            sessions.Add(session);
            for (var j = 0; j < 30; j++)
            {
                await schedules.CreateAsync(team, bot, participant, new ScheduleRequest($"m{j}", $"Message {j}", DateTime.UtcNow.AddSeconds(-1)), default);
            }
        }
        var delivery = host.Get<ScheduleDelivery>();

        // Two deliverers at once (e.g. the delivery job and the sweep): the leases keep them apart.
        var handled = await Task.WhenAll(Task.Run(() => delivery.DeliverDueAsync(default)), Task.Run(() => delivery.DeliverDueAsync(default)));

        Assert.Equal(150, handled.Sum());
        var attempts = await host.QueryAsync(team, db => db.ScheduledMessageAttempts);
        Assert.Equal(150, attempts.Count);
        Assert.Equal(150, attempts.Select(a => a.ScheduledMessageId).Distinct().Count());
        Assert.All(await host.QueryAsync(team, db => db.ScheduledMessages), m => Assert.True(m.IsComplete && m.LeaseUntil is null));
        foreach (var session in sessions)
        {
            Assert.Equal(30, (await host.MessagesAsync(team, session)).Count(m => m.MetadataJson.Contains("\"origin\":\"schedule:")));
        }
    }

    [Fact]
    public async Task MoveCancelAndList_FollowTheRows()
    {
        await using var host = await EventsHost.StartAsync(_database, new ScriptedResolverFactory(_llm));
        var team = await host.CreateTeamAsync();
        var bot = await host.CreateChatbotAsync(team);
        var (session, participant) = await host.StartSessionAsync(team, bot);
        var schedules = host.Get<ScheduleService>();
        var later = await schedules.CreateAsync(team, bot, participant, new ScheduleRequest("later", "Later", DateTime.UtcNow.AddHours(1)), default);
        var cancelled = await schedules.CreateAsync(team, bot, participant, new ScheduleRequest("cancel", "Cancelled", DateTime.UtcNow.AddHours(2)), default);
        Assert.Equal(2, (await schedules.ListAsync(team, participant, bot, includeDone: false, default)).Count);

        Assert.True(await schedules.CancelAsync(team, cancelled.Value!.Id, "test", default));
        var moved = await schedules.MoveAsync(team, later.Value!.Id, DateTime.UtcNow.AddMilliseconds(300), default);
        Assert.NotNull(moved);

        await EventsHost.WaitUntilAsync(async () => (await host.MessagesAsync(team, session)).Any(m => m.MetadataJson.Contains("\"origin\":\"schedule:")),
            "the moved message is delivered");
        await EventsHost.WaitUntilAsync(async () => (await schedules.ListAsync(team, participant, bot, includeDone: false, default)).Count == 0,
            "the delivered row completes");
        Assert.DoesNotContain(await host.QueryAsync(team, db => db.ScheduledMessageAttempts), a => a.ScheduledMessageId == cancelled.Value.Id);
        Assert.Empty(await schedules.ListAsync(team, participant, bot, includeDone: false, default));
        Assert.Equal(2, (await schedules.ListAsync(team, participant, bot, includeDone: true, default)).Count);
        Assert.False(await schedules.CancelAsync(team, cancelled.Value.Id, "test", default));
        Assert.Null(await schedules.MoveAsync(Guid.NewGuid(), later.Value.Id, DateTime.UtcNow, default)); // another team: not found
        var invalid = await schedules.CreateAsync(team, bot, participant, new ScheduleRequest("bad", "x", DateTime.UtcNow, 0, TimePeriod.Days), default);
        Assert.False(invalid.Succeeded);
    }
}
