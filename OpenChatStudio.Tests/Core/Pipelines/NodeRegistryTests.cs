using System.Text.Json;
using System.Text.Json.Nodes;
using OpenChatStudio.Core.Pipelines.Graph;
using OpenChatStudio.Core.Pipelines.Registry;
using OpenChatStudio.Tests.TestSupport;

namespace OpenChatStudio.Tests.Core.Pipelines;

/// <summary>Runs over every node type Core registers, so a new node type gets these checks for free.</summary>
[Trait(TestLayers.Trait, TestLayers.Unit)]
public class NodeRegistryTests
{
    private static readonly NodeRegistry Registry = NodeRegistry.CreateDefault();

    public static TheoryData<string> NodeTypes()
    {
        var data = new TheoryData<string>();
        foreach (var d in Registry.All)
        {
            data.Add(d.TypeKey);
        }
        return data;
    }

    [Fact]
    public void Registry_HasTheCoreNodeTypes()
    {
        foreach (var key in new[] { "StartNode", "EndNode", "Passthrough", "StaticRouterNode", "RenderTemplate" })
        {
            Assert.NotNull(Registry.Find(key));
        }
    }

    [Theory]
    [MemberData(nameof(NodeTypes))]
    public void NodeType_DefaultParams_RoundTripThroughJson(string typeKey)
    {
        var descriptor = Registry.Get(typeKey);
        var defaults = Activator.CreateInstance(descriptor.Node.ParamsType)!;
        var json = JsonSerializer.SerializeToNode(defaults, descriptor.Node.ParamsType, PipelineGraph.JsonOptions)!.AsObject();

        var back = json.Deserialize(descriptor.Node.ParamsType, PipelineGraph.JsonOptions)!;
        var again = JsonSerializer.SerializeToNode(back, descriptor.Node.ParamsType, PipelineGraph.JsonOptions)!;

        Assert.True(JsonNode.DeepEquals(json, again), $"{typeKey}: {json.ToJsonString()} != {again.ToJsonString()}");
    }

    [Theory]
    [MemberData(nameof(NodeTypes))]
    public void NodeType_HasLabelCategoryAndDescribedFields(string typeKey)
    {
        var descriptor = Registry.Get(typeKey);
        Assert.False(string.IsNullOrWhiteSpace(descriptor.Label));
        Assert.False(string.IsNullOrWhiteSpace(descriptor.Category));
        Assert.False(string.IsNullOrWhiteSpace(descriptor.Description));
        Assert.All(descriptor.Fields, f => Assert.Matches("^[a-z][a-z0-9_]*$", f.Name));
        Assert.Equal(descriptor.Fields.Count, descriptor.Fields.Select(f => f.Name).Distinct().Count());
        Assert.True(descriptor.TimeoutSeconds > 0);
    }

    [Fact]
    public void StaticRouter_Descriptor_HasEnumAndKeywordWidget()
    {
        var router = Registry.Get("StaticRouterNode");
        var source = router.Fields.Single(f => f.Name == "data_source");
        Assert.Equal(["participant_data", "session_state", "temp_state"], source.Enum);
        Assert.Equal("participant_data", source.Default!.GetValue<string>());
        Assert.Equal("keywords", router.Fields.Single(f => f.Name == "keywords").Widget);
        Assert.True(router.Fields.Single(f => f.Name == "route_key").Required);
    }

    [Fact]
    public void Graph_JsonRoundTrip_IsLossless()
    {
        var graph = new PipelineGraph(
            [
                GraphNode.Create("s", "StartNode", "start"),
                new GraphNode("r", "StaticRouterNode", "router", new JsonObject { ["route_key"] = "lang", ["keywords"] = new JsonArray("EN", "FR"), ["extra_unknown"] = new JsonObject { ["kept"] = true } }),
                GraphNode.Create("e", "EndNode", "end"),
            ],
            [new GraphEdge("s", "output", "r"), new GraphEdge("r", "output_1", "e")]);

        var back = PipelineGraph.FromJson(graph.ToJson());

        Assert.True(graph.SameAs(back));
        Assert.Equal(graph.ToJson(), back.ToJson());
    }

    [Fact]
    public void Graph_MalformedJson_ThrowsJsonException() =>
        Assert.ThrowsAny<JsonException>(() => PipelineGraph.FromJson("{\"nodes\": [ {\"id\": 1 "));
}

[Trait(TestLayers.Trait, TestLayers.Unit)]
public class FieldDescriptorTests
{
    private static readonly NodeRegistry Registry = NodeRegistry.CreateDefault();

    [Fact]
    public void EnumField_HasAHumanLabelPerValue()
    {
        var field = Registry.Get("LLMResponseWithPrompt").Fields.Single(f => f.Name == "history_type");

        Assert.Equal(field.Enum!.Count, field.EnumLabels!.Count);
        Assert.Equal("The whole conversation", field.EnumLabel("global"));
        Assert.Equal("A named history shared by nodes", field.EnumLabel("named"));
        Assert.Equal("unknown", field.EnumLabel("unknown"));
        Assert.Equal("Participant data", Registry.Get("StaticRouterNode").Fields.Single(f => f.Name == "data_source").EnumLabel("participant_data"));
    }

    [Theory]
    [InlineData("none", "max_history_length", false)]
    [InlineData("global", "max_history_length", true)]
    [InlineData("global", "history_name", false)]
    [InlineData("named", "history_name", true)]
    [InlineData("global", "user_max_token_limit", false)]
    public void ShowWhen_FollowsTheFieldsItDependsOn(string historyType, string field, bool applies)
    {
        var descriptor = Registry.Get("LLMResponseWithPrompt");
        var parameters = new System.Text.Json.Nodes.JsonObject { ["history_type"] = historyType };

        Assert.Equal(applies, descriptor.Fields.Single(f => f.Name == field).AppliesTo(parameters, descriptor.Fields));
    }
}
