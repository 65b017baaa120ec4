using System.Diagnostics;
using System.Text.Json.Nodes;
using OpenChatStudio.Core.Pipelines.Execution;
using OpenChatStudio.Core.Pipelines.Graph;
using OpenChatStudio.Core.Pipelines.Nodes;
using OpenChatStudio.Tests.TestSupport.Pipelines;
using OpenChatStudio.Tests.TestSupport;

namespace OpenChatStudio.Tests.Core.Pipelines.Nodes;

[Trait(TestLayers.Trait, TestLayers.Unit)]
public class CodeNodeTests
{
    private readonly EngineHarness _engine = new();

    private static PipelineGraph CodeGraph(string code) => PipelineGraphBuilder.WithStartAndEnd()
        .Node("code", CodeNode.TypeKey, new { code })
        .Connect("start -> code", "code -> end").Build();

    private Task<PipelineRunResult> RunCodeAsync(string code, string input = "hi", PipelineRunState? state = null, CancellationToken ct = default) =>
        _engine.RunAsync(CodeGraph(code), input, state ?? new PipelineRunState(input), ct: ct);

    private IReadOnlyList<GraphError> Validate(PipelineGraph graph) => new GraphValidator(_engine.Registry).Validate(graph);

    [Fact]
    public async Task CodeNode_ReturnsTransformedInput_BecomesTheReply()
    {
        var result = await RunCodeAsync("""
            function main(input, context) {
              return input.toUpperCase() + ' from ' + context.node_name + ' (' + context.participant_details.platform + ')';
            }
            """, "hello");

        Assert.True(result.Succeeded, result.Error);
        Assert.Equal("HELLO from code (web)", result.Reply);
        Assert.Equal("HELLO from code (web)", result.State.GetOutput("code"));
    }

    [Theory]
    [InlineData("return { a: 1, b: [true, null, 'x'], c: { d: 2.5 } };", """{"a":1,"b":[true,null,"x"],"c":{"d":2.5}}""")]
    [InlineData("return 42;", "42")]
    [InlineData("return false;", "false")]
    [InlineData("return null;", "null")]
    public async Task CodeNode_ReturnsNonText_OutputIsJson(string body, string expected)
    {
        var result = await RunCodeAsync($"function main(input) {{ {body} }}");

        Assert.True(result.Succeeded, result.Error);
        Assert.Equal(expected, result.Reply);
    }

    [Fact]
    public async Task CodeNode_ReturnsNothing_FailsWithHint()
    {
        var result = await RunCodeAsync("function main(input) { const x = input; }");

        Assert.Equal("code", result.FailedNodeId);
        Assert.Contains("main() returned nothing", result.Error);
    }

    [Fact]
    public async Task CodeNode_AsyncMain_IsAwaited()
    {
        var result = await RunCodeAsync("async function main(input) { const v = await Promise.resolve(input + '!'); return v; }");

        Assert.True(result.Succeeded, result.Error);
        Assert.Equal("hi!", result.Reply);
    }

    [Fact]
    public async Task CodeNode_ParticipantDataHelpers_ChangeStateFaithfully()
    {
        var state = new PipelineRunState("hi", new JsonObject { ["name"] = "Ada", ["visits"] = 1, ["tags"] = new JsonArray("a") });

        var result = await RunCodeAsync("""
            function main(input) {
              const name = get_participant_data_key('name');
              set_participant_data_key('profile', { city: 'Paris', langs: ['fr', 'en'], verified: true, score: 1.5, none: null });
              append_to_participant_data_key('tags', 'b');
              const visits = increment_participant_data_key('visits');
              increment_participant_data_key('points', 10);
              set_participant_data({ plan: 'pro' });
              const all = get_participant_data();
              return [name, visits, Object.keys(all).length - 1, all.plan, typeof get_participant_data_key('missing')].join(':');
            }
            """, state: state);

        Assert.True(result.Succeeded, result.Error);
        Assert.Equal("Ada:2:0:pro:object", result.Reply);
        // set_participant_data replaces everything (as in OCS): only 'plan' is left.
        var expected = JsonNode.Parse("""{"plan":"pro"}""");
        Assert.True(JsonNode.DeepEquals(expected, result.State.ParticipantData), result.State.ParticipantData.ToJsonString());
        Assert.True(result.State.ParticipantDataChanged);
    }

