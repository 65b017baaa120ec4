using System.Net;
using System.Net.Http.Json;
using System.Text.Json;
using Microsoft.Extensions.DependencyInjection;
using OpenChatStudio.Core.Chatbots;
using OpenChatStudio.Core.Versions;
using OpenChatStudio.Tests.TestSupport;

namespace OpenChatStudio.Tests.Web.Api;

/// <summary>GET /api/experiments/ over real Kestrel: team scope, versions, cursor pagination, auth.</summary>
public class RestApiExperimentsTests : IClassFixture<OcsAppFactory>
{
    private readonly OcsAppFactory _app;

    public RestApiExperimentsTests(OcsAppFactory app) => _app = app;

    private Task CreateVersionAsync(ApiTeam team, Guid chatbotId, string description, bool publish) =>
        _app.Services.GetRequiredService<VersionService>().CreateAsync(team.Admin, chatbotId, description, publish, "Tester", CancellationToken.None)
            .ContinueWith(t => Assert.True(t.Result.Succeeded, t.Result.Error));

    [Fact]
    public async Task List_ShowsOnlyTheKeysTeam_WithPublishedVersionAndVersions()
    {
        var a = await ApiTestKit.CreateTeamAsync(_app);
        var b = await ApiTestKit.CreateTeamAsync(_app, chatbotName: "Bravo bot");
        await CreateVersionAsync(a, a.Chatbot.Id, "first", publish: false);
        await CreateVersionAsync(a, a.Chatbot.Id, "second", publish: false);
        var archived = (await _app.Services.GetRequiredService<ChatbotService>()
            .CreateAsync(a.Admin, "Old bot", ChatbotTemplates.Blank, CancellationToken.None)).Value!;
        await _app.Services.GetRequiredService<ChatbotService>().SetArchivedAsync(a.Admin, archived.Id, true, CancellationToken.None);

        var body = await _app.NewClient().SendAsync(ApiTestKit.Request(HttpMethod.Get, "/api/experiments/", a.ReadKey), HttpStatusCode.OK);

        var results = body.GetProperty("results").EnumerateArray().ToList();
        var bot = Assert.Single(results);
        Assert.Equal(a.PublicId, bot.GetProperty("id").GetGuid());
        Assert.Equal("Api bot", bot.GetProperty("name").GetString());
        Assert.Equal(new Uri(_app.BaseAddress, $"/api/experiments/{a.PublicId}/").ToString(), bot.GetProperty("url").GetString());
        Assert.Equal(1, bot.GetProperty("version_number").GetInt32());
        var versions = bot.GetProperty("versions").EnumerateArray().ToList();
        Assert.Equal([1, 2], versions.Select(v => v.GetProperty("version_number").GetInt32()));
        Assert.Equal([true, false], versions.Select(v => v.GetProperty("is_default_version").GetBoolean()));
        Assert.Equal(["first", "second"], versions.Select(v => v.GetProperty("version_description").GetString()));
        Assert.Equal("Api bot", versions[0].GetProperty("name").GetString());
        Assert.Equal(JsonValueKind.Null, body.GetProperty("next").ValueKind);
        Assert.Equal(JsonValueKind.Null, body.GetProperty("previous").ValueKind);
        Assert.DoesNotContain(b.PublicId.ToString(), body.GetRawText());
    }

    [Fact]
    public async Task List_PagesWithCursorLinks_UntilNextIsNull()
    {
        var a = await ApiTestKit.CreateTeamAsync(_app);
        var chatbots = _app.Services.GetRequiredService<ChatbotService>();
        var expected = new HashSet<Guid> { a.PublicId };
        for (var i = 0; i < 4; i++)
        {
            expected.Add((await chatbots.CreateAsync(a.Admin, $"Bot {i}", ChatbotTemplates.Blank, CancellationToken.None)).Value!.PublicId);
        }
        var client = _app.NewClient();

        var seen = new List<Guid>();
        var pages = 0;
        string? url = "/api/experiments/?page_size=2";
        JsonElement page = default;
        while (url is not null)
        {
            page = await client.SendAsync(ApiTestKit.Request(HttpMethod.Get, url, a.ReadKey), HttpStatusCode.OK);
            pages++;
            if (pages == 2)
            {
                Assert.NotEqual(JsonValueKind.Null, page.GetProperty("previous").ValueKind);
            }
            seen.AddRange(page.GetProperty("results").EnumerateArray().Select(r => r.GetProperty("id").GetGuid()));
            url = page.GetProperty("next").GetString();
        }

        Assert.Equal(3, pages);
        Assert.Equal(5, seen.Count);
        Assert.Equal(expected, seen.ToHashSet());
        var previous = await client.SendAsync(ApiTestKit.Request(HttpMethod.Get, page.GetProperty("previous").GetString()!, a.ReadKey), HttpStatusCode.OK);
        Assert.Equal(seen[2..4], previous.GetProperty("results").EnumerateArray().Select(r => r.GetProperty("id").GetGuid()));
    }

