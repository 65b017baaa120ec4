using OpenChatStudio.Core.Pipelines.Graph;
using OpenChatStudio.Core.Versions;
using OpenChatStudio.Tests.TestSupport.Pipelines;
using OpenChatStudio.Tests.TestSupport;

namespace OpenChatStudio.Tests.Core.Versions;

/// <summary>The version diff as a pure function: settings, nodes added/removed/changed with their params, edges.</summary>
[Trait(TestLayers.Trait, TestLayers.Unit)]
public class VersionDiffTests
{
    private static VersionContent Content(PipelineGraph graph, string name = "Bot", string? seed = null, bool uploads = false, string layout = "{}") =>
        new("x", name, "desc", seed, graph.ToJson(), layout, "[]", uploads, null, "[]");

    private static PipelineGraph Says(string text) => PipelineGraphBuilder.WithStartAndEnd()
        .Node("t", "RenderTemplate", new { template_string = text }).Connect("start -> t", "t -> end").Build();

    [Fact]
    public void IdenticalContent_IsEmpty()
    {
        var diff = VersionDiffer.Compare(Content(Says("hi")), Content(Says("hi")));

        Assert.True(diff.IsEmpty);
    }

    [Fact]
    public void ChangedSettings_AreListedWithBeforeAndAfter()
    {
        var diff = VersionDiffer.Compare(Content(Says("hi"), name: "Old", seed: null, uploads: false),
            Content(Says("hi"), name: "New", seed: "Hello!", uploads: true));

        Assert.Equal(
            [new FieldChange("Name", "Old", "New"), new FieldChange("Seed message", null, "Hello!"), new FieldChange("File uploads", "off", "on")],
            diff.Settings);
        Assert.Empty(diff.Nodes);
        Assert.Empty(diff.Edges);
    }

    [Fact]
    public void ChangedNodeParams_AreListedPerNode_WithOnlyTheChangedParams()
    {
        var before = PipelineGraphBuilder.WithStartAndEnd().Node("t", "RenderTemplate", new { template_string = "one", keep = 1 })
            .Connect("start -> t", "t -> end").Build();
        var after = PipelineGraphBuilder.WithStartAndEnd().Node("t", "RenderTemplate", new { template_string = "two", keep = 1 })
            .Connect("start -> t", "t -> end").Build();

        var diff = VersionDiffer.Compare(Content(before), Content(after));

        var node = Assert.Single(diff.Nodes);
        Assert.Equal(ChangeKind.Changed, node.Kind);
        Assert.Equal("t", node.Name);
        Assert.Equal([new FieldChange("template_string", "one", "two")], node.Fields);
        Assert.Empty(diff.Edges);
    }

    [Fact]
    public void AddedAndRemovedNodes_AndTheirEdges_AreReported()
    {
        var before = Says("hi");
        var after = PipelineGraphBuilder.WithStartAndEnd()
            .Node("t", "RenderTemplate", new { template_string = "hi" })
            .Node("shout", "RenderTemplate", new { template_string = "HI" })
            .Connect("start -> t", "t -> shout", "shout -> end").Build();

        var diff = VersionDiffer.Compare(Content(before), Content(after));

        var added = Assert.Single(diff.Nodes);
        Assert.Equal((ChangeKind.Added, "shout"), (added.Kind, added.Name));
        Assert.Contains(new FieldChange("template_string", null, "HI"), added.Fields);
        Assert.Contains(new EdgeChange(ChangeKind.Removed, "t", "output", "end"), diff.Edges);
        Assert.Contains(new EdgeChange(ChangeKind.Added, "t", "output", "shout"), diff.Edges);
        Assert.Contains(new EdgeChange(ChangeKind.Added, "shout", "output", "end"), diff.Edges);
        Assert.Equal(3, diff.Edges.Count);

        var reverse = VersionDiffer.Compare(Content(after), Content(before));
        Assert.Equal(ChangeKind.Removed, Assert.Single(reverse.Nodes).Kind);
    }

    [Fact]
    public void LayoutOnlyChange_IsReportedSeparately_AndJsonFormattingIsNotAChange()
    {
        var diff = VersionDiffer.Compare(Content(Says("hi"), layout: "{\"t\":{\"x\":1,\"y\":2}}"), Content(Says("hi"), layout: "{ \"t\": { \"x\": 5, \"y\": 2 } }"));
        var same = VersionDiffer.Compare(Content(Says("hi"), layout: "{\"t\":{\"x\":1}}"), Content(Says("hi"), layout: "{ \"t\" : { \"x\" : 1 } }"));

        Assert.True(diff.LayoutChanged);
        Assert.Empty(diff.Nodes);
        Assert.True(same.IsEmpty);
    }
}
