using BenchmarkDotNet.Attributes;
using Microsoft.Extensions.Logging.Abstractions;
using OpenChatStudio.Core.Email;
using OpenChatStudio.Core.Pipelines.Execution;
using OpenChatStudio.Core.Pipelines.Graph;
using OpenChatStudio.Core.Pipelines.Registry;
using OpenChatStudio.Core.Pipelines.Templates;

namespace OpenChatStudio.Bench;

/// <summary>Start → one node → End, per node type: where the 10-node figure's time and memory go.</summary>
[MemoryDiagnoser]
public class NodeBenchmarks
{
    private PipelineExecutor _executor = default!;
    private CompiledPipeline _pipeline = default!;

    [Params("RenderTemplate", "CodeNode", "LLMResponseWithPrompt", "RouterNode", "StaticRouterNode")]
    public string Node { get; set; } = "";

    [GlobalSetup]
    public void Setup()
    {
        var full = ExecutorBenchmarks.TenNodeGraph();
        var node = full.Nodes.First(n => n.Type == Node);
        var services = new PipelineServices(new ZeroLatencyChatService(), new InMemoryChatHistoryStore(),
            new LogEmailSender(NullLogger<LogEmailSender>.Instance), new FluidTemplateRenderer(), TimeProvider.System);
        _executor = new PipelineExecutor(NodeRegistry.CreateDefault(), services);
        var port = Node is "RouterNode" or "StaticRouterNode" ? "output_0" : "output";
        _pipeline = _executor.Compile(new PipelineGraph(
            [GraphNode.Create("start", "StartNode", "start"), node, GraphNode.Create("end", "EndNode", "end")],
            [new("start", "output", node.Id), new(node.Id, port, "end")]));
    }

    [Benchmark]
    public async Task<string?> OneNode()
    {
        var state = new PipelineRunState("My router keeps dropping the connection", new System.Text.Json.Nodes.JsonObject { ["name"] = "Ada", ["tier"] = "free" });
        var result = await _executor.RunAsync(_pipeline, state, PipelineRunContext.None, null, CancellationToken.None);
        return result.Error ?? result.Reply;
    }
}