    [Theory]
    [InlineData("/api/experiments/?cursor=not-a-cursor", "Invalid cursor")]
    [InlineData("/api/experiments/?page_size=0", "page_size")]
    [InlineData("/api/experiments/?page_size=abc", "page_size")]
    public async Task List_BadPaging_Is400(string url, string message)
    {
        var a = await ApiTestKit.CreateTeamAsync(_app);

        var detail = await _app.NewClient().ProblemAsync(ApiTestKit.Request(HttpMethod.Get, url, a.ReadKey), HttpStatusCode.BadRequest);

        Assert.Contains(message, detail);
    }

    [Fact]
    public async Task Detail_OwnChatbot_IsFound_OtherTeamsAndUnknownAre404()
    {
        var a = await ApiTestKit.CreateTeamAsync(_app);
        var b = await ApiTestKit.CreateTeamAsync(_app);
        var client = _app.NewClient();

        var bot = await client.SendAsync(ApiTestKit.Request(HttpMethod.Get, $"/api/experiments/{a.PublicId}/", a.ReadKey), HttpStatusCode.OK);
        var viaV1 = await client.SendAsync(ApiTestKit.Bearer(HttpMethod.Get, $"/api/v1/experiments/{a.PublicId}", a.WriteKey), HttpStatusCode.OK);

        Assert.Equal(a.PublicId, bot.GetProperty("id").GetGuid());
        Assert.Equal(JsonValueKind.Null, bot.GetProperty("version_number").ValueKind);
        Assert.Empty(bot.GetProperty("versions").EnumerateArray());
        Assert.Equal(bot.GetRawText(), viaV1.GetRawText());
        Assert.Contains("No such chatbot",
            await client.ProblemAsync(ApiTestKit.Request(HttpMethod.Get, $"/api/experiments/{b.PublicId}/", a.ReadKey), HttpStatusCode.NotFound));
        await client.ProblemAsync(ApiTestKit.Request(HttpMethod.Get, $"/api/experiments/{Guid.NewGuid()}/", a.ReadKey), HttpStatusCode.NotFound);
    }

    [Fact]
    public async Task NoKey_Is401_WrongKey_Is401()
    {
        var a = await ApiTestKit.CreateTeamAsync(_app);
        var client = _app.NewClient();

        Assert.Equal("Missing API key: send X-api-key or Authorization: Bearer",
            await client.ProblemAsync(ApiTestKit.Request(HttpMethod.Get, "/api/experiments/", null), HttpStatusCode.Unauthorized));
        Assert.Equal("Invalid or revoked API key",
            await client.ProblemAsync(ApiTestKit.Request(HttpMethod.Get, "/api/experiments/", a.ReadKey[..^2] + "zz"), HttpStatusCode.Unauthorized));
        Assert.Equal(HttpStatusCode.Unauthorized, (await client.GetAsync($"/api/v1/experiments/{a.PublicId}/")).StatusCode);
    }

    [Fact]
    public async Task OpenApiDocument_ListsRestV1AndVersionedOpenAiRoutes_WithTagsAndSummaries_ButNotTheV1Aliases()
    {
        var doc = await _app.NewClient().GetFromJsonAsync<JsonElement>("/openapi/v1.json");
        var paths = doc.GetProperty("paths");

        var expected = new (string Path, string Method, string Tag)[]
        {
            ("/api/experiments", "get", "Experiments (chatbots)"),
            ("/api/experiments/{id}", "get", "Experiments (chatbots)"),
            ("/api/sessions", "get", "Sessions"),
            ("/api/sessions", "post", "Sessions"),
            ("/api/sessions/{id}", "get", "Sessions"),
            ("/api/sessions/{id}/end_experiment_session", "post", "Sessions"),
            ("/api/sessions/{id}/tags", "post", "Sessions"),
            ("/api/sessions/{id}/tags", "delete", "Sessions"),
            ("/api/sessions/{id}/update_state", "patch", "Sessions"),
            ("/api/participants", "get", "Participants"),
            ("/api/participants", "post", "Participants"),
            ("/api/openai/{chatbotId}/v{version}/chat/completions", "post", "OpenAI-compatible"),
        };
        foreach (var (path, method, tag) in expected)
        {
            Assert.True(paths.TryGetProperty(path, out var item), $"{path} is missing from the OpenAPI document");
            var operation = item.GetProperty(method);
            Assert.Equal(tag, operation.GetProperty("tags")[0].GetString());
            Assert.False(string.IsNullOrWhiteSpace(operation.GetProperty("summary").GetString()), $"{method} {path} has no summary");
        }
        var createSession = paths.GetProperty("/api/sessions").GetProperty("post").GetProperty("requestBody").GetRawText();
        Assert.Contains("CreateSessionRequest", createSession);
        var sessionsList = paths.GetProperty("/api/sessions").GetProperty("get").GetProperty("parameters").EnumerateArray()
            .Select(p => p.GetProperty("name").GetString()).ToList();
        Assert.Contains("page_size", sessionsList);
        Assert.Contains("tags", sessionsList);
        Assert.DoesNotContain(paths.EnumerateObject(), p => p.Name.StartsWith("/api/v1/", StringComparison.Ordinal));
        var session = doc.GetProperty("components").GetProperty("schemas").GetProperty("SessionResponse").GetProperty("properties");
        Assert.True(session.TryGetProperty("created_at", out _), "SessionResponse is not snake_case in the OpenAPI document");
        Assert.True(session.TryGetProperty("updated_at", out _));
        Assert.False(session.TryGetProperty("createdAt", out _));
    }
}
