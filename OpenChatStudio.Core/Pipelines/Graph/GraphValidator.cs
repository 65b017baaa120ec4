using OpenChatStudio.Core.Pipelines.Registry;

namespace OpenChatStudio.Core.Pipelines.Graph;

/// <summary>
/// Finds everything wrong with a pipeline, keyed by node: structure (one Start, one End, no dangling edges, no cycles,
/// End reachable, ports exist) and each node's params (types, constraints, templates and code compile).
/// </summary>
public sealed class GraphValidator(NodeRegistry registry)
{
    public IReadOnlyList<GraphError> Validate(PipelineGraph graph)
    {
        var errors = new List<GraphError>();
        if (graph.Nodes.Count == 0)
        {
            errors.Add(new GraphError(null, null, "The pipeline has no nodes. Add a Start and an End node."));
            return errors;
        }

        var byId = new Dictionary<string, GraphNode>(StringComparer.Ordinal);
        var ports = new Dictionary<string, HashSet<string>>(StringComparer.Ordinal);
        var names = new HashSet<string>(StringComparer.Ordinal);
        foreach (var node in graph.Nodes)
        {
            if (string.IsNullOrWhiteSpace(node.Id) || !byId.TryAdd(node.Id, node))
            {
                errors.Add(new GraphError(node.Id, null, "Node ids must be present and unique."));
                continue;
            }
            if (string.IsNullOrWhiteSpace(node.Name))
            {
                errors.Add(new GraphError(node.Id, "name", "Give the node a name."));
            }
            else if (!names.Add(node.Name))
            {
                errors.Add(new GraphError(node.Id, "name", $"Another node is already named '{node.Name}'. Names must be unique."));
            }
            var descriptor = registry.Find(node.Type);
            if (descriptor is null)
            {
                errors.Add(new GraphError(node.Id, null, $"Unknown node type '{node.Type}'."));
                continue;
            }
            var (parameters, issues) = registry.Parse(descriptor, node.Params);
            errors.AddRange(issues.Select(i => new GraphError(node.Id, i.Field, i.Message)));
            ports[node.Id] = parameters is null
                ? []
                : descriptor.Node.Outputs(parameters).Select(o => o.Name).ToHashSet(StringComparer.Ordinal);
        }

        var starts = graph.Nodes.Where(n => n.Type == Nodes.StartNode.TypeKey).ToList();
        var ends = graph.Nodes.Where(n => n.Type == Nodes.EndNode.TypeKey).ToList();
        if (starts.Count != 1)
        {
            errors.Add(new GraphError(starts.Count > 1 ? starts[1].Id : null, null, starts.Count == 0 ? "The pipeline needs a Start node." : "The pipeline must have exactly one Start node."));
        }
        if (ends.Count != 1)
        {
            errors.Add(new GraphError(ends.Count > 1 ? ends[1].Id : null, null, ends.Count == 0 ? "The pipeline needs an End node." : "The pipeline must have exactly one End node."));
        }

        var seenEdges = new HashSet<GraphEdge>();
        foreach (var edge in graph.Edges)
        {
            if (!byId.ContainsKey(edge.Source) || !byId.ContainsKey(edge.Target))
            {
                var known = byId.ContainsKey(edge.Source) ? edge.Source : byId.ContainsKey(edge.Target) ? edge.Target : null;
                errors.Add(new GraphError(known, null, $"A connection points to a node that does not exist ({edge.Source} → {edge.Target})."));
                continue;
            }
            if (!seenEdges.Add(edge))
            {
                errors.Add(new GraphError(edge.Source, null, $"Duplicate connection to '{byId[edge.Target].Name}'."));
            }
            if (ports.TryGetValue(edge.Source, out var sourcePorts) && !sourcePorts.Contains(edge.SourcePort))
            {
                errors.Add(new GraphError(edge.Source, null, $"Output '{edge.SourcePort}' does not exist on '{byId[edge.Source].Name}'; reconnect it."));
            }
            if (byId[edge.Target].Type == Nodes.StartNode.TypeKey)
            {
                errors.Add(new GraphError(edge.Target, null, "Nothing can connect into the Start node."));
            }
            if (byId[edge.Source].Type == Nodes.EndNode.TypeKey)
            {
                errors.Add(new GraphError(edge.Source, null, "The End node cannot have outgoing connections."));
            }
            if (edge.Source == edge.Target)
            {
                errors.Add(new GraphError(edge.Source, null, "A node cannot connect to itself."));
            }
        }

        var outgoing = graph.Edges.Where(e => byId.ContainsKey(e.Source) && byId.ContainsKey(e.Target))
            .ToLookup(e => e.Source, e => e.Target);
        if (FindCycle(byId.Keys, outgoing) is { } cycleNode)
        {
            errors.Add(new GraphError(cycleNode, null, $"The pipeline loops back through '{byId[cycleNode].Name}'. Pipelines cannot have cycles."));
        }
        else if (starts.Count == 1 && ends.Count == 1 && !Reachable(starts[0].Id, outgoing).Contains(ends[0].Id))
        {
            errors.Add(new GraphError(ends[0].Id, null, "The End node cannot be reached from the Start node. Connect them."));
        }
        return errors;
    }

