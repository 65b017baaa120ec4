using System.Text.Json.Nodes;
using BenchmarkDotNet.Attributes;
using OpenChatStudio.Core.Pipelines.Graph;
using OpenChatStudio.Core.Pipelines.Registry;
using OpenChatStudio.Web.Components.Pipelines.Designer;

namespace OpenChatStudio.Bench;

/// <summary>The designer's load and save path: a 200-node pipeline to a Z.Blazor.Diagrams diagram and back.</summary>
[MemoryDiagnoser]
public class DesignerBenchmarks
{
    private readonly NodeRegistry _registry = NodeRegistry.CreateDefault();
    private PipelineGraph _graph = PipelineGraph.Empty;
    private Dictionary<string, NodePosition> _layout = [];

    [GlobalSetup]
    public void Setup()
    {
        (_graph, _layout) = BigGraph(200);
        var (back, _) = DesignerMapper.ToGraph(DesignerMapper.ToDiagram(_graph, _layout, _registry, DesignerMapper.CreateDiagram()));
        if (!back.SameAs(_graph))
        {
            throw new InvalidOperationException("The 200-node pipeline did not round-trip through the designer.");
        }
    }

    [Benchmark]
    public int RoundTrip200Nodes()
    {
        var diagram = DesignerMapper.ToDiagram(_graph, _layout, _registry, DesignerMapper.CreateDiagram());
        var (graph, layout) = DesignerMapper.ToGraph(diagram);
        return graph.Nodes.Count + layout.Count;
    }

    /// <summary>Start → a chain of LLM, template and router nodes (each router fans out to the next two) → End.</summary>
    public static (PipelineGraph, Dictionary<string, NodePosition>) BigGraph(int count)
    {
        var nodes = new List<GraphNode> { GraphNode.Create("start", "StartNode", "start") };
        var edges = new List<GraphEdge>();
        var layout = new Dictionary<string, NodePosition> { ["start"] = new(0, 0) };
        var previous = "start";
        var previousPort = "output";
        for (var i = 1; i <= count - 2; i++)
        {
            var id = $"n{i}";
            var node = (i % 3) switch
            {
                0 => new GraphNode(id, "StaticRouterNode", id, new JsonObject
                {
                    ["route_key"] = "topic",
                    ["keywords"] = new JsonArray("A", "B"),
                }),
                1 => new GraphNode(id, "LLMResponseWithPrompt", id, new JsonObject { ["prompt"] = $"You are assistant {i}." }),
                _ => new GraphNode(id, "RenderTemplate", id, new JsonObject { ["template_string"] = "{{ input }}" }),
            };
            nodes.Add(node);
            layout[id] = new NodePosition(i * 240, (i % 4) * 140);
            edges.Add(new GraphEdge(previous, previousPort, id));
            previous = id;
            previousPort = node.Type == "StaticRouterNode" ? "output_0" : "output";
        }
        nodes.Add(GraphNode.Create("end", "EndNode", "end"));
        layout["end"] = new NodePosition((count - 1) * 240, 0);
        edges.Add(new GraphEdge(previous, previousPort, "end"));
        return (new PipelineGraph(nodes, edges), layout);
    }
}
