using System.Text.Json.Nodes;
using OpenChatStudio.Core.Chatbots;
using OpenChatStudio.Core.Pipelines.Graph;
using OpenChatStudio.Core.Pipelines.Nodes;
using OpenChatStudio.Core.Pipelines.Registry;
using OpenChatStudio.Web.Components.Pipelines.Designer;
using OpenChatStudio.Web.Components.Pipelines.Diagram;
using OpenChatStudio.Tests.TestSupport;

namespace OpenChatStudio.Tests.Web.Components.Pipelines;

[Trait(TestLayers.Trait, TestLayers.Unit)]
public class DesignerMapperTests
{
    private static readonly NodeRegistry Registry = NodeRegistry.CreateDefault();

    public static TheoryData<string> TemplateKeys()
    {
        var data = new TheoryData<string>();
        foreach (var template in ChatbotTemplates.All)
        {
            data.Add(template.Key);
        }
        return data;
    }

    [Theory]
    [MemberData(nameof(TemplateKeys))]
    public void ToGraph_OfToDiagram_ForEveryTemplate_ReturnsSameGraphAndLayout(string key)
    {
        var template = ChatbotTemplates.Find(key)!;
        var graph = template.Build();

        var diagram = DesignerMapper.ToDiagram(graph, template.Layout, Registry, DesignerMapper.CreateDiagram());
        var (back, layout) = DesignerMapper.ToGraph(diagram);

        Assert.True(graph.SameAs(back), $"{key}: {graph.ToJson()} != {back.ToJson()}");
        Assert.Equal(template.Layout.OrderBy(p => p.Key), layout.OrderBy(p => p.Key));
        Assert.Equal(graph.Edges.Count, diagram.Links.Count);
    }

    [Fact]
    public void ToGraph_OfToDiagram_RouterPipelineWithThreeRoutes_RoundTripsEveryRouteEdge()
    {
        var (graph, layout) = RouterPipeline("A", "B", "C");

        var diagram = DesignerMapper.ToDiagram(graph, layout, Registry, DesignerMapper.CreateDiagram());
        var (back, backLayout) = DesignerMapper.ToGraph(diagram);

        Assert.True(graph.SameAs(back));
        Assert.Equal(layout.OrderBy(p => p.Key), backLayout.OrderBy(p => p.Key));
        Assert.Contains(new GraphEdge("route", "output_2", "c"), back.Edges);
    }

    [Fact]
    public void ToDiagram_RouterNode_HasOneOutputPortPerKeywordLabelledWithIt()
    {
        var (graph, layout) = RouterPipeline("SUPPORT", "SALES", "OTHER");

        var diagram = DesignerMapper.ToDiagram(graph, layout, Registry, DesignerMapper.CreateDiagram());
        var router = diagram.Nodes.OfType<PipelineNodeModel>().Single(n => n.NodeId == "route");

        Assert.Equal(["output_0", "output_1", "output_2"], router.OutputPorts.OrderBy(p => p.Order).Select(p => p.PortName));
        Assert.Equal(["SUPPORT", "SALES", "OTHER"], router.OutputPorts.OrderBy(p => p.Order).Select(p => p.Label));
        Assert.NotNull(router.InputPort);
    }

    [Fact]
    public void SyncPorts_KeywordRemoved_RemovesThatPortAndReturnsItsLinks()
    {
        var (graph, layout) = RouterPipeline("A", "B", "C");
        var diagram = DesignerMapper.ToDiagram(graph, layout, Registry, DesignerMapper.CreateDiagram());
        var router = diagram.Nodes.OfType<PipelineNodeModel>().Single(n => n.NodeId == "route");

        router.Params["keywords"] = new JsonArray("A", "B");
        var removed = DesignerMapper.SyncPorts(router, Registry);
        diagram.Links.Remove(removed);
        var (back, _) = DesignerMapper.ToGraph(diagram);

        Assert.Single(removed);
        Assert.Equal(["output_0", "output_1"], router.OutputPorts.Select(p => p.PortName).Order());
        Assert.DoesNotContain(back.Edges, e => e.SourcePort == "output_2");
        Assert.Contains(new GraphEdge("route", "output_1", "b"), back.Edges);
    }

