using OpenChatStudio.Core.Chatbots;
using OpenChatStudio.Core.Pipelines.Graph;
using OpenChatStudio.Core.Pipelines.Nodes;
using OpenChatStudio.Web.Components.Pipelines.Designer;
using OpenChatStudio.Tests.TestSupport;

namespace OpenChatStudio.Tests.Web.Components.Pipelines;

[Trait(TestLayers.Trait, TestLayers.Unit)]
public class DesignerAutoLayoutTests
{
    public static TheoryData<string> Graphs() => ["router-pipeline", .. ChatbotTemplates.All.Select(t => t.Key)];

    [Theory]
    [MemberData(nameof(Graphs))]
    public void Compute_Pipeline_StartLeftmostEndRightmostNoOverlaps(string key)
    {
        var graph = key == "router-pipeline" ? DesignerMapperTests.RouterPipeline("A", "B", "C").Graph : ChatbotTemplates.Find(key)!.Build();

        var positions = AutoLayout.Compute(graph);

        Assert.Equal(graph.Nodes.Count, positions.Count);
        var start = positions[graph.Nodes.Single(n => n.Type == StartNode.TypeKey).Id];
        var end = positions[graph.Nodes.Single(n => n.Type == EndNode.TypeKey).Id];
        Assert.All(positions.Where(p => p.Value != start), p => Assert.True(p.Value.X > start.X, $"{p.Key} is not right of Start"));
        Assert.All(positions.Where(p => p.Value != end), p => Assert.True(p.Value.X < end.X, $"{p.Key} is not left of End"));
        Assert.Equal(positions.Count, positions.Values.Distinct().Count());
        // Boxes of one column width by one row height never overlap.
        foreach (var a in positions.Values)
        {
            foreach (var b in positions.Values.Where(b => b != a))
            {
                Assert.True(Math.Abs(a.X - b.X) >= AutoLayout.ColumnWidth || Math.Abs(a.Y - b.Y) >= AutoLayout.RowHeight);
            }
        }
    }

    [Fact]
    public void Compute_ChainWithShortcut_PlacesNodeByLongestPath()
    {
        // start → a → b → end, and start → b: b sits after a (longest path), not next to start.
        var graph = new PipelineGraph(
            [GraphNode.Create("start", StartNode.TypeKey, "start"), GraphNode.Create("a", "Passthrough", "a"),
             GraphNode.Create("b", "Passthrough", "b"), GraphNode.Create("end", EndNode.TypeKey, "end")],
            [new("start", "output", "a"), new("a", "output", "b"), new("start", "output", "b"), new("b", "output", "end")]);

        var positions = AutoLayout.Compute(graph);

        Assert.True(positions["start"].X < positions["a"].X);
        Assert.True(positions["a"].X < positions["b"].X);
        Assert.True(positions["b"].X < positions["end"].X);
    }
}