    [Fact]
    public async Task CodeNode_IncrementTwice_CountsFromWhateverNumberIsStored()
    {
        var state = new PipelineRunState("hi", JsonNode.Parse("""{"score":1.5,"label":"x"}""")!.AsObject());

        var result = await RunCodeAsync("""
            function main(input) {
              increment_participant_data_key('n');
              const n = increment_participant_data_key('n');
              const score = increment_participant_data_key('score', 0.25);
              const label = increment_participant_data_key('label', 3);
              return [n, score, label].join(' ');
            }
            """, state: state);

        Assert.True(result.Succeeded, result.Error);
        Assert.Equal("2 1.75 3", result.Reply);
        Assert.Equal(2, result.State.ParticipantData["n"]!.GetValue<long>());
    }

    [Fact]
    public async Task CodeNode_SessionAndTempState_FlowToTheNextNode()
    {
        var graph = PipelineGraphBuilder.WithStartAndEnd()
            .Node("first", CodeNode.TypeKey, new
            {
                code = """
                    function main(input) {
                      set_temp_state_key('step', { n: 1, label: 'one' });
                      set_session_state_key('lang', 'fr');
                      return 'first-out';
                    }
                    """,
            })
            .Node("second", CodeNode.TypeKey, new
            {
                code = """
                    function main(input) {
                      const step = get_temp_state_key('step');
                      return [step.n, step.label, get_session_state_key('lang'), get_temp_state_key('user_input'),
                              get_node_output('first'), input, get_temp_state_key('outputs').first].join(' ');
                    }
                    """,
            })
            .Connect("start -> first", "first -> second", "second -> end").Build();

        var result = await _engine.RunAsync(graph, "hello");

        Assert.True(result.Succeeded, result.Error);
        Assert.Equal("1 one fr hello first-out first-out first-out", result.Reply);
        Assert.Equal("fr", result.State.SessionState["lang"]!.GetValue<string>());
        Assert.True(result.State.SessionStateChanged);
        Assert.True(JsonNode.DeepEquals(JsonNode.Parse("""{"n":1,"label":"one"}"""), result.State.GetTempState("step")));
    }

    [Fact]
    public async Task CodeNode_ParallelBranches_EachRunsItsOwnEngine()
    {
        const string Busy = "function main(input, context) {{ let x = 0; for (let i = 0; i < 200000; i++) x += i % 7; set_participant_data_key(context.node_name, x); return '{0}' + x; }}";
        var graph = PipelineGraphBuilder.WithStartAndEnd()
            .Node("a", CodeNode.TypeKey, new { code = string.Format(Busy, "A") })
            .Node("b", CodeNode.TypeKey, new { code = string.Format(Busy, "B") })
            .Node("join", "RenderTemplate", new { template_string = "{{ node_inputs | join: ',' }}" })
            .Connect("start -> a", "start -> b", "a -> join", "b -> join", "join -> end").Build();

        var result = await _engine.RunAsync(graph, "x");

        Assert.True(result.Succeeded, result.Error);
        Assert.Equal("A599994,B599994", result.Reply);
        Assert.Equal(599994, result.State.ParticipantData["a"]!.GetValue<long>());
        Assert.Equal(599994, result.State.ParticipantData["b"]!.GetValue<long>());
    }