    /// <summary>
    /// What is allowed but probably not meant: nodes that never run (no incoming connection, or unreachable from Start),
    /// nodes whose output goes nowhere, router outputs left unconnected, and required fields left empty. The engine
    /// runs a pipeline with warnings; the designer shows them apart from the errors (<paramref name="errors"/>, whose
    /// findings are not repeated here).
    /// </summary>
    public IReadOnlyList<GraphError> Warnings(PipelineGraph graph, IReadOnlyList<GraphError> errors)
    {
        var warnings = new List<GraphError>();
        var byId = graph.Nodes.Where(n => !string.IsNullOrWhiteSpace(n.Id)).GroupBy(n => n.Id, StringComparer.Ordinal)
            .ToDictionary(g => g.Key, g => g.First(), StringComparer.Ordinal);
        var edges = graph.Edges.Where(e => byId.ContainsKey(e.Source) && byId.ContainsKey(e.Target)).ToList();
        var outgoing = edges.ToLookup(e => e.Source, e => e.Target, StringComparer.Ordinal);
        var incoming = edges.Select(e => e.Target).ToHashSet(StringComparer.Ordinal);
        var starts = byId.Values.Where(n => n.Type == Nodes.StartNode.TypeKey).ToList();
        var reachable = starts.Count == 1 ? Reachable(starts[0].Id, outgoing) : null;
        var flagged = errors.Where(e => e.NodeId is not null).Select(e => (e.NodeId, e.Field)).ToHashSet();
        foreach (var node in byId.Values)
        {
            if (registry.Find(node.Type) is not { } descriptor || descriptor.IsStart || descriptor.IsEnd)
            {
                continue;
            }
            if (!incoming.Contains(node.Id))
            {
                warnings.Add(new GraphError(node.Id, null, $"'{node.Name}' has no incoming connection, so it never runs.", GraphIssueSeverity.Warning));
            }
            else if (reachable is not null && !reachable.Contains(node.Id))
            {
                warnings.Add(new GraphError(node.Id, null, $"'{node.Name}' cannot be reached from Start, so it never runs.", GraphIssueSeverity.Warning));
            }
            var (parameters, _) = registry.Parse(descriptor, node.Params);
            var outputs = parameters is null ? [] : descriptor.Node.Outputs(parameters);
            var connected = edges.Where(e => e.Source == node.Id).Select(e => e.SourcePort).ToHashSet(StringComparer.Ordinal);
            if (connected.Count == 0)
            {
                warnings.Add(new GraphError(node.Id, null, $"'{node.Name}' has no outgoing connection: the pipeline stops there without reaching End.", GraphIssueSeverity.Warning));
            }
            else if (outputs.Count > 1)
            {
                foreach (var output in outputs.Where(o => !connected.Contains(o.Name)))
                {
                    warnings.Add(new GraphError(node.Id, null, $"Route '{output.Label}' of '{node.Name}' is not connected: messages routed there stop.", GraphIssueSeverity.Warning));
                }
            }
            foreach (var field in descriptor.Fields.Where(f => f.Required && !flagged.Contains((node.Id, f.Name)) && IsEmpty(node.Params[f.Name])))
            {
                warnings.Add(new GraphError(node.Id, field.Name, $"'{field.Label}' is empty.", GraphIssueSeverity.Warning));
            }
        }
        return warnings;
    }

    private static bool IsEmpty(System.Text.Json.Nodes.JsonNode? value) => value switch
    {
        null => true,
        System.Text.Json.Nodes.JsonValue v when v.TryGetValue<string>(out var text) => string.IsNullOrWhiteSpace(text),
        System.Text.Json.Nodes.JsonArray a => a.Count == 0,
        _ => false,
    };

    internal static HashSet<string> Reachable(string from, ILookup<string, string> outgoing)
    {
        var seen = new HashSet<string>(StringComparer.Ordinal) { from };
        var stack = new Stack<string>();
        stack.Push(from);
        while (stack.Count > 0)
        {
            foreach (var next in outgoing[stack.Pop()])
            {
                if (seen.Add(next))
                {
                    stack.Push(next);
                }
            }
        }
        return seen;
    }

    private static string? FindCycle(IEnumerable<string> nodes, ILookup<string, string> outgoing)
    {
        // 0 = unvisited, 1 = on the current path, 2 = done. Iterative DFS so deep graphs cannot overflow the stack.
        var state = new Dictionary<string, int>(StringComparer.Ordinal);
        foreach (var root in nodes)
        {
            if (state.GetValueOrDefault(root) != 0)
            {
                continue;
            }
            var stack = new Stack<(string Node, IEnumerator<string> Next)>();
            state[root] = 1;
            stack.Push((root, outgoing[root].GetEnumerator()));
            while (stack.Count > 0)
            {
                var (node, next) = stack.Peek();
                if (next.MoveNext())
                {
                    var child = next.Current;
                    switch (state.GetValueOrDefault(child))
                    {
                        case 1:
                            return child;
                        case 0:
                            state[child] = 1;
                            stack.Push((child, outgoing[child].GetEnumerator()));
                            break;
                    }
                }
                else
                {
                    state[node] = 2;
                    stack.Pop();
                }
            }
        }
        return null;
    }
}
