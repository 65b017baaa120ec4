using OpenChatStudio.Core.Pipelines.Execution;
using OpenChatStudio.Core.Pipelines.Nodes;
using OpenChatStudio.Tests.TestSupport.Pipelines;
using OpenChatStudio.Tests.TestSupport;

namespace OpenChatStudio.Tests.Core.Pipelines.Nodes;

/// <summary>
/// Scripts that ended the whole process before the sandbox bounded them: nested data or chained calls deep enough to
/// overflow the .NET stack (which cannot be caught), and single built-in calls that allocated hundreds of megabytes
/// before the memory limit was next checked. Each is built as deep or as large as the 32 MB budget allows. Had any
/// guard been missing, the test process itself would have died, failing the run.
/// </summary>
[Trait(TestLayers.Trait, TestLayers.Unit)]
[Collection(SerialCollection.Name)]   // OneCallAllocation measures the process's allocations: other tests must not run meanwhile
public class CodeNodeHostSafetyTests
{
    private readonly EngineHarness _engine = new();

    private async Task<PipelineRunResult> RunAsync(string body, PipelineRunState? state = null)
    {
        var graph = PipelineGraphBuilder.WithStartAndEnd()
            .Node("code", CodeNode.TypeKey, new { code = $"function main(input) {{\n  {body}\n}}" })
            .Connect("start -> code", "code -> end").Build();
        return await _engine.RunAsync(graph, "hi", state ?? new PipelineRunState("hi"));
    }

    private const string Nested = "levels deep";

    [Theory]
    // The reproduction: JSON.stringify of a 100,000-deep object.
    [InlineData("let o = {}; for (let k = 0; k < 100000; k++) o = { a: o }; return JSON.stringify(o);")]
    [InlineData("let a = []; for (let k = 0; k < 150000; k++) a = [a]; return JSON.stringify(a);")]
    [InlineData("let a = []; for (let k = 0; k < 150000; k++) a = [a]; return String(a);")]
    [InlineData("let a = []; for (let k = 0; k < 150000; k++) a = [a]; return a.join('-');")]
    [InlineData("let a = []; for (let k = 0; k < 100000; k++) a = [a]; return a.toLocaleString();")]
    [InlineData("let a = []; for (let k = 0; k < 150000; k++) a = [a]; return `${a}`;")]
    [InlineData("let a = []; for (let k = 0; k < 150000; k++) a = [a]; return a.flat(Infinity).length;")]
    [InlineData("let f = function () { return 1; }; for (let k = 0; k < 150000; k++) f = f.bind(null); return f();")]
    [InlineData("function* g(n) { if (n) yield* g(n - 1); else yield 1; } return [...g(50000)].length;")]
    [InlineData("let args = [Math.max, null, [1]]; for (let k = 0; k < 100000; k++) args = [Reflect.apply, null, args]; return Reflect.apply(...args);")]
    [InlineData("const ap = Function.prototype.apply; let x = [Math.max, [null, [1]]]; for (let k = 0; k < 100000; k++) x = [ap, x]; return ap.apply(x[0], x[1]);")]
    // Lazy depth: each level is made by a getter or toJSON as the serializer reaches it.
    [InlineData("const mk = n => ({ get a() { return n ? mk(n - 1) : 1; } }); return JSON.stringify(mk(100000));")]
    [InlineData("const mk = n => ({ toJSON() { return { a: n ? mk(n - 1) : 1 }; } }); return JSON.stringify(mk(100000));")]
    [InlineData("const mk = n => ({ get a() { return n ? mk(n - 1) : 1; } }); return JSON.stringify(mk(100000), ['a']);")]
    // Depth made by the parser from text.
    [InlineData("return JSON.parse('['.repeat(100000) + ']'.repeat(100000));")]
    [InlineData("return JSON.parse('{\"a\":'.repeat(100000) + '1' + '}'.repeat(100000));")]
    [InlineData("return JSON.parse('['.repeat(100000) + ']'.repeat(100000), (k, v) => v);")]
    public async Task DeepNesting_FailsTheRunWithAClearError_AndTheHostLives(string body)
    {
        var result = await RunAsync(body);

        Assert.Equal("code", result.FailedNodeId);
        // JSON.parse stops at Jint's own depth limit with a SyntaxError a script can catch.
        Assert.Matches($"{Nested}|Max. depth level of JSON reached", result.Error);
        // The next run on the same node still works: nothing was left half-nested.
        var after = await RunAsync("return [[1, [2]], 3].join('|') + JSON.stringify({ a: [1, { b: 2 }] });");
        Assert.True(after.Succeeded, after.Error);
        Assert.Equal("1,2|3{\"a\":[1,{\"b\":2}]}", after.Reply);
    }