    [Theory]
    [InlineData("billing", "Billing team", "support")]
    [InlineData("SUPPORT", "Support team", "billing")]
    public async Task CodeNode_SetRoute_FollowsChosenBranch_SkipsTheOther(string topic, string expectedReply, string skipped)
    {
        var graph = PipelineGraphBuilder.WithStartAndEnd()
            .Node("code", CodeNode.TypeKey, new
            {
                code = "function main(input) { set_route(get_participant_data_key('topic')); return get_all_routes().join('|'); }",
                routes = new[] { "billing", "support" },
            })
            .Node("billing", "RenderTemplate", new { template_string = "Billing team" })
            .Node("support", "RenderTemplate", new { template_string = "Support team" })
            .Connect("start -> code", "code:output_0 -> billing", "code:output_1 -> support", "billing -> end", "support -> end").Build();
        var state = new PipelineRunState("hi", new JsonObject { ["topic"] = topic });

        var result = await _engine.RunAsync(graph, "hi", state);

        Assert.True(result.Succeeded, result.Error);
        Assert.Equal(expectedReply, result.Reply);
        Assert.Equal("billing|support", result.State.GetOutput("code"));
        Assert.DoesNotContain(result.Trace, t => t.NodeName == skipped);
    }

    [Theory]
    [InlineData("gold", "GOLD|start>router>vip>check|vip")]
    [InlineData("basic", "BASIC|start>router>standard>check|standard")]
    public async Task CodeNode_SeesTheRouteARouterChose_AndThePathTaken(string tier, string expected)
    {
        var graph = PipelineGraphBuilder.WithStartAndEnd()
            .Node("router", "StaticRouterNode", new { data_source = "participant_data", route_key = "tier", keywords = new[] { "GOLD", "BASIC" } })
            .Node("vip", "RenderTemplate", new { template_string = "vip" })
            .Node("standard", "RenderTemplate", new { template_string = "standard" })
            .Node("check", CodeNode.TypeKey, new
            {
                code = """
                    function main(input) {
                      const branch = get_selected_route('router') === 'GOLD' ? 'vip' : 'standard';
                      require_node_outputs('router', branch);
                      return [get_selected_route('router'), get_node_path('check').join('>'), input].join('|');
                    }
                    """,
            })
            .Connect("start -> router", "router:output_0 -> vip", "router:output_1 -> standard", "vip -> check", "standard -> check", "check -> end").Build();

        var result = await _engine.RunAsync(graph, "hi", new PipelineRunState("hi", new JsonObject { ["tier"] = tier }));

        Assert.True(result.Succeeded, result.Error);
        Assert.Equal(expected, result.Reply);
        Assert.Equal(tier == "gold" ? "GOLD" : "BASIC", result.State.GetSelectedRoute("router"));
    }

    [Fact]
    public async Task CodeNode_GetParticipantSchedules_ListsThisParticipantsPendingReminders()
    {
        var reminders = new OpenChatStudio.Core.Pipelines.Tools.InMemoryReminderStore();
        var engine = new EngineHarness(reminders: reminders);
        var run = new PipelineRunContext(Guid.NewGuid(), Guid.NewGuid(), Guid.NewGuid(), Guid.NewGuid());
        var due = new DateTime(2026, 12, 1, 9, 30, 0, DateTimeKind.Utc);
        await reminders.CreateAsync(run, new("stretch", "Time to stretch", due), default);
        await reminders.CreateAsync(run with { ParticipantId = Guid.NewGuid() }, new("other", "Not yours", due), default);
        var graph = CodeGraph("function main(input) { const s = get_participant_schedules(); return s.length + '|' + s[0].name + '|' + s[0].message + '|' + s[0].next_trigger_date; }");

        var result = await engine.RunAsync(graph, "hi", context: run);

        Assert.True(result.Succeeded, result.Error);
        Assert.Equal("1|stretch|Time to stretch|2026-12-01T09:30:00Z", result.Reply);
    }

    [Fact]
    public async Task CodeNode_RequireNodeOutputs_OfABranchNotTaken_FailsClearly()
    {
        var graph = PipelineGraphBuilder.WithStartAndEnd()
            .Node("router", "StaticRouterNode", new { data_source = "participant_data", route_key = "tier", keywords = new[] { "GOLD", "BASIC" } })
            .Node("vip", "RenderTemplate", new { template_string = "vip" })
            .Node("standard", "RenderTemplate", new { template_string = "standard" })
            .Node("check", CodeNode.TypeKey, new { code = "function main(input) { require_node_outputs('vip'); return input; }" })
            .Connect("start -> router", "router:output_0 -> vip", "router:output_1 -> standard", "vip -> check", "standard -> check", "check -> end").Build();

        var result = await _engine.RunAsync(graph, "hi", new PipelineRunState("hi", new JsonObject { ["tier"] = "basic" }));

        Assert.Equal("check", result.FailedNodeId);
        Assert.Contains("require_node_outputs: 'vip' has no output in this run", result.Error);
        Assert.Null(result.State.GetSelectedRoute("check"));
        Assert.Empty(result.State.GetNodePath("vip"));
    }

