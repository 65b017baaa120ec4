using OpenChatStudio.Core.Pipelines.Execution;
using OpenChatStudio.Core.Pipelines.Graph;
using OpenChatStudio.Core.Pipelines.Nodes;
using OpenChatStudio.Tests.TestSupport.Pipelines;
using OpenChatStudio.Tests.TestSupport;

namespace OpenChatStudio.Tests.Core.Pipelines;

[Trait(TestLayers.Trait, TestLayers.Unit)]
public class GraphValidatorTests
{
    private readonly EngineHarness _engine = new();

    private IReadOnlyList<GraphError> Validate(PipelineGraph graph) => new GraphValidator(_engine.Registry).Validate(graph);

    [Fact]
    public void Validate_MinimalStartToEnd_HasNoErrors() =>
        Assert.Empty(Validate(PipelineGraphBuilder.WithStartAndEnd().Connect("start -> end").Build()));

    [Fact]
    public void Validate_Empty_SaysAddNodes() =>
        Assert.Contains("no nodes", Assert.Single(Validate(PipelineGraph.Empty)).Message);

    [Fact]
    public void Validate_MissingEnd_AndTwoStarts_AreReported()
    {
        var graph = new PipelineGraphBuilder().Node("s1", StartNode.TypeKey).Node("s2", StartNode.TypeKey).Build();
        var errors = Validate(graph);
        Assert.Contains(errors, e => e.Message.Contains("exactly one Start") && e.NodeId == "s2");
        Assert.Contains(errors, e => e.Message.Contains("needs an End"));
    }

    [Fact]
    public void Validate_Cycle_IsKeyedToANodeOnIt()
    {
        var graph = PipelineGraphBuilder.WithStartAndEnd().Node("a", "Passthrough").Node("b", "Passthrough")
            .Connect("start -> a", "a -> b", "b -> a", "b -> end").Build();
        var error = Assert.Single(Validate(graph));
        Assert.Contains("cycles", error.Message);
        Assert.Contains(error.NodeId, new[] { "a", "b" });
    }

    [Fact]
    public void Validate_DanglingEdge_IsReported()
    {
        var graph = PipelineGraphBuilder.WithStartAndEnd().Connect("start -> end", "start -> ghost").Build();
        Assert.Contains(Validate(graph), e => e.NodeId == "start" && e.Message.Contains("does not exist"));
    }

    [Fact]
    public void Validate_EndUnreachable_IsKeyedToEnd()
    {
        var graph = PipelineGraphBuilder.WithStartAndEnd().Node("a", "Passthrough").Connect("start -> a").Build();
        var error = Assert.Single(Validate(graph));
        Assert.Equal("end", error.NodeId);
        Assert.Contains("cannot be reached", error.Message);
    }

    [Fact]
    public void Validate_EdgeFromRouterOutputThatDoesNotExist_IsStranded()
    {
        var graph = PipelineGraphBuilder.WithStartAndEnd()
            .Node("router", "StaticRouterNode", new { route_key = "k", keywords = new[] { "A", "B" } })
            .Connect("start -> router", "router:output_0 -> end", "router:output_5 -> end").Build();
        Assert.Contains(Validate(graph), e => e.NodeId == "router" && e.Message.Contains("'output_5' does not exist"));
    }

    [Fact]
    public void Validate_InvalidParams_AreKeyedByNodeAndField()
    {
        var graph = PipelineGraphBuilder.WithStartAndEnd()
            .Node("tpl", "RenderTemplate", new { template_string = "{% if %}" })
            .Node("router", "StaticRouterNode", new { route_key = "", keywords = new[] { "A", "a" } })
            .Connect("start -> tpl", "tpl -> router", "router:output_0 -> end").Build();
        var errors = Validate(graph);
        Assert.Contains(errors, e => e is { NodeId: "tpl", Field: "template_string" } && e.Message.Contains("syntax"));
        Assert.Contains(errors, e => e is { NodeId: "router", Field: "route_key" });
    }