    [Theory]
    [InlineData("return typeof Proxy;", "undefined")]
    [InlineData("let o = {}; for (let k = 0; k < 900; k++) o = { a: o }; return JSON.stringify(o).length;", "5402")]
    [InlineData("let a = [1]; for (let k = 0; k < 900; k++) a = [a]; return a.flat(Infinity).length;", "1")]
    // Joins count as calls, so the recursion limit (64) bounds them first.
    [InlineData("let a = [1]; for (let k = 0; k < 30; k++) a = [a, 2]; return String(a).length;", "61")]
    public async Task ModestNesting_StillWorks(string body, string expected)
    {
        var result = await RunAsync(body);

        Assert.True(result.Succeeded, result.Error);
        Assert.Equal(expected, result.Reply);
    }

    [Theory]
    [InlineData("const s = 'x'.repeat(1000000); return s.replace(/x/g, 'y'.repeat(200)).length;")]
    [InlineData("const s = 'x'.repeat(100000); return s.replace(/(?:)/g, '$`').length;")]
    [InlineData("const s = 'x'.repeat(1000000); return /x/g[Symbol.replace](s, 'y'.repeat(200)).length;")]
    [InlineData("const s = 'x'.repeat(10000000); return [s, s, s, s, s, s, s, s, s, s].join('').length;")]
    [InlineData("const s = 'x'.repeat(10000000); return s.concat(s, s, s, s, s, s, s, s).length;")]
    [InlineData("const s = 'x'.repeat(5000000); return Array(100).fill(s).toString().length;")]
    [InlineData("const s = 'x'.repeat(5000000); return JSON.stringify(Array(100).fill(s)).length;")]
    [InlineData("const s = '\\u20ac'.repeat(5000000); return encodeURIComponent(s).length;")]
    [InlineData("return Array.prototype.join.call({ length: 2 ** 40 }, '').length;")]
    public async Task OneCallAllocation_IsRefusedBeforeItHappens(string body)
    {
        var before = GC.GetTotalAllocatedBytes();

        var result = await RunAsync(body);

        Assert.Equal("code", result.FailedNodeId);
        Assert.Matches("used more than 32 MB of memory|array longer than", result.Error);
        // The inputs cost at most ~20 MB; the refused call would have cost hundreds of megabytes more.
        Assert.True(GC.GetTotalAllocatedBytes() - before < 150L * 1024 * 1024,
            $"allocated {(GC.GetTotalAllocatedBytes() - before) / 1048576} MB");
    }

    /// <summary>The guarded built-ins still behave as JavaScript does (results checked against Node 20).</summary>
    [Theory]
    [InlineData("return JSON.stringify({ b: 1, a: [1, 'x', null, undefined, () => 1], d: new Date(0) });",
        "{\"b\":1,\"a\":[1,\"x\",null,null,null],\"d\":\"1970-01-01T00:00:00.000Z\"}")]
    [InlineData("return JSON.stringify({ a: 1, b: { a: 2, c: 3 }, c: 4 }, ['a', 'b']);", "{\"a\":1,\"b\":{\"a\":2}}")]
    [InlineData("return JSON.stringify({ a: 1, b: [1, 2] }, (k, v) => typeof v === 'number' ? v * 10 : v);", "{\"a\":10,\"b\":[10,20]}")]
    [InlineData("return JSON.stringify({ a: [1] }, null, 2);", "{\n  \"a\": [\n    1\n  ]\n}")]
    [InlineData("return JSON.stringify({ a: 1 }, null, '--');", "{\n--\"a\": 1\n}")]
    [InlineData("return JSON.stringify({ toJSON() { return { x: 1 }; } });", "{\"x\":1}")]
    [InlineData("return JSON.stringify([new String('s'), new Number(2), new Boolean(false)]);", "[\"s\",2,false]")]
    [InlineData("return JSON.stringify('a\\u0001\"b');", "\"a\\u0001\\\"b\"")]
    [InlineData("return String(JSON.stringify(undefined)) + JSON.stringify(null);", "undefinednull")]
    [InlineData("const o = {}; o.self = o; try { JSON.stringify(o); return 'no'; } catch (e) { return e instanceof TypeError; }", "true")]
    [InlineData("try { JSON.stringify({ n: 1n }); return 'no'; } catch (e) { return e instanceof TypeError; }", "true")]
    [InlineData("const a = [1, 2]; a.push(a); return a.join('-') + '|' + String([1, [2, [3]], null, undefined]);", "1-2-|1,2,3,,")]
    [InlineData("return Array.prototype.join.call({ length: 3, 0: 'a', 2: 'c' }, '+') + Array.prototype.join.call('abc', '.');", "a++ca.b.c")]
    [InlineData("return [1234.5, 'x'].toLocaleString() + '|' + [[1, 2], 3].join();", "1,234.5,x|1,2,3")]
    [InlineData("return [1, [2, [3, [4]]]].flat(2).length + ':' + [[1, [2, [3]]]].flat(Infinity).join('');", "4:123")]
    [InlineData("function f(a, b) { return this.x + a + b; } return f.bind({ x: 1 }, 2).bind(null, 3)();", "6")]
    [InlineData("function* inner() { yield 1; yield 2; } function* outer() { yield* inner(); yield 3; } return [...outer()].join();", "1,2,3")]
    [InlineData("return Math.max.apply(null, [1, 5, 2]) + Reflect.apply(Math.min, null, [4, 3]) + Math.max.call(null, 7, 1);", "15")]
    [InlineData("return 'a-b'.concat('c', 1) + 'aXbX'.replace(/X/g, '$&$&') + 'ab'.replace(/(a)/, '[$1$`]');", "a-bc1aXXbXX[a]b")]
    [InlineData("return encodeURIComponent('a b/\\u20ac') + encodeURI('/a b') + escape('a b');", "a%20b%2F%E2%82%AC/a%20ba%20b")]
    public async Task GuardedBuiltins_KeepTheirJavaScriptBehaviour(string body, string expected)
    {
        var result = await RunAsync(body);

        Assert.True(result.Succeeded, result.Error);
        Assert.Equal(expected, result.Reply);
    }