    [Fact]
    public async Task CodeNode_RoutesWithoutSetRoute_TakesTheFirstRoute()
    {
        var graph = PipelineGraphBuilder.WithStartAndEnd()
            .Node("code", CodeNode.TypeKey, new { code = "function main(input) { return input; }", routes = new[] { "a", "b" } })
            .Node("a", "RenderTemplate", new { template_string = "A" })
            .Node("b", "RenderTemplate", new { template_string = "B" })
            .Connect("start -> code", "code:output_0 -> a", "code:output_1 -> b", "a -> end", "b -> end").Build();

        var result = await _engine.RunAsync(graph, "hi");

        Assert.Equal("A", result.Reply);
        Assert.Contains(result.Trace.Single(t => t.NodeName == "code").Notes, n => n.Contains("took the first route"));
    }

    [Fact]
    public async Task CodeNode_SetRouteUnknownName_FailsNamingTheRoutes()
    {
        var graph = PipelineGraphBuilder.WithStartAndEnd()
            .Node("code", CodeNode.TypeKey, new { code = "function main(input) {\n  set_route('sales');\n  return input;\n}", routes = new[] { "billing", "support" } })
            .Connect("start -> code", "code:output_0 -> end", "code:output_1 -> end").Build();

        var result = await _engine.RunAsync(graph, "hi");

        Assert.Equal("code", result.FailedNodeId);
        Assert.Equal("code: Code error on line 2: set_route: unknown route 'sales'. Routes: billing, support.", result.Error);
    }

    [Fact]
    public async Task CodeNode_SetRouteWithoutRoutes_Fails()
    {
        var result = await RunCodeAsync("function main(input) { set_route('x'); return input; }");

        Assert.Contains("this node has no routes", result.Error);
    }

    [Fact]
    public async Task CodeNode_AbortWithMessage_StopsTheRun_EvenInsideTryCatch()
    {
        var graph = PipelineGraphBuilder.WithStartAndEnd()
            .Node("code", CodeNode.TypeKey, new
            {
                code = """
                    function main(input) {
                      try {
                        abort_with_message('I cannot help with that.', 'blocked');
                      } catch (e) {
                        set_session_state_key('swallowed', true);
                      }
                      set_session_state_key('after', true);
                      return input;
                    }
                    """,
            })
            .Node("slow", "TestSlow", new { delay_ms = 800 })
            .Node("join", "Passthrough")
            .Connect("start -> code", "start -> slow", "code -> join", "slow -> join", "join -> end").Build();

        var result = await _engine.RunAsync(graph, "hi");

        Assert.True(result.Aborted);
        Assert.Equal("I cannot help with that.", result.Reply);
        Assert.DoesNotContain(result.Trace, t => t.NodeName == "end");
        Assert.Empty(result.State.SessionState);
        Assert.Contains(("blocked", "safety_layer_response"), result.State.MessageTags);
    }

    [Fact]
    public async Task CodeNode_EndSessionAndTags_AreRecordedOnTheState()
    {
        var result = await RunCodeAsync("function main(input) { end_session(); add_message_tag('vip'); add_session_tag('handled'); return input; }");

        Assert.True(result.Succeeded, result.Error);
        Assert.True(result.State.HasIntent(PipelineRunState.EndSessionIntent));
        Assert.Contains(("vip", (string?)null), result.State.MessageTags);
        Assert.Equal(["handled"], result.State.SessionTags);
        Assert.Equal("hi", result.Reply);
    }

    [Fact]
    public async Task CodeNode_WithoutEndSession_HasNoIntent()
    {
        var result = await RunCodeAsync("function main(input) { return input; }");

        Assert.False(result.State.HasIntent(PipelineRunState.EndSessionIntent));
    }

