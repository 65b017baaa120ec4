using System.Text.Json.Nodes;
using OpenChatStudio.Core.Pipelines.Execution;
using OpenChatStudio.Core.Pipelines.Nodes;
using OpenChatStudio.Tests.TestSupport.Pipelines;
using OpenChatStudio.Tests.TestSupport;

namespace OpenChatStudio.Tests.Core.Pipelines;

[Trait(TestLayers.Trait, TestLayers.Unit)]
public class PipelineExecutorTests
{
    private readonly EngineHarness _engine = new();

    [Fact]
    public async Task Executor_LinearTemplate_RepliesWithRenderedText()
    {
        var graph = PipelineGraphBuilder.WithStartAndEnd()
            .Node("greet", "RenderTemplate", new { template_string = "Hi {{ participant_data.name }}, you said: {{ input }}" })
            .Connect("start -> greet", "greet -> end").Build();
        var state = new PipelineRunState("hello", new JsonObject { ["name"] = "Ada" });

        var result = await _engine.RunAsync(graph, "hello", state);

        Assert.True(result.Succeeded, result.Error);
        Assert.Equal("Hi Ada, you said: hello", result.Reply);
        Assert.Equal(["start", "greet", "end"], result.Trace.Select(t => t.NodeName));
        Assert.Equal("Hi Ada, you said: hello", result.State.GetOutput("greet"));
    }

    [Theory]
    [InlineData("fr", "FR branch")]
    [InlineData("EN", "EN branch")]
    [InlineData("de", "EN branch")]
    public async Task Executor_StaticRouter_FollowsMatchedRoute_OrDefault(string language, string expected)
    {
        var graph = PipelineGraphBuilder.WithStartAndEnd()
            .Node("router", "StaticRouterNode", new { data_source = "participant_data", route_key = "prefs.language", keywords = new[] { "en", "fr" }, default_keyword_index = 0 })
            .Node("en", "RenderTemplate", new { template_string = "EN branch" })
            .Node("fr", "RenderTemplate", new { template_string = "FR branch" })
            .Connect("start -> router", "router:output_0 -> en", "router:output_1 -> fr", "en -> end", "fr -> end").Build();
        var state = new PipelineRunState("hi", new JsonObject { ["prefs"] = new JsonObject { ["language"] = language } });

        var result = await _engine.RunAsync(graph, "hi", state);

        Assert.True(result.Succeeded, result.Error);
        Assert.Equal(expected, result.Reply);
        var skipped = expected == "FR branch" ? "en" : "fr";
        Assert.DoesNotContain(result.Trace, t => t.NodeName == skipped);
        Assert.Single(result.Trace, t => t.NodeName == "end");
    }

    [Fact]
    public async Task Executor_ParallelBranches_MergeOnceWithInputsInEdgeOrder()
    {
        var graph = PipelineGraphBuilder.WithStartAndEnd()
            .Node("a", "TestSuffix", new { suffix = "-A", delay_ms = 60 })
            .Node("b", "TestSuffix", new { suffix = "-B" })
            .Node("join", "RenderTemplate", new { template_string = "{{ node_inputs | join: ' + ' }}" })
            .Connect("start -> a", "start -> b", "a -> join", "b -> join", "join -> end").Build();

        var result = await _engine.RunAsync(graph, "x", null);

        Assert.True(result.Succeeded, result.Error);
        Assert.Equal("x-A + x-B", result.Reply);
        Assert.Single(result.Trace, t => t.NodeName == "join");
        Assert.Equal(["visited-a", "visited-b"], result.State.SessionTags.Order());
    }

