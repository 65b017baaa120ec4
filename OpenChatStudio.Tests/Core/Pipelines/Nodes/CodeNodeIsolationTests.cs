using System.Text.Json.Nodes;
using OpenChatStudio.Core.Pipelines.Execution;
using OpenChatStudio.Core.Pipelines.Graph;
using OpenChatStudio.Core.Pipelines.Nodes;
using OpenChatStudio.Tests.TestSupport.Pipelines;
using OpenChatStudio.Tests.TestSupport;

namespace OpenChatStudio.Tests.Core.Pipelines.Nodes;

/// <summary>
/// Code node engines are pooled: these tests prove one run cannot leave anything behind for the next run on the same
/// engine (globals, built-ins, queued promise jobs), that every limit still applies to a reused engine, and that runs
/// in parallel do not share state.
/// </summary>
[Trait(TestLayers.Trait, TestLayers.Unit)]
public class CodeNodeIsolationTests
{
    private readonly EngineHarness _engine = new();

    private CodeNode Node => (CodeNode)_engine.Registry.Get(CodeNode.TypeKey).Node;

    private Task<PipelineRunResult> RunCodeAsync(string code, string input = "hi", PipelineRunState? state = null) =>
        _engine.RunAsync(PipelineGraphBuilder.WithStartAndEnd()
            .Node("code", CodeNode.TypeKey, new { code })
            .Connect("start -> code", "code -> end").Build(), input, state ?? new PipelineRunState(input));

    private async Task<string> ReplyAsync(string code, string input = "hi")
    {
        var result = await RunCodeAsync(code, input);
        Assert.True(result.Succeeded, result.Error);
        return result.Reply!;
    }

    [Fact]
    public async Task Pool_SequentialRuns_ReuseOneEngine()
    {
        await ReplyAsync("function main(input) { return input; }");
        await ReplyAsync("function main(input) { return input + '!'; }");

        Assert.Equal(1, Node.IdleEngines);
    }

    [Fact]
    public async Task Globals_SetByOneRun_AreNotVisibleToTheNext()
    {
        var first = await ReplyAsync("""
            var topLevelVar = 'secret-var';
            let topLevelLet = 'secret-let';
            function leftover() { return 'secret-function'; }
            globalThis.assigned = 'secret-global';
            function main(input) { globalThis.fromMain = 'secret-main'; return typeof assigned + ',' + typeof fromMain; }
            """);
        Assert.Equal("string,string", first);

        var second = await ReplyAsync("""
            function main(input) {
              return [typeof topLevelVar, typeof topLevelLet, typeof leftover, typeof assigned, typeof fromMain].join(',');
            }
            """);

        Assert.Equal(1, Node.IdleEngines);
        Assert.Equal("undefined,undefined,undefined,undefined,undefined", second);
    }

    [Fact]
    public async Task Globals_OverwrittenHelpersAndBuiltins_AreRestoredForTheNextRun()
    {
        await ReplyAsync("""
            function main(input) {
              globalThis.get_temp_state_key = () => 'hijacked';
              JSON = { stringify: () => 'hijacked' };
              delete globalThis.Math;
              return 'ok';
            }
            """);

        var state = new PipelineRunState("hi");
        state.SetTempState("k", "real");
        var result = await RunCodeAsync("function main() { return get_temp_state_key('k') + '|' + JSON.stringify([1]) + '|' + typeof Math; }", state: state);

        Assert.True(result.Succeeded, result.Error);
        Assert.Equal("real|[1]|object", result.Reply);
    }

    [Theory]
    [InlineData("Array.prototype.leak = 1", "[].leak")]
    [InlineData("Object.prototype.leak = 1", "({}).leak")]
    [InlineData("Object.defineProperty(Object.prototype, 'leak', { value: 1 })", "({}).leak")]
    [InlineData("String.prototype.toUpperCase = () => 'leak'", "'a'.toUpperCase() === 'leak' ? 1 : undefined")]
    [InlineData("JSON.parse = () => 1", "JSON.parse('2') === 1 ? 1 : undefined")]
    [InlineData("Math.leak = 1", "Math.leak")]
    [InlineData("console.log = () => 1", "console.log('x') === 1 ? 1 : undefined")]
    [InlineData("Object.setPrototypeOf(Array.prototype, { leak: 1 })", "[].leak")]
    [InlineData("Object.getPrototypeOf(function* () {}).leak = 1", "Object.getPrototypeOf(function* () {}).leak")]
    [InlineData("Object.getPrototypeOf([][Symbol.iterator]()).leak = 1", "[][Symbol.iterator]().leak")]
    [InlineData("Object.getPrototypeOf(async function () {}).leak = 1", "(async function () {}).leak")]
    [InlineData("get_participant_data.leak = 1", "get_participant_data.leak")]
    [InlineData("Error.prototype.name = 'leak'", "new Error('x').name === 'leak' ? 1 : undefined")]
    public async Task Builtins_ModifiedByOneRun_AreFrozen_AndTheNextRunSeesThemUnchanged(string mutation, string probe)
    {
        var first = await ReplyAsync($$"""
            function main(input) {
              try { {{mutation}}; return 'changed'; } catch (e) { return 'refused: ' + e.constructor.name; }
            }
            """);
        Assert.Equal("refused: TypeError", first);

        var second = await ReplyAsync($"function main(input) {{ return String({probe}); }}");

        Assert.Equal(1, Node.IdleEngines);
        Assert.Equal("undefined", second);
    }

