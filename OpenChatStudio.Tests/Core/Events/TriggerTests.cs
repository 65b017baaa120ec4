using OpenChatStudio.Core.Chat;
using OpenChatStudio.Core.Events;
using OpenChatStudio.Core.Pipelines.Tools;
using OpenChatStudio.Core.Scheduling;
using OpenChatStudio.Tests.TestSupport;
using OpenChatStudio.Tests.TestSupport.Fakes;

namespace OpenChatStudio.Tests.Core.Events;

/// <summary>Static and timeout triggers through the real runtime, engine and Quartz scheduler.</summary>
public sealed class TriggerTests : IAsyncLifetime
{
    private readonly TestDatabase _database = TestDatabase.Create();
    private readonly ScriptedChatService _llm = new() { Fallback = "bot says hi" };
    private EventsHost _host = default!;
    private Guid _team;

    public async Task InitializeAsync()
    {
        _host = await EventsHost.StartAsync(_database, new ScriptedResolverFactory(_llm));
        _team = await _host.CreateTeamAsync();
    }

    public async Task DisposeAsync()
    {
        await _host.DisposeAsync();
        await _database.DisposeAsync();
    }

    private static EventTrigger Static(StaticTriggerType type, EventAction action) =>
        new() { Kind = TriggerKind.Static, StaticType = type, Action = action };

    private static EventTrigger Timeout(int seconds, int times, EventAction action, bool fromFirst = false) =>
        new() { Kind = TriggerKind.Timeout, DelaySeconds = seconds, TotalFires = times, FromFirstMessage = fromFirst, Action = action };

    private Task<List<EventLog>> LogsAsync() => _host.QueryAsync(_team, db => db.EventLogs.OrderBy(l => l.CreatedAt));

    [Fact]
    public async Task StaticTriggers_FireTheirActions_AndWriteTheEventLog()
    {
        var bot = await _host.CreateChatbotAsync(_team,
        [
            Static(StaticTriggerType.ParticipantJoined, new EventAction { Type = EventActionType.Log }),
            Static(StaticTriggerType.ConversationStart, new EventAction { Type = EventActionType.Log }),
            Static(StaticTriggerType.NewHumanMessage, new EventAction { Type = EventActionType.SendMessage, Prompt = "Thank them for writing" }),
            Static(StaticTriggerType.NewBotMessage, new EventAction { Type = EventActionType.Log }),
            Static(StaticTriggerType.ConversationEnd, new EventAction { Type = EventActionType.Log }),
            Static(StaticTriggerType.ConversationEndedManually, new EventAction
            {
                Type = EventActionType.ScheduleMessage, Name = "follow-up", Prompt = "Ask how it went", Every = 2, Period = TimePeriod.Days,
            }),
            Static(StaticTriggerType.ConversationEndedByUser, new EventAction { Type = EventActionType.Log }), // not this end
        ]);
        var (session, participant) = await _host.StartSessionAsync(_team, bot);
        _llm.Reply("answer", "thanks for writing!");
        await _host.Get<ChatRuntime>().SendAsync(_team, session, "hello", null, default);
        await _host.Get<EventEngine>().WhenIdleAsync();
        await _host.Get<ChatRuntime>().EndSessionAsync(_team, session, "manual", default);
        await _host.Get<EventEngine>().WhenIdleAsync();

        var logs = await LogsAsync();
        Assert.All(logs, l => Assert.Equal(EventLogStatus.Success, l.Status));
        string[] expected = ["ConversationEnd", "ConversationEndedManually", "ConversationStart", "NewBotMessage", "NewHumanMessage", "ParticipantJoined"];
        Assert.Equal(expected, logs.Select(l => l.TriggerLabel).Distinct().Order());
        // The bot's reply fires "new bot message"; the event-sent message does not (no loops).
        Assert.Single(logs, l => l.TriggerLabel == "NewBotMessage");
        var messages = await _host.MessagesAsync(_team, session);
        Assert.Equal(["hello", "answer", "thanks for writing!"], messages.Select(m => m.Content));
        Assert.Contains("\"origin\":\"event\"", messages[2].MetadataJson);
        Assert.Contains("Thank them for writing", _llm.Requests.Last().History.Last().Content);
        var scheduled = (await _host.QueryAsync(_team, db => db.ScheduledMessages)).Single();
        Assert.Equal(("follow-up", "Ask how it went", participant, "event"), (scheduled.Name, scheduled.Message, scheduled.ParticipantId, scheduled.Origin));
        Assert.InRange(scheduled.NextTriggerAt, DateTime.UtcNow.AddDays(2).AddMinutes(-1), DateTime.UtcNow.AddDays(2).AddMinutes(1));
    }