    [Fact]
    public async Task CodeNode_ConsoleAndPrint_AppearInTheTraceNotes()
    {
        var result = await RunCodeAsync("""
            function main(input) {
              console.log('hello', 42, { a: [1, 'b'] });
              print('printed', null);
              console.error('bad', undefined);
              return input;
            }
            """);

        var notes = result.Trace.Single(t => t.NodeName == "code").Notes;
        Assert.Equal(["hello 42 {\"a\":[1,\"b\"]}", "printed null", "error: bad undefined"], notes);
    }

    [Fact]
    public async Task CodeNode_ConsoleFlood_IsCapped()
    {
        var result = await RunCodeAsync("function main(input) { for (let i = 0; i < 1000; i++) console.log('line ' + i); return input; }");

        var notes = result.Trace.Single(t => t.NodeName == "code").Notes;
        Assert.Equal(201, notes.Count);
        Assert.Equal("line 199", notes[199]);
        Assert.Contains("was dropped", notes[200]);
    }

    [Fact]
    public async Task CodeNode_TopLevelState_IsFreshOnEveryRun()
    {
        var compiled = _engine.Executor.Compile(CodeGraph("var count = 0;\nfunction main(input) { count++; return String(count); }"));

        var first = await _engine.Executor.RunAsync(compiled, new PipelineRunState("a"), PipelineRunContext.None, null, CancellationToken.None);
        var second = await _engine.Executor.RunAsync(compiled, new PipelineRunState("b"), PipelineRunContext.None, null, CancellationToken.None);

        Assert.Equal("1", first.Reply);
        Assert.Equal("1", second.Reply);
    }

    [Fact]
    public void CodeNode_SyntaxError_IsAValidationErrorOnTheCodeField()
    {
        var errors = Validate(CodeGraph("function main(input) {\n  return input +;\n}"));

        var error = Assert.Single(errors);
        Assert.Equal("code", error.NodeId);
        Assert.Equal("code", error.Field);
        Assert.StartsWith("Syntax error on line 2:", error.Message);
        Assert.Throws<PipelineValidationException>(() => _engine.Executor.Compile(CodeGraph("function main( {")));
    }

    [Theory]
    [InlineData("function helper(input) { return input; }")]
    [InlineData("const mainly = 1;")]
    public void CodeNode_NoMainFunction_IsAValidationError(string code)
    {
        var error = Assert.Single(Validate(CodeGraph(code)));

        Assert.Equal(("code", "code"), (error.NodeId, error.Field));
        Assert.Contains("Define a function main(input, context)", error.Message);
    }

    [Theory]
    [InlineData("function main(input) { return input; }")]
    [InlineData("const main = (input) => input;")]
    [InlineData("let main = function (input, context) { return input; };")]
    public async Task CodeNode_MainDeclaredAnyWay_ValidatesAndRuns(string code)
    {
        Assert.Empty(Validate(CodeGraph(code)));

        var result = await RunCodeAsync(code);

        Assert.Equal("hi", result.Reply);
    }

    [Fact]
    public void CodeNode_DuplicateRoutes_IsAValidationErrorOnRoutes()
    {
        var graph = PipelineGraphBuilder.WithStartAndEnd()
            .Node("code", CodeNode.TypeKey, new { code = "function main(i) { return i; }", routes = new[] { "a", "A" } })
            .Connect("start -> code", "code:output_0 -> end").Build();

        var error = Assert.Single(Validate(graph));

        Assert.Equal(("code", "routes"), (error.NodeId, error.Field));
        Assert.Contains("unique", error.Message);
    }

    [Theory]
    [InlineData("function main(input) {\n  const a = 1;\n  return missing + a;\n}", "code: Code error on line 3: missing is not defined")]
    [InlineData("function main(input) {\n  throw new Error('custom failure');\n}", "code: Code error on line 2: custom failure")]
    [InlineData("function main(input) {\n  return input.nope.deeper;\n}", "code: Code error on line 2: Cannot read properties of undefined (reading 'deeper')")]
    public async Task CodeNode_RuntimeError_FailsTheRunWithNodeAndLine(string code, string expected)
    {
        var result = await RunCodeAsync(code);

        Assert.False(result.Succeeded);
        Assert.Equal("code", result.FailedNodeId);
        Assert.Equal(expected, result.Error);
        Assert.Null(result.Reply);
    }

