using OpenChatStudio.Core.Pipelines.Graph;
using OpenChatStudio.Core.Pipelines.Nodes;

namespace OpenChatStudio.Web.Components.Pipelines.Designer;

/// <summary>
/// A simple layered left-to-right layout: each node's column is the longest path to it from Start, End goes in the last
/// column, and nodes in a column are stacked top to bottom in graph order. Pure.
/// </summary>
public static class AutoLayout
{
    public const double ColumnWidth = 280;
    public const double RowHeight = 160;
    public const double Margin = 60;

    public static Dictionary<string, NodePosition> Compute(PipelineGraph graph)
    {
        var ids = graph.Nodes.Select(n => n.Id).Distinct(StringComparer.Ordinal).ToList();
        var known = ids.ToHashSet(StringComparer.Ordinal);
        var edges = graph.Edges.Where(e => known.Contains(e.Source) && known.Contains(e.Target) && e.Source != e.Target)
            .Select(e => (e.Source, e.Target)).Distinct().ToList();
        var start = graph.Nodes.FirstOrDefault(n => n.Type == StartNode.TypeKey)?.Id;
        var end = graph.Nodes.FirstOrDefault(n => n.Type == EndNode.TypeKey)?.Id;

        // Longest path via Kahn's topological order; nodes on cycles keep the column they had reached.
        var layer = ids.ToDictionary(id => id, id => id == start ? 0 : 1, StringComparer.Ordinal);
        var indegree = ids.ToDictionary(id => id, _ => 0, StringComparer.Ordinal);
        foreach (var (_, target) in edges)
        {
            indegree[target]++;
        }
        var outgoing = edges.ToLookup(e => e.Source, e => e.Target);
        var queue = new Queue<string>(ids.Where(id => indegree[id] == 0));
        while (queue.Count > 0)
        {
            var id = queue.Dequeue();
            foreach (var next in outgoing[id])
            {
                if (next != start)
                {
                    layer[next] = Math.Max(layer[next], layer[id] + 1);
                }
                if (--indegree[next] == 0)
                {
                    queue.Enqueue(next);
                }
            }
        }
        if (start is not null)
        {
            layer[start] = 0;
        }
        if (end is not null)
        {
            layer[end] = ids.Where(id => id != end).Select(id => layer[id]).DefaultIfEmpty(0).Max() + 1;
        }

        var positions = new Dictionary<string, NodePosition>(StringComparer.Ordinal);
        foreach (var column in ids.GroupBy(id => layer[id]))
        {
            var row = 0;
            foreach (var id in column)
            {
                positions[id] = new NodePosition(Margin + column.Key * ColumnWidth, Margin + row++ * RowHeight);
            }
        }
        return positions;
    }
}