    [Fact]
    public async Task EndConversationAction_EndsTheSession_AndFiresEndedByEvent()
    {
        var bot = await _host.CreateChatbotAsync(_team,
        [
            Static(StaticTriggerType.NewHumanMessage, new EventAction { Type = EventActionType.EndConversation }),
            Static(StaticTriggerType.ConversationEndedByEvent, new EventAction { Type = EventActionType.Log }),
        ]);
        var (session, _) = await _host.StartSessionAsync(_team, bot);
        await _host.Get<ChatRuntime>().SendAsync(_team, session, "bye", null, default);
        await _host.Get<EventEngine>().WhenIdleAsync();

        var ended = (await _host.QueryAsync(_team, db => db.ChatSessions.Where(s => s.Id == session))).Single();
        Assert.Equal("event", ended.EndReason);
        Assert.Contains(await LogsAsync(), l => l.TriggerLabel == "ConversationEndedByEvent" && l.Status == EventLogStatus.Success);
    }

    [Fact]
    public async Task StartPipelineAction_RunsAnotherChatbot_WithTheHistory()
    {
        var other = await _host.CreateChatbotAsync(_team);
        var bot = await _host.CreateChatbotAsync(_team,
        [
            Static(StaticTriggerType.NewBotMessage, new EventAction { Type = EventActionType.StartPipeline, TargetChatbotId = other, HistoryInput = PipelineHistoryInput.FullHistory }),
        ]);
        var (session, _) = await _host.StartSessionAsync(_team, bot);
        _llm.Reply("first reply", "summary: said hi");
        await _host.Get<ChatRuntime>().SendAsync(_team, session, "hi there", null, default);
        await _host.Get<EventEngine>().WhenIdleAsync();

        var log = (await LogsAsync()).Single();
        Assert.Equal(EventLogStatus.Success, log.Status);
        Assert.Equal("Pipeline output: summary: said hi", log.Detail);
        Assert.Contains("Human: hi there", _llm.Requests.Last().History.Last().Content);
        Assert.Contains("AI: first reply", _llm.Requests.Last().History.Last().Content);
        Assert.Equal(2, (await _host.MessagesAsync(_team, session)).Count); // nothing stored by the other pipeline
    }

    [Fact]
    public async Task FailingAction_IsLoggedAsAFailure()
    {
        var bot = await _host.CreateChatbotAsync(_team,
        [
            Static(StaticTriggerType.ConversationStart, new EventAction { Type = EventActionType.StartPipeline, TargetChatbotId = Guid.NewGuid() }),
        ]);
        await _host.StartSessionAsync(_team, bot);
        await _host.Get<EventEngine>().WhenIdleAsync();

        var log = (await LogsAsync()).Single();
        Assert.Equal(EventLogStatus.Failure, log.Status);
        Assert.Contains("No such chatbot", log.Detail);
        var failures = await _host.Get<TriggerService>().LogAsync(_team, bot, failuresOnly: true, null, 50, default);
        Assert.Single(failures);
    }

    [Fact]
    public async Task TimeoutTrigger_FiresExactlyKTimes_ThenLastTimeout()
    {
        var timeout = Timeout(1, 2, new EventAction { Type = EventActionType.SendMessage, Prompt = "Nudge them" });
        var bot = await _host.CreateChatbotAsync(_team,
        [
            timeout,
            Static(StaticTriggerType.LastTimeout, new EventAction { Type = EventActionType.Log }),
        ]);
        var (session, _) = await _host.StartSessionAsync(_team, bot);
        _llm.Reply("reply", "nudge 1", "nudge 2");
        await _host.Get<ChatRuntime>().SendAsync(_team, session, "hello", null, default);

        await EventsHost.WaitUntilAsync(async () => (await LogsAsync()).Any(l => l.TriggerLabel == "LastTimeout"), "the last timeout fires", 30);
        var logs = await LogsAsync();
        var fires = logs.Where(l => l.TriggerId == timeout.Id).ToList();
        Assert.Equal([1, 2], fires.Select(l => l.FireNumber!.Value).Order());
        Assert.All(fires, l => Assert.Equal(EventLogStatus.Success, l.Status));
        var human = (await _host.MessagesAsync(_team, session)).Single(m => m.Role == MessageRole.Human);
        Assert.All(fires, l => Assert.Equal(human.Id, l.ReferenceMessageId));
        Assert.True(fires[1].CreatedAt >= human.CreatedAt.AddSeconds(2), "the second firing waits two delays");
        // Nothing more stays armed for this session (the finished job is removed once its last run returns).
        await EventsHost.WaitUntilAsync(async () => !await _host.Get<SchedulerAccess>().Scheduler!.Exists(TimeoutJob.Key(session, timeout.Id)), "no timeout stays armed");
        Assert.Equal(["hello", "reply", "nudge 1", "nudge 2"], (await _host.MessagesAsync(_team, session)).Select(m => m.Content));
        // A repeated firing of an already-logged number is refused by the claim.
        await _host.Get<EventEngine>().FireTimeoutAsync(_team, session, timeout.Id, human.Id, 2, default);
        Assert.Equal(2, (await LogsAsync()).Count(l => l.TriggerId == timeout.Id));
    }

