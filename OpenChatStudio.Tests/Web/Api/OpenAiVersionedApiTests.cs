using System.Net;
using System.Text.Json;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.DependencyInjection;
using OpenChatStudio.Core.Chatbots;
using OpenChatStudio.Core.Data;
using OpenChatStudio.Core.Llm;
using OpenChatStudio.Core.Versions;
using OpenChatStudio.Tests.TestSupport;

namespace OpenChatStudio.Tests.Web.Api;

/// <summary>
/// <c>/api/openai/{id}/v{n}/chat/completions</c> and the <c>/api/v1/</c> aliases. The chatbot's version 1 is an echo bot
/// (Start → End) and version 2 the simple assistant on the offline model, so each reply shows which version answered.
/// </summary>
public class OpenAiVersionedApiTests : IClassFixture<OcsAppFactory>
{
    private const string Question = "What is my name?";

    private readonly OcsAppFactory _app;

    public OpenAiVersionedApiTests(OcsAppFactory app) => _app = app;

    /// <summary>v1 = echo (published), v2 = offline assistant (not published), working copy = offline assistant.</summary>
    public static async Task<ApiTeam> TwoVersionsAsync(OcsAppFactory app)
    {
        var team = await ApiTestKit.CreateTeamAsync(app, ChatbotTemplates.Blank, "Versioned bot");
        var versions = app.Services.GetRequiredService<VersionService>();
        Assert.True((await versions.CreateAsync(team.Admin, team.Chatbot.Id, "echo", publish: true, "Tester", CancellationToken.None)).Succeeded);
        var assistant = ChatbotTemplates.Find(ChatbotTemplates.SimpleAssistant)!;
        var saved = await app.Services.GetRequiredService<ChatbotService>().SavePipelineAsync(team.Admin, team.Chatbot.Id, assistant.Build(),
            assistant.Layout, team.Chatbot.EditRevision, CancellationToken.None);
        Assert.True(saved.Succeeded, saved.Error);
        Assert.True((await versions.CreateAsync(team.Admin, team.Chatbot.Id, "assistant", publish: false, "Tester", CancellationToken.None)).Succeeded);
        return team;
    }

    private static object Body(bool stream = false) => new { model = "x", stream, messages = new[] { new { role = "user", content = Question } } };

    private async Task<string> ReplyAsync(string url, string key)
    {
        var body = await _app.NewClient().SendAsync(ApiTestKit.Bearer(HttpMethod.Post, url, key, Body()), HttpStatusCode.OK);
        return body.GetProperty("choices")[0].GetProperty("message").GetProperty("content").GetString()!;
    }

    [Fact]
    public async Task VersionedRoute_RunsThatVersion_UnversionedRunsThePublishedOne()
    {
        var t = await TwoVersionsAsync(_app);

        Assert.Equal(Question, await ReplyAsync($"/api/openai/{t.PublicId}/v1/chat/completions", t.WriteKey));
        Assert.Equal($"{OfflineModel.ReplyPrefix}you said \"{Question}\".", await ReplyAsync($"/api/openai/{t.PublicId}/v2/chat/completions", t.WriteKey));
        Assert.Equal(Question, await ReplyAsync($"/api/openai/{t.PublicId}/chat/completions", t.WriteKey));

        await using var db = await _app.Services.GetRequiredService<IDbContextFactory<AppDbContext>>().CreateForTeamAsync(t.Admin.TeamId, CancellationToken.None);
        var sessions = await db.ChatSessions.OrderBy(s => s.CreatedAt).ToListAsync();
        Assert.Equal([VersionChoice.Specific(1), VersionChoice.Specific(2), VersionChoice.PublishedOrWorking], sessions.Select(s => s.Version));
    }

    [Fact]
    public async Task V1Aliases_ServeTheSameEndpoints()
    {
        var t = await TwoVersionsAsync(_app);

        Assert.Equal(Question, await ReplyAsync($"/api/v1/openai/{t.PublicId}/chat/completions", t.WriteKey));
        Assert.StartsWith(OfflineModel.ReplyPrefix, await ReplyAsync($"/api/v1/openai/{t.PublicId}/v2/chat/completions", t.WriteKey));
    }

    [Fact]
    public async Task UnknownOrArchivedVersion_Is404WithMessage_AndStartsNoSession()
    {
        var t = await TwoVersionsAsync(_app);
        var client = _app.NewClient();
        var factory = _app.Services.GetRequiredService<IDbContextFactory<AppDbContext>>();
        await using (var db = await factory.CreateForTeamAsync(t.Admin.TeamId, CancellationToken.None))
        {
            (await db.ChatbotVersions.SingleAsync(v => v.Number == 2)).IsArchived = true;
            await db.SaveChangesAsync();
        }

        Assert.Equal("Version 9 of this chatbot does not exist.", await client.ProblemAsync(
            ApiTestKit.Bearer(HttpMethod.Post, $"/api/openai/{t.PublicId}/v9/chat/completions", t.WriteKey, Body()), HttpStatusCode.NotFound));
        Assert.Equal("Version 2 of this chatbot is archived.", await client.ProblemAsync(
            ApiTestKit.Bearer(HttpMethod.Post, $"/api/openai/{t.PublicId}/v2/chat/completions", t.WriteKey, Body(stream: true)), HttpStatusCode.NotFound));

        await using var check = await factory.CreateForTeamAsync(t.Admin.TeamId, CancellationToken.None);
        Assert.False(await check.ChatSessions.AnyAsync());
    }

    [Fact]
    public async Task VersionedRoute_Auth_ReadOnly403_OtherTeam404_NoKey401_MalformedJson400()
    {
        var t = await TwoVersionsAsync(_app);
        var other = await ApiTestKit.CreateTeamAsync(_app);
        var client = _app.NewClient();
        var url = $"/api/openai/{t.PublicId}/v1/chat/completions";

        await client.ProblemAsync(ApiTestKit.Request(HttpMethod.Post, url, null, Body()), HttpStatusCode.Unauthorized);
        Assert.Contains("read-only", await client.ProblemAsync(ApiTestKit.Request(HttpMethod.Post, url, t.ReadKey, Body()), HttpStatusCode.Forbidden));
        await client.ProblemAsync(ApiTestKit.Request(HttpMethod.Post, url, other.WriteKey, Body()), HttpStatusCode.NotFound);
        Assert.Contains("not valid JSON", await client.ProblemAsync(ApiTestKit.Request(HttpMethod.Post, url, t.WriteKey, "{\"messages\": ["), HttpStatusCode.BadRequest));
    }

    [Fact]
    public async Task VersionedRoute_Streams()
    {
        var t = await TwoVersionsAsync(_app);

        var response = await _app.NewClient().SendAsync(
            ApiTestKit.Bearer(HttpMethod.Post, $"/api/openai/{t.PublicId}/v2/chat/completions", t.WriteKey, Body(stream: true)),
            HttpCompletionOption.ResponseHeadersRead);

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        Assert.Equal("text/event-stream", response.Content.Headers.ContentType?.MediaType);
        var events = (await response.Content.ReadAsStringAsync()).Split("\n\n", StringSplitOptions.RemoveEmptyEntries).Select(e => e.Trim()).ToList();
        Assert.Equal("data: [DONE]", events[^1]);
        var text = string.Concat(events[..^1].Select(e => JsonDocument.Parse(e["data: ".Length..]).RootElement.GetProperty("choices")[0].GetProperty("delta"))
            .Select(d => d.TryGetProperty("content", out var c) ? c.GetString() : ""));
        Assert.Equal($"{OfflineModel.ReplyPrefix}you said \"{Question}\".", text);
    }
}