    [Fact]
    public async Task Executor_ParallelBranches_RunConcurrently()
    {
        var graph = PipelineGraphBuilder.WithStartAndEnd()
            .Node("a", "TestSuffix", new { suffix = "A", delay_ms = 300 })
            .Node("b", "TestSuffix", new { suffix = "B", delay_ms = 300 })
            .Node("join", "Passthrough")
            .Connect("start -> a", "start -> b", "a -> join", "b -> join", "join -> end").Build();

        var result = await _engine.RunAsync(graph, "x");

        var a = result.Trace.Single(t => t.NodeName == "a");
        var b = result.Trace.Single(t => t.NodeName == "b");
        // Each branch waits 300 ms; run serially the whole run would take 600 ms or more.
        Assert.True(a.DurationMs >= 290 && b.DurationMs >= 290);
        Assert.True(result.Trace.Sum(t => t.DurationMs) >= 590);
        Assert.Equal("xA\n\nxB", result.Reply);
    }

    [Fact]
    public async Task Executor_NodeExceedsTimeout_FailsWithNodeKeyedError()
    {
        var graph = PipelineGraphBuilder.WithStartAndEnd().Node("slow", "TestSlow").Connect("start -> slow", "slow -> end").Build();

        var result = await _engine.RunAsync(graph, "x");

        Assert.False(result.Succeeded);
        Assert.Equal("slow", result.FailedNodeId);
        Assert.Contains("did not finish within 1 s", result.Error);
        Assert.Null(result.Reply);
    }

    [Fact]
    public async Task Executor_FailingBranch_CancelsTheOtherAndReportsNode()
    {
        var graph = PipelineGraphBuilder.WithStartAndEnd()
            .Node("fail", "TestFail")
            .Node("slow", "TestSlow", new { delay_ms = 800 })
            .Node("join", "Passthrough")
            .Connect("start -> slow", "start -> fail", "fail -> join", "slow -> join", "join -> end").Build();

        var result = await _engine.RunAsync(graph, "x");

        Assert.Equal("fail", result.FailedNodeId);
        Assert.Equal("fail: boom", result.Error);
        Assert.Contains(result.Trace, t => t.NodeName == "slow" && t.Error == "Cancelled.");
        Assert.DoesNotContain(result.Trace, t => t.NodeName == "join");
    }

    [Fact]
    public async Task Executor_NodeThatCrashes_IsLoggedWithItsStack_AndItsTextReachesNoCaller()
    {
        var log = new ListLogger();
        var executor = new PipelineExecutor(_engine.Registry, _engine.Services, log);
        var graph = PipelineGraphBuilder.WithStartAndEnd().Node("crash", "TestCrash").Connect("start -> crash", "crash -> end").Build();
        var sessionId = Guid.NewGuid();

        var result = await executor.RunAsync(executor.Compile(graph), new PipelineRunState("x"), new PipelineRunContext(SessionId: sessionId), null, default);

        Assert.Equal("crash", result.FailedNodeId);
        Assert.Equal("crash failed unexpectedly (InvalidOperationException); the details are in the server log.", result.Error);
        Assert.DoesNotContain(result.Trace, t => t.Error?.Contains("hunter2") == true);
        var entry = Assert.Single(log.Entries);
        Assert.Equal(Microsoft.Extensions.Logging.LogLevel.Error, entry.Level);
        Assert.Contains(TestNodes.CrashNode.Secret, entry.Exception!.Message);   // the whole story is in the log
        Assert.NotNull(entry.Exception.StackTrace);
        Assert.Contains(sessionId.ToString(), entry.Message);
    }

    private sealed class ListLogger : Microsoft.Extensions.Logging.ILogger
    {
        public List<(Microsoft.Extensions.Logging.LogLevel Level, Exception? Exception, string Message)> Entries { get; } = [];

        public IDisposable? BeginScope<TState>(TState state) where TState : notnull => null;

        public bool IsEnabled(Microsoft.Extensions.Logging.LogLevel logLevel) => true;

        public void Log<TState>(Microsoft.Extensions.Logging.LogLevel logLevel, Microsoft.Extensions.Logging.EventId eventId, TState state,
            Exception? exception, Func<TState, Exception?, string> formatter)
        {
            lock (Entries)
            {
                Entries.Add((logLevel, exception, formatter(state, exception)));
            }
        }
    }