    [Fact]
    public async Task Builtins_Frozen_StillLetScriptsOverrideOnTheirOwnObjects()
    {
        var reply = await ReplyAsync("""
            class NotFound extends Error {
              constructor(message) { super(message); this.name = 'NotFound'; }
            }
            function main(input) {
              const item = { label: 'x' };
              item.toString = function () { return 'item ' + this.label; };
              item.constructor = 'mine';
              const list = [1, 2];
              list.toString = () => 'list';
              const error = new NotFound('missing');
              return [String(item), item.constructor, String(list), error.name, error.message, String(error), ({}).toString()].join('|');
            }
            """);

        Assert.Equal("item x|mine|list|NotFound|missing|NotFound: missing|[object Object]", reply);
    }

    [Fact]
    public async Task StrictMode_UndeclaredVariable_IsAnError()
    {
        var result = await RunCodeAsync("function main(input) {\n  total = 1;\n  return String(total);\n}");

        Assert.Equal("code", result.FailedNodeId);
        Assert.Equal("code: Code error on line 2: total is not defined", result.Error);
    }

    [Fact]
    public async Task PromiseJobs_QueuedByOneRun_NeverRunInTheNext()
    {
        var first = await ReplyAsync("""
            function main(input) {
              Promise.resolve().then(() => Promise.resolve()).then(() => set_temp_state_key('late', 'from the first run'));
              return 'first';
            }
            """);
        Assert.Equal("first", first);

        var result = await RunCodeAsync("function main(input) { return String(get_temp_state_key('late')); }");

        Assert.True(result.Succeeded, result.Error);
        Assert.Equal("null", result.Reply);
        Assert.Null(result.State.GetTempState("late"));
    }

    [Fact]
    public async Task Limits_StillApply_ToAReusedEngine()
    {
        await ReplyAsync("function main(input) { return input; }");
        Assert.Equal(1, Node.IdleEngines);

        var loop = await RunCodeAsync("function main(input) {\n  while (true) {}\n}");
        var recursion = await RunCodeAsync("function f(n) { return f(n + 1); }\nfunction main(input) { return f(0); }");
        var memory = await RunCodeAsync("function main(input) {\n  let s = 'ab'; while (true) s = s + s;\n}");
        var array = await RunCodeAsync("function main(input) {\n  return new Array(2 ** 27).fill(0).length;\n}");

        Assert.Contains("Code ran longer than 2 s", loop.Error);
        Assert.Contains("more than 64 levels deep (recursion limit)", recursion.Error);
        Assert.Contains("Code used more than 32 MB of memory", memory.Error);
        Assert.Contains("Code made an array longer than 1,000,000 items", array.Error);
    }

    [Fact]
    public async Task Limits_RestartForEveryRun_SoAReusedEngineGetsTheWholeBudget()
    {
        // About 60% of the memory budget per run: a budget carried over from the previous run would stop the second one.
        const string work = """
            function main(input) {
              let rows = [];
              for (let i = 0; i < 60000; i++) rows.push({ i, label: 'row ' + i });
              return input + ':' + rows.length;
            }
            """;

        for (var run = 1; run <= 3; run++)
        {
            Assert.Equal($"run{run}:60000", await ReplyAsync(work, $"run{run}"));
        }
        Assert.Equal(1, Node.IdleEngines);
    }

    [Fact]
    public async Task StoppedRun_DiscardsItsEngine_AndTheNextRunWorks()
    {
        await ReplyAsync("function main(input) { return input; }");

        var stopped = await RunCodeAsync("function f(n) { return f(n + 1); }\nfunction main(input) { globalThis.marker = 1; return f(0); }");
        Assert.False(stopped.Succeeded);
        Assert.Equal(0, Node.IdleEngines);

        Assert.Equal("undefined:hi", await ReplyAsync("function main(input) { return typeof marker + ':' + input; }"));
    }

    [Fact]
    public async Task ConcurrentRuns_DoNotShareState()
    {
        const string code = """
            var mine;
            function main(input) {
              mine = input;
              globalThis.shared = input;
              set_temp_state_key('seen', input);
              let spin = 0;
              for (let i = 0; i < 20000; i++) spin += i % 7;
              return [mine, globalThis.shared, get_temp_state_key('seen'), get_participant_data_key('who')].join('|');
            }
            """;

        var runs = Enumerable.Range(0, 24).Select(i => Task.Run(async () =>
        {
            var input = $"run-{i}";
            var state = new PipelineRunState(input, new JsonObject { ["who"] = input });
            var result = await RunCodeAsync(code, input, state);
            return (input, result);
        })).ToList();
        var results = await Task.WhenAll(runs);

        foreach (var (input, result) in results)
        {
            Assert.True(result.Succeeded, result.Error);
            Assert.Equal($"{input}|{input}|{input}|{input}", result.Reply);
            Assert.Equal(input, result.State.GetTempState("seen")!.GetValue<string>());
        }
        Assert.InRange(Node.IdleEngines, 1, 32);
    }
}