    [Theory]
    [InlineData("set_temp_state_key('user_input', 'x')", "Temp state key 'user_input' is read-only.")]
    [InlineData("set_temp_state_key('outputs', {})", "Temp state key 'outputs' is read-only.")]
    [InlineData("set_session_state_key('remote_context', 1)", "Session state key 'remote_context' is reserved and read-only.")]
    [InlineData("set_participant_data_key(42, 1)", "set_participant_data_key(key): key must be non-empty text, not number.")]
    [InlineData("set_participant_data([1, 2])", "set_participant_data(data): data must be an object")]
    [InlineData("set_participant_data_key('f', function () {})", "value must be data")]
    public async Task CodeNode_HelperMisuse_IsAClearErrorWithLine(string call, string expected)
    {
        var result = await RunCodeAsync($"function main(input) {{\n  try {{ {call}; }} catch (e) {{ return 'caught'; }}\n  return input;\n}}");

        Assert.Equal("code", result.FailedNodeId);
        Assert.StartsWith("code: Code error on line 2: ", result.Error);
        Assert.Contains(expected, result.Error);
    }

    [Fact]
    public async Task Sandbox_InfiniteLoop_IsStoppedByTheTimeLimit()
    {
        var watch = Stopwatch.StartNew();

        var result = await RunCodeAsync("function main(input) {\n  while (true) {}\n}");

        Assert.Equal("code", result.FailedNodeId);
        Assert.Contains("Code ran longer than 2 s", result.Error);
        Assert.True(watch.Elapsed.TotalSeconds >= 1.5, $"stopped after {watch.Elapsed}: before the limit");   // no upper bound: a busy machine is slow, not wrong
    }

    [Fact]
    public async Task Sandbox_CallerCancels_StopsTheScriptPromptly()
    {
        using var cts = new CancellationTokenSource(200);

        // Had the cancellation been ignored, the 2 s limit would end the run with an error result instead of this exception.
        await Assert.ThrowsAnyAsync<OperationCanceledException>(() => RunCodeAsync("function main() { while (true) {} }", ct: cts.Token));
    }

    [Fact]
    public async Task Sandbox_DeepRecursion_IsStopped()
    {
        var result = await RunCodeAsync("function f(n) { return f(n + 1); }\nfunction main(input) { return f(0); }");

        Assert.Equal("code", result.FailedNodeId);
        Assert.Contains("more than 64 levels deep (recursion limit)", result.Error);
    }

    [Fact]
    public async Task Sandbox_ModestWork_FitsTheLimits()
    {
        var result = await RunCodeAsync("""
            function fib(n) { return n < 2 ? n : fib(n - 1) + fib(n - 2); }
            function main(input) {
              const rows = [];
              for (let i = 0; i < 20000; i++) rows.push({ i, label: 'row ' + i });
              return JSON.stringify(rows).length + ':' + fib(20);
            }
            """);

        Assert.True(result.Succeeded, result.Error);
        Assert.EndsWith(":6765", result.Reply);
    }

    // One-call string builders are refused before they allocate, so the error carries the line; the post-run check has none.
    [Theory]
    [InlineData("return 'x'.repeat(2 ** 28).length;", "Code used more than 32 MB of memory (stopped on line 2).")]
    [InlineData("return ''.padEnd(2 ** 28, 'ab').length;", "Code used more than 32 MB of memory (stopped on line 2).")]
    [InlineData("const a = 'x'.repeat(10000); return a.replaceAll('x', 'y'.repeat(10000)).length;", "Code used more than 32 MB of memory (stopped on line 2).")]
    [InlineData("const a = []; while (true) a.push({ n: a.length, s: 'item '.repeat(200) + a.length });", "Code used more than 32 MB of memory")]
    [InlineData("let s = 'ab'; while (true) s = s + s;", "Code used more than 32 MB of memory")]
    [InlineData("return new Array(2 ** 27).fill(0).length;", "Code made an array longer than 1,000,000 items")]
    public async Task Sandbox_HugeAllocation_IsStoppedByTheMemoryLimit(string body, string expected)
    {
        var result = await RunCodeAsync($"function main(input) {{\n  {body}\n}}");

        Assert.Equal("code", result.FailedNodeId);
        Assert.Contains(expected, result.Error);
    }

