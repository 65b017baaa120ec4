using System.Text.Json;
using System.Text.Json.Nodes;
using System.Text.Json.Serialization;

namespace OpenChatStudio.Core.Pipelines.Graph;

/// <summary>
/// What a chatbot does, as data: nodes (type + typed params) and edges between named ports. Layout (positions) is kept
/// separately in <see cref="PipelineLayout"/>. Round-trips losslessly through <see cref="ToJson"/>/<see cref="FromJson"/>.
/// </summary>
public sealed record PipelineGraph(IReadOnlyList<GraphNode> Nodes, IReadOnlyList<GraphEdge> Edges)
{
    public static readonly JsonSerializerOptions JsonOptions = new(JsonSerializerDefaults.Web)
    {
        PropertyNamingPolicy = JsonNamingPolicy.SnakeCaseLower,
        DefaultIgnoreCondition = JsonIgnoreCondition.WhenWritingNull,
        WriteIndented = false,
        Converters = { new JsonStringEnumConverter(JsonNamingPolicy.SnakeCaseLower) },
    };

    public static PipelineGraph Empty { get; } = new([], []);

    public GraphNode? FindNode(string id) => Nodes.FirstOrDefault(n => n.Id == id);

    public string ToJson() => JsonSerializer.Serialize(this, JsonOptions);

    /// <summary>Parses a graph; throws <see cref="JsonException"/> with the position of malformed input.</summary>
    public static PipelineGraph FromJson(string json)
    {
        PipelineGraph? graph;
        try
        {
            graph = JsonSerializer.Deserialize<PipelineGraph>(json, JsonOptions);
        }
        catch (NotSupportedException ex)
        {
            throw new JsonException($"The pipeline JSON has an unexpected shape: {ex.Message}", ex);
        }
        if (graph is null)
        {
            throw new JsonException("The pipeline JSON is empty.");
        }
        var nodes = (graph.Nodes ?? []).Select(n => n with { Params = n.Params ?? new JsonObject() }).ToList();
        return graph with { Nodes = nodes, Edges = graph.Edges ?? [] };
    }

    /// <summary>Structural equality (records compare lists by reference): same nodes, params and edges in the same order.</summary>
    public bool SameAs(PipelineGraph other) =>
        Nodes.Count == other.Nodes.Count && Edges.SequenceEqual(other.Edges) &&
        Nodes.Zip(other.Nodes).All(p => p.First.Id == p.Second.Id && p.First.Type == p.Second.Type && p.First.Name == p.Second.Name &&
                                        JsonNode.DeepEquals(p.First.Params, p.Second.Params));
}

/// <summary>One step. <see cref="Name"/> is unique within the pipeline (other nodes refer to its output by name).</summary>
public sealed record GraphNode(string Id, string Type, string Name, JsonObject Params)
{
    public static GraphNode Create(string id, string type, string name) => new(id, type, name, new JsonObject());
}

/// <summary>Data flows from <see cref="Source"/>'s output port <see cref="SourcePort"/> to <see cref="Target"/>'s input.</summary>
public sealed record GraphEdge(string Source, string SourcePort, string Target)
{
    public const string DefaultPort = "output";
}

/// <summary>Where each node sits on the designer canvas, keyed by node id. Not part of the graph's meaning.</summary>
public sealed record NodePosition(double X, double Y);