    [Fact]
    public async Task Executor_Abort_StopsEveryBranch_AndRepliesWithMessage()
    {
        var graph = PipelineGraphBuilder.WithStartAndEnd()
            .Node("guard", "TestAbort")
            .Node("slow", "TestSlow", new { delay_ms = 800 })
            .Node("join", "Passthrough")
            .Connect("start -> guard", "start -> slow", "guard -> join", "slow -> join", "join -> end").Build();

        var result = await _engine.RunAsync(graph, "x");

        Assert.True(result.Aborted);
        Assert.True(result.Succeeded);
        Assert.Equal("Sorry, I can't help with that.", result.Reply);
        Assert.DoesNotContain(result.Trace, t => t.NodeName == "end");
    }

    [Fact]
    public async Task Executor_CallerCancels_Throws()
    {
        var graph = PipelineGraphBuilder.WithStartAndEnd().Node("slow", "TestSlow", new { delay_ms = 800 }).Connect("start -> slow", "slow -> end").Build();
        using var cts = new CancellationTokenSource(100);

        await Assert.ThrowsAnyAsync<OperationCanceledException>(() => _engine.RunAsync(graph, "x", ct: cts.Token));
    }

    [Fact]
    public async Task Executor_NodeChoosesMissingPort_FailsClearly()
    {
        var graph = PipelineGraphBuilder.WithStartAndEnd().Node("bad", "TestBadRoute").Connect("start -> bad", "bad -> end").Build();

        var result = await _engine.RunAsync(graph, "x");

        Assert.Equal("bad", result.FailedNodeId);
        Assert.Contains("'output_9'", result.Error);
    }

    [Fact]
    public async Task Executor_RouteThatBypassesEnd_ReportsNoReply()
    {
        var graph = PipelineGraphBuilder.WithStartAndEnd()
            .Node("router", "StaticRouterNode", new { route_key = "x", keywords = new[] { "A", "B" } })
            .Node("dead", "Passthrough")
            .Connect("start -> router", "router:output_0 -> dead", "router:output_1 -> end").Build();

        var result = await _engine.RunAsync(graph, "x");

        Assert.False(result.Succeeded);
        Assert.Contains("No branch reached the End node", result.Error);
    }

    [Fact]
    public async Task Executor_TemplateWithUnknownVariable_FailsWithMessage()
    {
        var graph = PipelineGraphBuilder.WithStartAndEnd()
            .Node("tpl", "RenderTemplate", new { template_string = "{{ nope }}" }).Connect("start -> tpl", "tpl -> end").Build();

        var result = await _engine.RunAsync(graph, "x");

        Assert.Equal("tpl", result.FailedNodeId);
        Assert.Contains("nope", result.Error);
    }

    [Fact]
    public async Task Executor_NodesNotReachableFromStart_AreIgnored()
    {
        var graph = PipelineGraphBuilder.WithStartAndEnd()
            .Node("island", "TestFail")
            .Connect("start -> end").Build();

        var result = await _engine.RunAsync(graph, "hello");

        Assert.Equal("hello", result.Reply);
        Assert.DoesNotContain(result.Trace, t => t.NodeName == "island");
    }

    [Fact]
    public async Task State_ReservedKeys_AreReadOnly()
    {
        var state = new PipelineRunState("x");
        Assert.Throws<PipelineNodeException>(() => state.SetTempState("user_input", "y"));
        Assert.Throws<PipelineNodeException>(() => state.SetSessionState("outputs", "y"));
        state.AppendParticipantData("visits", 1);
        state.AppendParticipantData("visits", 2);
        Assert.Equal(3, state.IncrementSessionState("count", 3));
        Assert.Equal("[1,2]", state.GetParticipantData("visits")!.ToJsonString());
        await Task.CompletedTask;
    }
}

