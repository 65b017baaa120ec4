using System.Text.Json.Nodes;
using OpenChatStudio.Core.Pipelines.Execution;
using OpenChatStudio.Core.Pipelines.Templates;
using OpenChatStudio.Tests.TestSupport;

namespace OpenChatStudio.Tests.Core.Pipelines;

[Trait(TestLayers.Trait, TestLayers.Unit)]
public class TemplateRendererTests
{
    private readonly FluidTemplateRenderer _renderer = new();

    private ValueTask<string> Render(string template, JsonObject? data = null) =>
        _renderer.RenderAsync(template, new Dictionary<string, object?> { ["input"] = "hi", ["participant_data"] = data ?? new JsonObject() }, default);

    [Fact]
    public async Task Render_JsonVariablesAndFilters_Work()
    {
        var data = new JsonObject { ["name"] = "Ada", ["tags"] = new JsonArray("a", "b"), ["age"] = 36 };
        Assert.Equal("Ada (36): a,b — HI", await Render("{{ participant_data.name }} ({{ participant_data.age }}): {{ participant_data.tags | join: ',' }} — {{ input | upcase }}", data));
    }

    [Fact]
    public async Task Render_UnknownVariable_NamesIt()
    {
        var ex = await Assert.ThrowsAsync<PipelineNodeException>(() => Render("{{ nope }}").AsTask());
        Assert.Contains("'nope'", ex.Message);
    }

    [Fact]
    public async Task Render_UnknownField_IsAClearError()
    {
        var ex = await Assert.ThrowsAsync<PipelineNodeException>(() => Render("{{ participant_data.missing }}").AsTask());
        Assert.Contains("field that does not exist", ex.Message);
    }

    [Fact]
    public async Task Render_UnknownFilter_IsAnError() =>
        await Assert.ThrowsAsync<PipelineNodeException>(() => Render("{{ input | frobnicate }}").AsTask());

    [Fact]
    public async Task Render_RunawayLoop_IsStoppedBySteps() =>
        await Assert.ThrowsAsync<PipelineNodeException>(() => Render("{% for i in (1..10000000) %}x{% endfor %}").AsTask());

    [Fact]
    public void Check_ReportsSyntaxErrors()
    {
        Assert.Null(_renderer.Check("{{ input }}"));
        Assert.NotNull(_renderer.Check("{% if %}"));
    }
}