    [Fact]
    public async Task Sandbox_GuardedStringMethods_StillBehaveAsJavaScript()
    {
        var result = await RunCodeAsync("""
            function main(input) {
              return ['abc'.replace('b', '$&$&'), 'x'.repeat(3), 'ab'.padStart(5, '-'), 'ab'.padEnd(4), 'a-b-c'.replaceAll('-', '+'),
                      'aXbX'.replace(/X/g, '_'), 'aXbX'.replace('X', m => m.toLowerCase()), String.prototype.repeat.call(12, 2)].join('|');
            }
            """);

        Assert.True(result.Succeeded, result.Error);
        Assert.Equal("abbc|xxx|---ab|ab  |a+b+c|a_b_|axbX|1212", result.Reply);
    }

    [Fact]
    public async Task Sandbox_HasNoClrModulesNetworkTimersOrBinaryBuffers()
    {
        var result = await RunCodeAsync("""
            function main(input) {
              const names = ['System', 'importNamespace', 'require', 'module', 'exports', 'process', 'fetch', 'XMLHttpRequest',
                             'WebSocket', 'setTimeout', 'setInterval', 'Deno', 'Bun', 'host', 'clr', 'ArrayBuffer',
                             'SharedArrayBuffer', 'Uint8Array', 'DataView', 'Atomics', 'ShadowRealm'];
              const present = names.filter(n => typeof globalThis[n] !== 'undefined');
              const helperKeys = Object.getOwnPropertyNames(get_participant_data).sort().join(',');
              return JSON.stringify({ present, typeofSystem: typeof System, typeofRequire: typeof require,
                                      helperKeys, helperIsPlainFunction: get_participant_data.constructor === Function });
            }
            """);

        Assert.True(result.Succeeded, result.Error);
        var seen = JsonNode.Parse(result.Reply!)!;
        Assert.Empty(seen["present"]!.AsArray());
        Assert.Equal("undefined", seen["typeofSystem"]!.GetValue<string>());
        Assert.Equal("undefined", seen["typeofRequire"]!.GetValue<string>());
        Assert.Equal("length,name", seen["helperKeys"]!.GetValue<string>());
        Assert.True(seen["helperIsPlainFunction"]!.GetValue<bool>());
    }

    [Theory]
    [InlineData("eval('1 + 1')")]
    [InlineData("Function('return this')()")]
    [InlineData("get_participant_data.constructor('return 1')()")]
    [InlineData("import('fs')")]
    public async Task Sandbox_CodeFromStringsAndModules_AreRefused(string expression)
    {
        var result = await RunCodeAsync($"async function main(input) {{\n  return String(await {expression});\n}}");

        Assert.Equal("code", result.FailedNodeId);
        Assert.StartsWith("code: Code error", result.Error);
    }

    [Fact]
    public void CodeNode_Descriptor_UsesCodeWidgetAndDefaultMain()
    {
        var descriptor = _engine.Registry.Get(CodeNode.TypeKey);

        Assert.Equal(("Code", "Logic"), (descriptor.Label, descriptor.Category));
        var code = descriptor.Fields.Single(f => f.Name == "code");
        Assert.Equal("code", code.Widget);
        Assert.True(code.Required);
        Assert.Contains("function main(input, context)", code.Default!.GetValue<string>());
        Assert.Equal("keywords", descriptor.Fields.Single(f => f.Name == "routes").Widget);
        Assert.Empty(Validate(PipelineGraphBuilder.WithStartAndEnd().Node("code", CodeNode.TypeKey).Connect("start -> code", "code -> end").Build()));
    }
}