[Trait(TestLayers.Trait, TestLayers.Unit)]
public class PipelineTraceStateTests
{
    private readonly EngineHarness _engine = new();

    [Fact]
    public async Task Trace_RouterNode_NamesTheRouteItTook_NotItsPort()
    {
        var graph = PipelineGraphBuilder.WithStartAndEnd()
            .Node("router", "StaticRouterNode", new { data_source = "participant_data", route_key = "language", keywords = new[] { "en", "fr" }, default_keyword_index = 0 })
            .Node("en", "RenderTemplate", new { template_string = "EN" })
            .Node("fr", "RenderTemplate", new { template_string = "FR" })
            .Connect("start -> router", "router:output_0 -> en", "router:output_1 -> fr", "en -> end", "fr -> end").Build();

        var result = await _engine.RunAsync(graph, "hi", new PipelineRunState("hi", new JsonObject { ["language"] = "fr" }));

        var router = result.Trace.Single(t => t.NodeName == "router");
        Assert.Equal("output_1", router.Route);
        Assert.Equal("fr", router.RouteLabel);
        Assert.Equal("fr", router.RouteName);
    }

    [Fact]
    public async Task Trace_ListsPerNodeStateChanges_AndTheTurnSumsThem()
    {
        var graph = PipelineGraphBuilder.WithStartAndEnd()
            .Node("first", CodeNode.TypeKey, new
            {
                code = """
                    function main(input, context) {
                      set_participant_data_key('name', 'Ada');
                      set_participant_data_key('visits', 2);
                      set_session_state_key('step', 'asked');
                      return input;
                    }
                    """,
            })
            .Node("second", CodeNode.TypeKey, new
            {
                code = """
                    function main(input, context) {
                      set_participant_data_key('visits', 3);
                      set_session_state_key('step', 'done');
                      set_participant_data({ name: 'Ada', visits: 3 });
                      return input;
                    }
                    """,
            })
            .Connect("start -> first", "first -> second", "second -> end").Build();
        var state = new PipelineRunState("hi", new JsonObject { ["visits"] = 1, ["old"] = "x" }, new JsonObject { ["step"] = "new" });

        var result = await _engine.RunAsync(graph, "hi", state);

        Assert.True(result.Succeeded, result.Error);
        var first = result.Trace.Single(t => t.NodeName == "first").StateChanges!;
        Assert.Contains(first, c => c is { Scope: StateChange.ParticipantData, Key: "name", Kind: StateChange.Added, After: "\"Ada\"" });
        Assert.Contains(first, c => c is { Scope: StateChange.ParticipantData, Key: "visits", Kind: StateChange.Changed, Before: "1", After: "2" });
        Assert.Contains(first, c => c is { Scope: StateChange.SessionState, Key: "step", Kind: StateChange.Changed, Before: "\"new\"", After: "\"asked\"" });
        Assert.Null(result.Trace.Single(t => t.NodeName == "start").StateChanges);

        var turn = StateChange.Combine(result.Trace);
        Assert.Equal(
            ["participant_data name added - \"Ada\"", "participant_data old removed \"x\" -", "participant_data visits changed 1 3", "session_state step changed \"new\" \"done\""],
            turn.Select(c => $"{c.Scope} {c.Key} {c.Kind} {c.Before ?? "-"} {c.After ?? "-"}".Replace("  ", " ", StringComparison.Ordinal)).Order(StringComparer.Ordinal));
    }

    [Fact]
    public void Combine_KeyThatEndsWhereItStarted_IsLeftOut()
    {
        NodeTrace Node(params StateChange[] changes) =>
            new("n", "n", "T", "", null, null, 0, 0, 0, 0, null, [], [], StateChanges: changes);

        var turn = StateChange.Combine([
            Node(new StateChange(StateChange.SessionState, "k", StateChange.Added, null, "1")),
            Node(new StateChange(StateChange.SessionState, "k", StateChange.Removed, "1", null)),
        ]);

        Assert.Empty(turn);
    }
}
