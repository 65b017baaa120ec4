using System.Text.Json.Nodes;
using Blazor.Diagrams;
using Blazor.Diagrams.Core.Anchors;
using Blazor.Diagrams.Core.Geometry;
using Blazor.Diagrams.Core.Models;
using Blazor.Diagrams.Core.Models.Base;
using Blazor.Diagrams.Options;
using OpenChatStudio.Core.Pipelines.Graph;
using OpenChatStudio.Core.Pipelines.Nodes;
using OpenChatStudio.Core.Pipelines.Registry;
using OpenChatStudio.Web.Components.Pipelines.Diagram;
using OpenChatStudio.Web.Components.Pipelines.Widgets;

namespace OpenChatStudio.Web.Components.Pipelines.Designer;

/// <summary>
/// Maps the engine's <see cref="PipelineGraph"/> + layout to a <see cref="BlazorDiagram"/> and back. Pure: no JS, no
/// services; the diagram is only a view of the graph, so <c>ToGraph(ToDiagram(g))</c> gives <c>g</c> again.
/// </summary>
public static class DesignerMapper
{
    public const int GridSize = 20;

    /// <summary>A diagram with the designer's options: zoom, pan, grid snapping, typed links, Start/End protected.</summary>
    public static BlazorDiagram CreateDiagram(bool readOnly = false)
    {
        var options = new BlazorDiagramOptions
        {
            AllowMultiSelection = true,
            AllowPanning = true,
            GridSize = GridSize,
            // Wheel up zooms in (as in maps and other editors); the library's default is the other way round.
            Zoom = { Enabled = true, Minimum = 0.2, Maximum = 2.5, Inverse = true },
            Links = { RequireTarget = true, EnableSnapping = true, SnappingRadius = 30 },
            Constraints =
            {
                ShouldDeleteNode = node => ValueTask.FromResult(!readOnly && CanDelete(node)),
                ShouldDeleteLink = _ => ValueTask.FromResult(!readOnly),
            },
        };
        var diagram = new BlazorDiagram(options);
        diagram.RegisterComponent<PipelineNodeModel, GenericNodeWidget>();
        return diagram;
    }

    /// <summary>Start and End cannot be deleted.</summary>
    public static bool CanDelete(NodeModel node) =>
        node is not PipelineNodeModel p || (p.TypeKey != StartNode.TypeKey && p.TypeKey != EndNode.TypeKey);

    /// <summary>Replaces the diagram's content with <paramref name="graph"/>. Nodes without a position get a default one.</summary>
    public static BlazorDiagram ToDiagram(PipelineGraph graph, IReadOnlyDictionary<string, NodePosition> layout, NodeRegistry registry, BlazorDiagram diagram)
    {
        diagram.Batch(() =>
        {
            diagram.Links.Clear();
            diagram.Nodes.Clear();
            var models = new Dictionary<string, PipelineNodeModel>(StringComparer.Ordinal);
            var index = 0;
            foreach (var node in graph.Nodes)
            {
                var position = layout.TryGetValue(node.Id, out var p) ? new Point(p.X, p.Y) : new Point(80 + 240 * (index % 5), 80 + 160 * (index / 5));
                index++;
                if (models.ContainsKey(node.Id))
                {
                    continue;
                }
                var model = CreateNode(node, position, registry);
                var usedPorts = graph.Edges.Where(e => e.Source == node.Id).Select(e => e.SourcePort);
                SyncPorts(model, registry, keepPorts: usedPorts);
                models[node.Id] = model;
                diagram.Nodes.Add(model);
            }
            foreach (var edge in graph.Edges)
            {
                if (models.TryGetValue(edge.Source, out var source) && models.TryGetValue(edge.Target, out var target) &&
                    source.FindOutput(edge.SourcePort) is { } output && target.InputPort is { } input)
                {
                    diagram.Links.Add(new LinkModel(output, input));
                }
            }
        });
        return diagram;
    }

