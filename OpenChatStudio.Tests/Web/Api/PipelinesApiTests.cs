using System.Net;
using System.Net.Http.Json;
using System.Text;
using System.Text.Json;
using OpenChatStudio.Core.Pipelines.Registry;
using OpenChatStudio.Tests.TestSupport;
using OpenChatStudio.Tests.TestSupport.Pipelines;

namespace OpenChatStudio.Tests.Web.Api;

public class PipelinesApiTests : IClassFixture<OcsAppFactory>
{
    private readonly OcsAppFactory _app;

    public PipelinesApiTests(OcsAppFactory app) => _app = app;

    private async Task<(HttpClient Client, string Slug)> SignedInAsync()
    {
        var email = $"p-{Guid.NewGuid():N}@example.test";
        var user = await _app.CreateUserAsync(email);
        var team = await _app.CreateTeamAsync(user.Id, "Pipelines");
        var client = _app.NewClient();
        await SsrForms.SignInAsync(client, email, "password-123");
        return (client, team.Slug);
    }

    [Fact]
    public async Task NodeTypes_ListEveryRegisteredType_WithSchemaAndPorts()
    {
        var (client, _) = await SignedInAsync();

        var body = await client.GetFromJsonAsync<JsonElement>("/api/v2/pipeline/nodes/");

        var nodes = body.GetProperty("nodes").EnumerateArray().ToList();
        Assert.Equal(NodeRegistry.CreateDefault().All.Count, nodes.Count);
        var router = nodes.Single(n => n.GetProperty("name").GetString() == "StaticRouterNode");
        Assert.Equal("object", router.GetProperty("type").GetString());
        Assert.Contains("route_key", router.GetProperty("required").EnumerateArray().Select(r => r.GetString()));
        Assert.Equal("keywords", router.GetProperty("properties").GetProperty("keywords").GetProperty("ui:widget").GetString());
        Assert.Equal(["output_0"], router.GetProperty("ui:outputs").EnumerateArray().Select(o => o.GetProperty("name").GetString()));
        var start = nodes.Single(n => n.GetProperty("name").GetString() == "StartNode");
        Assert.False(start.GetProperty("ui:can_delete").GetBoolean());
        Assert.Equal("startNode", start.GetProperty("ui:flow_node_type").GetString());
    }

    [Fact]
    public async Task Validate_ReturnsNodeKeyedErrors_ForABadGraph()
    {
        var (client, slug) = await SignedInAsync();
        var graph = PipelineGraphBuilder.WithStartAndEnd()
            .Node("tpl", "RenderTemplate", new { template_string = "{% if %}" })
            .Connect("start -> tpl").Build();

        var response = await client.PostAsync($"/api/t/{slug}/pipelines/validate", new StringContent(graph.ToJson(), Encoding.UTF8, "application/json"));
        var body = await response.Content.ReadFromJsonAsync<JsonElement>();

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        Assert.False(body.GetProperty("valid").GetBoolean());
        var errors = body.GetProperty("errors").EnumerateArray().ToList();
        Assert.Contains(errors, e => e.GetProperty("nodeId").GetString() == "tpl" && e.GetProperty("field").GetString() == "template_string");
        Assert.Contains(errors, e => e.GetProperty("nodeId").GetString() == "end");
    }

    [Fact]
    public async Task Validate_MalformedJson_Is400WithMessage()
    {
        var (client, slug) = await SignedInAsync();
        var response = await client.PostAsync($"/api/t/{slug}/pipelines/validate", new StringContent("{\"nodes\": [", Encoding.UTF8, "application/json"));
        Assert.Equal(HttpStatusCode.BadRequest, response.StatusCode);
        Assert.Contains("Invalid pipeline JSON", await response.Content.ReadAsStringAsync());
    }
}
