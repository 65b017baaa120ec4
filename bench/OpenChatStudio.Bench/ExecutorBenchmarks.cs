using BenchmarkDotNet.Attributes;
using Microsoft.Extensions.Logging.Abstractions;
using OpenChatStudio.Core.Email;
using OpenChatStudio.Core.Pipelines.Execution;
using OpenChatStudio.Core.Pipelines.Graph;
using OpenChatStudio.Core.Pipelines.Registry;
using OpenChatStudio.Core.Pipelines.Templates;

namespace OpenChatStudio.Bench;

/// <summary>
/// The engine alone (no database): one message through a 10-node pipeline — LLM router, static router, template, code,
/// two LLM nodes on a zero-latency model, a merge and passthrough — as the budget describes.
/// </summary>
[MemoryDiagnoser]
public class ExecutorBenchmarks
{
    private PipelineExecutor _executor = default!;
    private CompiledPipeline _pipeline = default!;
    private PipelineExecutor _linearExecutor = default!;
    private CompiledPipeline _linear = default!;

    public static PipelineGraph TenNodeGraph()
    {
        var provider = Guid.NewGuid();
        GraphNode Node(string name, string type, string json) => new(name, type, name, (System.Text.Json.Nodes.JsonObject)System.Text.Json.Nodes.JsonNode.Parse(json)!);
        return new PipelineGraph(
            [
                Node("start", "StartNode", "{}"),
                Node("router", "RouterNode", $$"""{"llm_provider_id":"{{provider}}","llm_model":"zero","prompt":"Support or sales?","keywords":["SUPPORT","SALES"],"history_type":"none"}"""),
                Node("tier", "StaticRouterNode", """{"data_source":"participant_data","route_key":"tier","keywords":["FREE","PRO"]}"""),
                Node("template", "RenderTemplate", """{"template_string":"Customer {{ participant_data.name }} asks: {{ input }}"}"""),
                Node("code", "CodeNode", """{"code":"function main(input, context) { set_temp_state_key('length', input.length); return input.toUpperCase(); }"}"""),
                Node("support_llm", "LLMResponseWithPrompt", $$"""{"llm_provider_id":"{{provider}}","llm_model":"zero","prompt":"Help {participant_data}","history_type":"none"}"""),
                Node("pro_llm", "LLMResponseWithPrompt", $$"""{"llm_provider_id":"{{provider}}","llm_model":"zero","prompt":"Priority help","history_type":"none"}"""),
                Node("sales", "RenderTemplate", """{"template_string":"Sales will call you."}"""),
                Node("join", "Passthrough", "{}"),
                Node("end", "EndNode", "{}"),
            ],
            [
                new("start", "output", "router"),
                new("router", "output_0", "tier"),
                new("router", "output_1", "sales"),
                new("tier", "output_0", "template"),
                new("tier", "output_1", "pro_llm"),
                new("template", "output", "code"),
                new("code", "output", "support_llm"),
                new("support_llm", "output", "join"),
                new("pro_llm", "output", "join"),
                new("sales", "output", "join"),
                new("join", "output", "end"),
            ]);
    }

    public static PipelineGraph LinearGraph() => new(
        [GraphNode.Create("start", "StartNode", "start"), GraphNode.Create("pass", "Passthrough", "pass"), GraphNode.Create("end", "EndNode", "end")],
        [new("start", "output", "pass"), new("pass", "output", "end")]);

    [GlobalSetup]
    public void Setup()
    {
        var llm = new ZeroLatencyChatService();
        var services = new PipelineServices(llm, new InMemoryChatHistoryStore(), new LogEmailSender(NullLogger<LogEmailSender>.Instance),
            new FluidTemplateRenderer(), TimeProvider.System);
        var registry = NodeRegistry.CreateDefault();
        _executor = new PipelineExecutor(registry, services);
        _pipeline = _executor.Compile(TenNodeGraph());
        _linearExecutor = _executor;
        _linear = _executor.Compile(LinearGraph());
    }

    [Benchmark(Description = "10-node pipeline, one message")]
    public async Task<string?> TenNodes()
    {
        var state = new PipelineRunState("My router keeps dropping the connection", new System.Text.Json.Nodes.JsonObject { ["name"] = "Ada", ["tier"] = "free" });
        var result = await _executor.RunAsync(_pipeline, state, PipelineRunContext.None, null, CancellationToken.None);
        return result.Error ?? result.Reply;
    }

    [Benchmark(Description = "Start → Passthrough → End (executor overhead)")]
    public async Task<string?> Minimal()
    {
        var result = await _linearExecutor.RunAsync(_linear, new PipelineRunState("hi"), PipelineRunContext.None, null, CancellationToken.None);
        return result.Reply;
    }
}
