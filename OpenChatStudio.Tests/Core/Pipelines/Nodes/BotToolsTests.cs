using OpenChatStudio.Core.Pipelines.Execution;
using OpenChatStudio.Core.Pipelines.Tools;
using OpenChatStudio.Tests.TestSupport.Fakes;
using OpenChatStudio.Tests.TestSupport.Pipelines;
using OpenChatStudio.Tests.TestSupport;

namespace OpenChatStudio.Tests.Core.Pipelines.Nodes;

[Trait(TestLayers.Trait, TestLayers.Unit)]
public class BotToolsTests
{
    [Theory]
    [InlineData("1 + 2 * 3", 7)]
    [InlineData("(1 + 2) * 3", 9)]
    [InlineData("-2 ^ 2", 4)]
    [InlineData("2 ^ 3 ^ 2", 512)]
    [InlineData("10 % 4 + 0.5", 2.5)]
    public void Calculator_EvaluatesArithmetic(string expression, double expected) => Assert.Equal(expected, Calculator.Evaluate(expression), 9);

    [Theory]
    [InlineData("1 / 0")]
    [InlineData("2 +")]
    [InlineData("System.IO.File")]
    [InlineData("(1")]
    public void Calculator_RejectsBadInput(string expression) => Assert.Throws<FormatException>(() => Calculator.Evaluate(expression));

    [Fact]
    public async Task ReminderTools_CreateListMoveCancel_ThroughTheModel()
    {
        var llm = new ScriptedChatService()
            .CallTool("one_off_reminder", new { datetime_due = "2030-01-02T09:00:00Z", message = "Take your pills", schedule_name = "pills" })
            .Reply("Scheduled.")
            .CallTool("list_reminders", new { })
            .Reply("Listed.")
            .CallTool("move_scheduled_message_date", new { message_id = "r1", weekday = 1, hour = 8, minute = 30, specified_date = "2030-02-03" })
            .Reply("Moved.")
            .CallTool("delete_reminder", new { message_id = "r1" })
            .Reply("Cancelled.");
        var reminders = new InMemoryReminderStore();
        var engine = new EngineHarness(new ScriptedLlmResolver(ScriptedChatService.Bind(llm)), reminders: reminders);
        var graph = PipelineGraphBuilder.WithStartAndEnd()
            .Node("llm", "LLMResponseWithPrompt", new { llm_provider_id = Guid.NewGuid(), llm_model = "m", history_type = "none",
                tools = new[] { "one-off-reminder", "list-reminders", "move-scheduled-message-date", "delete-reminder" } })
            .Connect("start -> llm", "llm -> end").Build();
        var context = new PipelineRunContext(SessionId: Guid.NewGuid(), ParticipantId: Guid.NewGuid());

        var created = await engine.RunAsync(graph, "remind me", context: context);
        var listed = await engine.RunAsync(graph, "what reminders", context: context);
        var moved = await engine.RunAsync(graph, "move it", context: context);
        var afterMove = (await reminders.ListAsync(context, default)).Single();
        await engine.RunAsync(graph, "cancel it", context: context);

        Assert.Contains("Reminder r1 scheduled once at 2030-01-02 09:00 UTC", created.Trace[1].Notes.Single());
        Assert.Contains("pills — next 2030-01-02 09:00 UTC", listed.Trace[1].Notes.Single());
        Assert.Contains("moved to 2030-02-03 08:30 UTC", moved.Trace[1].Notes.Single());
        Assert.Equal(new DateTime(2030, 2, 3, 8, 30, 0, DateTimeKind.Utc), afterMove.NextDueUtc);
        Assert.Empty(await reminders.ListAsync(context, default));
    }

    [Fact]
    public async Task SessionStateTools_SetAppendIncrement_AndReservedKeyIsRefusedToTheModel()
    {
        var llm = new ScriptedChatService()
            .CallTool("set_session_state", new { key = "topic", value = "sleep" })
            .CallTool("append_to_session_state", new { key = "notes", value = "a" })
            .CallTool("increment_session_state_counter", new { key = "turns", value = 2 })
            .CallTool("set_session_state", new { key = "outputs", value = "x" })
            .Reply("done");
        var engine = new EngineHarness(new ScriptedLlmResolver(ScriptedChatService.Bind(llm)));
        var graph = PipelineGraphBuilder.WithStartAndEnd()
            .Node("llm", "LLMResponseWithPrompt", new { llm_provider_id = Guid.NewGuid(), llm_model = "m", history_type = "none",
                tools = new[] { "set-session-state", "append-to-session-state", "increment-session-state-counter" } })
            .Connect("start -> llm", "llm -> end").Build();

        var result = await engine.RunAsync(graph, "go");

        Assert.Equal("done", result.Reply);
        Assert.Equal("{\"topic\":\"sleep\",\"notes\":[\"a\"],\"turns\":2}", result.State.SessionStateSnapshot().ToJsonString());
        Assert.Contains(result.Trace[1].Notes, n => n.Contains("reserved"));
    }
}