    [Fact]
    public async Task TimeoutTrigger_ANewHumanMessage_RestartsTheWait()
    {
        var timeout = Timeout(3600, 1, new EventAction { Type = EventActionType.Log });
        var bot = await _host.CreateChatbotAsync(_team, [timeout]);
        var (session, _) = await _host.StartSessionAsync(_team, bot);
        await _host.Get<ChatRuntime>().SendAsync(_team, session, "one", null, default);
        await _host.Get<EventEngine>().WhenIdleAsync();
        var first = (await _host.MessagesAsync(_team, session)).First(m => m.Role == MessageRole.Human);
        await _host.Get<ChatRuntime>().SendAsync(_team, session, "two", null, default);
        await _host.Get<EventEngine>().WhenIdleAsync();

        var job = await _host.Get<SchedulerAccess>().Scheduler!.GetJobDetail(TimeoutJob.Key(session, timeout.Id));
        var second = (await _host.MessagesAsync(_team, session)).Last(m => m.Role == MessageRole.Human);
        Assert.Equal(second.Id.ToString(), job!.JobDataMap["message"]?.ToString());
        // A firing for the superseded message does nothing.
        await _host.Get<EventEngine>().FireTimeoutAsync(_team, session, timeout.Id, first.Id, 1, default);
        Assert.Empty(await LogsAsync());
    }

    [Fact]
    public async Task ChangedTimeoutTrigger_NeverFiresRetroactivelyOnOldMessages()
    {
        var bot = await _host.CreateChatbotAsync(_team);
        var (session, _) = await _host.StartSessionAsync(_team, bot);
        await _host.Get<ChatRuntime>().SendAsync(_team, session, "old message", null, default);
        await _host.Get<EventEngine>().WhenIdleAsync();
        var saved = await _host.Get<TriggerService>().SaveAsync(_team, bot, Timeout(1, 1, new EventAction { Type = EventActionType.Log }), default);
        var trigger = saved!.Value!;
        var old = (await _host.MessagesAsync(_team, session)).First(m => m.Role == MessageRole.Human);

        Assert.True(trigger.ConfigChangedAt > old.CreatedAt);
        await _host.Get<EventEngine>().FireTimeoutAsync(_team, session, trigger.Id, old.Id, 1, default);
        var rebuilt = await _host.Get<TimeoutScheduler>().RebuildAsync(default);

        Assert.Empty(await LogsAsync());
        Assert.Equal(0, rebuilt);
        Assert.False(await _host.Get<SchedulerAccess>().Scheduler!.Exists(TimeoutJob.Key(session, trigger.Id)));
    }

    [Fact]
    public async Task TriggerService_ValidatesAndTogglesTriggers()
    {
        var bot = await _host.CreateChatbotAsync(_team);
        var triggers = _host.Get<TriggerService>();

        var bad = await triggers.SaveAsync(_team, bot, Timeout(0, 1, new EventAction { Type = EventActionType.Log }), default);
        Assert.False(bad!.Succeeded);
        var noPrompt = await triggers.SaveAsync(_team, bot, Static(StaticTriggerType.ConversationStart, new EventAction { Type = EventActionType.SendMessage }), default);
        Assert.False(noPrompt!.Succeeded);
        Assert.Null(await triggers.SaveAsync(Guid.NewGuid(), bot, Static(StaticTriggerType.ConversationStart, new EventAction()), default));

        var ok = (await triggers.SaveAsync(_team, bot, Static(StaticTriggerType.ConversationStart, new EventAction { Type = EventActionType.Log }), default))!.Value!;
        Assert.True(await triggers.SetActiveAsync(_team, bot, ok.Id, false, default));
        var (session, _) = await _host.StartSessionAsync(_team, bot);
        await _host.Get<EventEngine>().WhenIdleAsync();
        Assert.Empty(await LogsAsync()); // inactive: does not fire
        Assert.False((await triggers.ListAsync(_team, bot, default))!.Single().IsActive);
        Assert.True(await triggers.DeleteAsync(_team, bot, ok.Id, default));
        Assert.Empty((await triggers.ListAsync(_team, bot, default))!);
        _ = session;
    }
}
