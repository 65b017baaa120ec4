using System.Text.Json;
using System.Text.Json.Nodes;
using OpenChatStudio.Core.Pipelines.Graph;
using OpenChatStudio.Core.Pipelines.Nodes;

namespace OpenChatStudio.Tests.TestSupport.Pipelines;

/// <summary>
/// Builds graphs in tests. Node id = name. Edges use the OCS-style DSL: "a -> b" (default output) or
/// "router:output_1 -> b".
/// </summary>
public sealed class PipelineGraphBuilder
{
    private readonly List<GraphNode> _nodes = [];
    private readonly List<GraphEdge> _edges = [];

    public static PipelineGraphBuilder WithStartAndEnd() => new PipelineGraphBuilder().Node("start", StartNode.TypeKey).Node("end", EndNode.TypeKey);

    public PipelineGraphBuilder Node(string name, string type, object? parameters = null)
    {
        var json = parameters is null ? new JsonObject() : JsonSerializer.SerializeToNode(parameters, PipelineGraph.JsonOptions)!.AsObject();
        _nodes.Add(new GraphNode(name, type, name, json));
        return this;
    }

    public PipelineGraphBuilder Connect(params string[] edges)
    {
        foreach (var edge in edges)
        {
            var parts = edge.Split("->", StringSplitOptions.TrimEntries);
            var source = parts[0].Split(':');
            _edges.Add(new GraphEdge(source[0], source.Length > 1 ? source[1] : GraphEdge.DefaultPort, parts[1]));
        }
        return this;
    }

    public PipelineGraph Build() => new(_nodes.ToList(), _edges.ToList());
}