    [Fact]
    public void Validate_DuplicateRouteNames_AreRejected()
    {
        var graph = PipelineGraphBuilder.WithStartAndEnd()
            .Node("router", "StaticRouterNode", new { route_key = "k", keywords = new[] { "yes", "YES" } })
            .Connect("start -> router", "router:output_0 -> end").Build();
        Assert.Contains(Validate(graph), e => e is { NodeId: "router", Field: "keywords" } && e.Message.Contains("unique"));
    }

    [Fact]
    public void Validate_WrongParamType_IsAFieldError()
    {
        var graph = PipelineGraphBuilder.WithStartAndEnd()
            .Node("router", "StaticRouterNode", new { route_key = "k", default_keyword_index = "first" })
            .Connect("start -> router", "router:output_0 -> end").Build();
        Assert.Contains(Validate(graph), e => e is { NodeId: "router", Field: "default_keyword_index" });
    }

    [Fact]
    public void Validate_UnknownType_DuplicateNames_EdgesIntoStart()
    {
        var graph = new PipelineGraph(
            [GraphNode.Create("start", StartNode.TypeKey, "same"), GraphNode.Create("end", EndNode.TypeKey, "same"), GraphNode.Create("x", "Nope", "x")],
            [new GraphEdge("start", "output", "end"), new GraphEdge("x", "output", "start")]);
        var errors = Validate(graph);
        Assert.Contains(errors, e => e is { NodeId: "end", Field: "name" });
        Assert.Contains(errors, e => e.NodeId == "x" && e.Message.Contains("Unknown node type"));
        Assert.Contains(errors, e => e.NodeId == "start" && e.Message.Contains("into the Start"));
    }

    [Fact]
    public void Compile_InvalidGraph_ThrowsWithAllErrors()
    {
        var ex = Assert.Throws<PipelineValidationException>(() => _engine.Executor.Compile(PipelineGraph.Empty));
        Assert.NotEmpty(ex.Errors);
    }

    private IReadOnlyList<GraphError> Warnings(PipelineGraph graph)
    {
        var validator = new GraphValidator(_engine.Registry);
        return validator.Warnings(graph, validator.Validate(graph));
    }

    [Fact]
    public void Warnings_ConnectedPipeline_None() =>
        Assert.Empty(Warnings(PipelineGraphBuilder.WithStartAndEnd().Node("a", "Passthrough").Connect("start -> a", "a -> end").Build()));

    [Fact]
    public void Warnings_NodeWithoutConnections_NeverRuns_AndLeadsNowhere()
    {
        var graph = PipelineGraphBuilder.WithStartAndEnd().Node("lost", "Passthrough").Connect("start -> end").Build();

        Assert.Empty(Validate(graph));   // a warning, not an error: the pipeline runs
        var warnings = Warnings(graph);
        Assert.All(warnings, w => Assert.Equal(GraphIssueSeverity.Warning, w.Severity));
        Assert.Contains(warnings, w => w.NodeId == "lost" && w.Message.Contains("no incoming connection"));
        Assert.Contains(warnings, w => w.NodeId == "lost" && w.Message.Contains("no outgoing connection"));
    }

    [Fact]
    public void Warnings_UnreachableChain_AndUnconnectedRouterOutput()
    {
        var graph = PipelineGraphBuilder.WithStartAndEnd()
            .Node("router", "StaticRouterNode", new { route_key = "k", keywords = new[] { "A", "B" } })
            .Node("x", "Passthrough").Node("y", "Passthrough")
            .Connect("start -> router", "router:output_0 -> end", "x -> y", "y -> end").Build();

        var warnings = Warnings(graph);

        Assert.Contains(warnings, w => w.NodeId == "router" && w.Message.Contains("is not connected"));
        Assert.Contains(warnings, w => w.NodeId == "x" && w.Message.Contains("no incoming connection"));
        Assert.Contains(warnings, w => w.NodeId == "y" && w.Message.Contains("cannot be reached from Start"));
        Assert.DoesNotContain(warnings, w => w.NodeId is "start" or "end");
    }
}