    /// <summary>Reads the engine graph (nodes and edges in canvas order) and the layout back out of the diagram.</summary>
    public static (PipelineGraph Graph, Dictionary<string, NodePosition> Layout) ToGraph(BlazorDiagram diagram)
    {
        var nodes = new List<GraphNode>();
        var layout = new Dictionary<string, NodePosition>(StringComparer.Ordinal);
        foreach (var node in diagram.Nodes.OfType<PipelineNodeModel>())
        {
            nodes.Add(new GraphNode(node.NodeId, node.TypeKey, node.Name, (JsonObject)node.Params.DeepClone()));
            layout[node.NodeId] = new NodePosition(node.Position.X, node.Position.Y);
        }
        var edges = new List<GraphEdge>();
        var seen = new HashSet<GraphEdge>();
        foreach (var link in diagram.Links)
        {
            if (ToEdge(link) is { } edge && seen.Add(edge))
            {
                edges.Add(edge);
            }
        }
        return (new PipelineGraph(nodes, edges), layout);
    }

    /// <summary>The edge a link stands for (output → input, whichever way it was drawn), or null while it is incomplete.</summary>
    public static GraphEdge? ToEdge(BaseLinkModel link)
    {
        if ((link.Source as SinglePortAnchor)?.Port is not TypedPortModel a || (link.Target as SinglePortAnchor)?.Port is not TypedPortModel b ||
            a.IsInput == b.IsInput)
        {
            return null;
        }
        var (output, input) = a.IsInput ? (b, a) : (a, b);
        return new GraphEdge(output.Node.NodeId, output.PortName, input.Node.NodeId);
    }

    public static PipelineNodeModel CreateNode(GraphNode node, Point position, NodeRegistry registry)
    {
        var model = new PipelineNodeModel(node.Id, node.Type, node.Name, (JsonObject)node.Params.DeepClone(), position);
        SyncPorts(model, registry);
        return model;
    }

    /// <summary>The outputs the node's params produce (one per router keyword), or the single default output if they do not parse.</summary>
    public static IReadOnlyList<OutputPort> Outputs(NodeRegistry registry, string typeKey, JsonObject parameters)
    {
        if (registry.Find(typeKey) is not { } descriptor)
        {
            return OutputPort.Single;
        }
        var (parsed, _) = registry.Parse(descriptor, parameters);
        return parsed is null ? (descriptor.IsEnd ? [] : OutputPort.Single) : descriptor.Node.Outputs(parsed);
    }

    /// <summary>
    /// Makes the node's ports match its params: an input unless it is Start, one output per <see cref="Outputs"/>. Ports that
    /// disappear lose their links — unless listed in <paramref name="keepPorts"/> (edges of a loaded draft), which stay marked missing.
    /// Returns the links removed.
    /// </summary>
    public static IReadOnlyList<BaseLinkModel> SyncPorts(PipelineNodeModel node, NodeRegistry registry, IEnumerable<string>? keepPorts = null)
    {
        var removed = new List<BaseLinkModel>();
        var wantsInput = node.TypeKey != StartNode.TypeKey;
        if (wantsInput && node.InputPort is null)
        {
            node.AddPort(new TypedPortModel(node, true, TypedPortModel.InputName, "Input"));
        }
        var outputs = Outputs(registry, node.TypeKey, node.Params);
        var keep = keepPorts?.ToHashSet(StringComparer.Ordinal) ?? [];
        foreach (var port in node.OutputPorts.ToList())
        {
            var current = outputs.FirstOrDefault(o => o.Name == port.PortName);
            if (current is not null)
            {
                port.Label = current.Label;
                port.Missing = false;
            }
            else if (keep.Contains(port.PortName))
            {
                port.Missing = true;
            }
            else
            {
                removed.AddRange(port.Links);
                node.RemovePort(port);
            }
        }
        foreach (var output in outputs.Where(o => node.FindOutput(o.Name) is null))
        {
            node.AddPort(new TypedPortModel(node, false, output.Name, output.Label));
        }
        foreach (var name in keep.Where(k => node.FindOutput(k) is null))
        {
            node.AddPort(new TypedPortModel(node, false, name, name) { Missing = true });
        }
        var order = 0;
        foreach (var output in outputs)
        {
            node.FindOutput(output.Name)!.Order = order++;
        }
        foreach (var port in node.OutputPorts.Where(p => p.Missing))
        {
            port.Order = order++;
        }
        return removed;
    }

    /// <summary>Default params for a new node: each field's declared default.</summary>
    public static JsonObject DefaultParams(NodeDescriptor descriptor)
    {
        var json = new JsonObject();
        foreach (var field in descriptor.Fields)
        {
            if (field.Default is not null)
            {
                json[field.Name] = field.Default.DeepClone();
            }
        }
        return json;
    }
}