    /// <summary>
    /// Data a script hands to the host (its output, participant data, session and temp state) nests at most
    /// <see cref="JsJsonLimit"/> levels, as JSON bodies of the APIs: deeper data (which System.Text.Json would refuse later,
    /// when the state is saved or read back) fails the run here, with the limit in the message, and nothing is stored.
    /// </summary>
    [Theory]
    [InlineData("return deep;")]
    [InlineData("set_session_state_key('deep', deep); return 'saved';")]
    [InlineData("set_participant_data_key('deep', deep); return 'saved';")]
    [InlineData("set_participant_data({ deep }); return 'saved';")]
    [InlineData("append_to_participant_data_key('deep', deep); return 'saved';")]
    [InlineData("set_temp_state_key('deep', deep); return 'saved';")]
    public async Task DataNestedTooDeeplyForTheHost_FailsTheRunWithAClearError(string use)
    {
        var state = new PipelineRunState("hi");

        var result = await RunAsync("let deep = 1; for (let k = 0; k < 500; k++) deep = { a: deep };\n  " + use, state);

        Assert.False(result.Succeeded);
        Assert.Equal("code", result.FailedNodeId);
        Assert.Contains($"nests more than {JsJsonLimit} levels deep", result.Error);
        Assert.False(state.SessionStateChanged);
        Assert.False(state.ParticipantDataChanged);
        Assert.Null(state.GetTempState("deep"));
    }

    private const int JsJsonLimit = OpenChatStudio.Core.Pipelines.Scripting.JsJson.MaxDataDepth;

    [Theory]
    [InlineData("return deep;")]
    [InlineData("set_session_state_key('deep', deep); return 'saved';")]
    [InlineData("set_participant_data_key('deep', deep); return 'saved';")]
    public async Task DataNestedWithinTheLimit_IsReturnedAndSaved(string use)
    {
        var result = await RunAsync("let deep = 1; for (let k = 0; k < 60; k++) deep = { a: deep };\n  " + use);

        Assert.True(result.Succeeded, result.Error);
    }

    [Fact]
    public void CodeNestedTooDeeplyToParse_IsAValidationError_NotACrash()
    {
        var code = "function main(input) { return " + new string('[', 49_000) + new string(']', 49_000) + "; }";
        var graph = PipelineGraphBuilder.WithStartAndEnd()
            .Node("code", CodeNode.TypeKey, new { code })
            .Connect("start -> code", "code -> end").Build();

        var errors = new OpenChatStudio.Core.Pipelines.Graph.GraphValidator(_engine.Registry).Validate(graph);

        Assert.Contains(errors, e => e.Message.Contains("too deeply", StringComparison.Ordinal) || e.Message.Contains("Syntax error", StringComparison.Ordinal));
    }
}