    [Fact]
    public void ToDiagram_StartAndEnd_StartHasNoInputAndEndNoOutput()
    {
        var template = ChatbotTemplates.Find(ChatbotTemplates.Blank)!;

        var diagram = DesignerMapper.ToDiagram(template.Build(), template.Layout, Registry, DesignerMapper.CreateDiagram());
        var start = diagram.Nodes.OfType<PipelineNodeModel>().Single(n => n.TypeKey == StartNode.TypeKey);
        var end = diagram.Nodes.OfType<PipelineNodeModel>().Single(n => n.TypeKey == EndNode.TypeKey);

        Assert.Null(start.InputPort);
        Assert.Equal(["output"], start.OutputPorts.Select(p => p.PortName));
        Assert.NotNull(end.InputPort);
        Assert.Empty(end.OutputPorts);
        Assert.False(DesignerMapper.CanDelete(start));
        Assert.False(DesignerMapper.CanDelete(end));
    }

    [Fact]
    public void CanConnect_OutputToInput_AllowedOnceAndNeverToSameNodeOrInputToInput()
    {
        var (graph, layout) = RouterPipeline("A", "B");
        var diagram = DesignerMapper.ToDiagram(graph, layout, Registry, DesignerMapper.CreateDiagram());
        PipelineNodeModel Node(string id) => diagram.Nodes.OfType<PipelineNodeModel>().Single(n => n.NodeId == id);

        var routerOut0 = Node("route").FindOutput("output_0")!;
        Assert.False(TypedPortModel.CanConnect(routerOut0, Node("a").InputPort!)); // already linked
        Assert.True(TypedPortModel.CanConnect(routerOut0, Node("b").InputPort!));
        Assert.False(TypedPortModel.CanConnect(routerOut0, Node("route").InputPort!)); // same node
        Assert.False(TypedPortModel.CanConnect(Node("a").InputPort!, Node("b").InputPort!)); // input to input
        Assert.False(TypedPortModel.CanConnect(Node("a").FindOutput("output")!, Node("b").FindOutput("output")!)); // output to output
    }

    [Fact]
    public void ToDiagram_DraftEdgeFromMissingPort_KeepsEdgeOnMissingPort()
    {
        var (graph, layout) = RouterPipeline("A");
        graph = graph with { Edges = [.. graph.Edges, new GraphEdge("route", "output_5", "c")] };

        var diagram = DesignerMapper.ToDiagram(graph, layout, Registry, DesignerMapper.CreateDiagram());
        var (back, _) = DesignerMapper.ToGraph(diagram);

        Assert.True(graph.SameAs(back));
        Assert.True(diagram.Nodes.OfType<PipelineNodeModel>().Single(n => n.NodeId == "route").FindOutput("output_5")!.Missing);
    }

    /// <summary>Start → static router with one route per keyword → one passthrough per route → End.</summary>
    internal static (PipelineGraph Graph, Dictionary<string, NodePosition> Layout) RouterPipeline(params string[] keywords)
    {
        var nodes = new List<GraphNode>
        {
            GraphNode.Create("start", StartNode.TypeKey, "start"),
            new("route", "StaticRouterNode", "route", new JsonObject
            {
                ["data_source"] = "participant_data",
                ["route_key"] = "topic",
                ["keywords"] = new JsonArray(keywords.Select(k => (JsonNode?)JsonValue.Create(k)).ToArray()),
                ["default_keyword_index"] = 0,
            }),
        };
        var edges = new List<GraphEdge> { new("start", GraphEdge.DefaultPort, "route") };
        var layout = new Dictionary<string, NodePosition> { ["start"] = new(60, 200), ["route"] = new(300, 200) };
        var targets = new[] { "a", "b", "c" }.Take(Math.Max(keywords.Length, 3)).ToList();
        foreach (var (target, i) in targets.Select((t, i) => (t, i)))
        {
            nodes.Add(GraphNode.Create(target, "Passthrough", target));
            layout[target] = new NodePosition(560, 80 + i * 140);
            if (i < keywords.Length)
            {
                edges.Add(new GraphEdge("route", $"output_{i}", target));
            }
            edges.Add(new GraphEdge(target, GraphEdge.DefaultPort, "end"));
        }
        nodes.Add(GraphNode.Create("end", EndNode.TypeKey, "end"));
        layout["end"] = new NodePosition(820, 200);
        return (new PipelineGraph(nodes, edges), layout);
    }
}
