using System.Net;
using System.Net.Http.Headers;
using System.Net.Http.Json;
using System.Text;
using System.Text.Json;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.DependencyInjection;
using OpenChatStudio.Core.Data;
using OpenChatStudio.Core.ApiKeys;
using OpenChatStudio.Core.Chat;
using OpenChatStudio.Core.Chatbots;
using OpenChatStudio.Core.Llm;
using OpenChatStudio.Core.Teams;
using OpenChatStudio.Tests.TestSupport;
using OpenChatStudio.Tests.TestSupport.Pipelines;

namespace OpenChatStudio.Tests.Web.Api;

/// <summary>The OpenAI-compatible endpoint over real Kestrel and a real database, with the built-in offline model.</summary>
public class OpenAiApiTests : IClassFixture<OcsAppFactory>
{
    private readonly OcsAppFactory _app;

    public OpenAiApiTests(OcsAppFactory app) => _app = app;

    private sealed record Setup(TeamAccess Admin, Guid ChatbotId, Guid PublicId, string Key, Guid KeyId);

    private async Task<Setup> SetupAsync(bool readOnly = false)
    {
        var user = await _app.CreateUserAsync($"api-{Guid.NewGuid():N}@example.test");
        var team = await _app.CreateTeamAsync(user.Id, "OpenAI team " + Guid.NewGuid().ToString("N")[..6]);
        var access = (await _app.Services.GetRequiredService<TeamService>().GetAccessAsync(user.Id, team.Slug, CancellationToken.None))!;
        var bot = (await _app.Services.GetRequiredService<ChatbotService>()
            .CreateAsync(access, "Api bot", ChatbotTemplates.SimpleAssistant, CancellationToken.None)).Value!;
        var key = (await _app.Services.GetRequiredService<ApiKeyService>().CreateAsync(access, "tests", readOnly, CancellationToken.None)).Value!;
        return new Setup(access, bot.Id, bot.PublicId, key.Key, key.Info.Id);
    }

    private static string Url(Guid publicId) => $"/api/openai/{publicId}/chat/completions";

    private static object Body(bool stream = false) => new
    {
        model = "ignored",
        stream,
        messages = new object[]
        {
            new { role = "user", content = "My name is Ada." },
            new { role = "assistant", content = "Nice to meet you, Ada." },
            new { role = "user", content = "What is my name?" },
        },
    };

    private HttpRequestMessage Post(Guid publicId, string? bearer, object? body = null, string? apiKeyHeader = null)
    {
        var request = new HttpRequestMessage(HttpMethod.Post, Url(publicId)) { Content = JsonContent.Create(body ?? Body()) };
        if (bearer is not null)
        {
            request.Headers.Authorization = new AuthenticationHeaderValue("Bearer", bearer);
        }
        if (apiKeyHeader is not null)
        {
            request.Headers.Add("X-api-key", apiKeyHeader);
        }
        return request;
    }

    private async Task<JsonElement> ProblemAsync(HttpResponseMessage response, HttpStatusCode status)
    {
        var text = await response.Content.ReadAsStringAsync();
        Assert.True(response.StatusCode == status, $"{(int)response.StatusCode}: {text}");
        Assert.Equal("application/problem+json", response.Content.Headers.ContentType?.MediaType);
        return JsonDocument.Parse(text).RootElement;
    }

    [Fact]
    public async Task ChatCompletions_BearerKey_ReturnsOpenAiCompletion_AndStoresTranscript()
    {
        var s = await SetupAsync();

        var response = await _app.NewClient().SendAsync(Post(s.PublicId, s.Key));

        var text = await response.Content.ReadAsStringAsync();
        Assert.True(response.StatusCode == HttpStatusCode.OK, text);
        var body = JsonDocument.Parse(text).RootElement;
        Assert.Equal("chat.completion", body.GetProperty("object").GetString());
        Assert.StartsWith("chatcmpl-", body.GetProperty("id").GetString());
        Assert.True(body.GetProperty("created").GetInt64() > 1_700_000_000);
        Assert.Equal(s.PublicId.ToString(), body.GetProperty("model").GetString());
        var choice = body.GetProperty("choices")[0];
        Assert.Equal("stop", choice.GetProperty("finish_reason").GetString());
        Assert.Equal("assistant", choice.GetProperty("message").GetProperty("role").GetString());
        var reply = choice.GetProperty("message").GetProperty("content").GetString()!;
        Assert.StartsWith(OfflineModel.ReplyPrefix, reply);
        Assert.True(body.GetProperty("usage").GetProperty("total_tokens").GetInt64() >= 0);

        Guid sessionId;
        await using (var db = await _app.Services.GetRequiredService<IDbContextFactory<AppDbContext>>().CreateForTeamAsync(s.Admin.TeamId, default))
        {
            sessionId = await db.ChatSessions.Where(x => x.ChatbotId == s.ChatbotId).Select(x => x.Id).SingleAsync();
        }
        // The completion id is not the session id: a session id is never a public id on another surface.
        Assert.DoesNotContain(sessionId.ToString("N"), body.GetProperty("id").GetString());
        var transcript = await _app.Services.GetRequiredService<ChatRuntime>().GetTranscriptAsync(s.Admin.TeamId, sessionId, CancellationToken.None);
        Assert.Equal(
            [(MessageRole.Human, "My name is Ada."), (MessageRole.Ai, "Nice to meet you, Ada."), (MessageRole.Human, "What is my name?"), (MessageRole.Ai, reply)],
            transcript.Select(m => (m.Role, m.Content)).ToArray());
    }

    [Fact]
    public async Task ChatCompletions_XApiKeyHeader_Works()
    {
        var s = await SetupAsync();

        var response = await _app.NewClient().SendAsync(Post(s.PublicId, bearer: null, apiKeyHeader: s.Key));

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        var body = await response.Content.ReadFromJsonAsync<JsonElement>();
        Assert.StartsWith(OfflineModel.ReplyPrefix, body.GetProperty("choices")[0].GetProperty("message").GetProperty("content").GetString());
    }

    [Fact]
    public async Task ChatCompletions_MissingKey_Is401WithMessage()
    {
        var s = await SetupAsync();

        var problem = await ProblemAsync(await _app.NewClient().SendAsync(Post(s.PublicId, bearer: null)), HttpStatusCode.Unauthorized);

        Assert.Equal("Missing API key: send X-api-key or Authorization: Bearer", problem.GetProperty("detail").GetString());
    }

    [Fact]
    public async Task ChatCompletions_SignedInCookieWithoutKey_Is401()
    {
        var email = $"cookie-{Guid.NewGuid():N}@example.test";
        var user = await _app.CreateUserAsync(email);
        var team = await _app.CreateTeamAsync(user.Id, "Cookie team");
        var access = (await _app.Services.GetRequiredService<TeamService>().GetAccessAsync(user.Id, team.Slug, CancellationToken.None))!;
        var bot = (await _app.Services.GetRequiredService<ChatbotService>()
            .CreateAsync(access, "Cookie bot", ChatbotTemplates.SimpleAssistant, CancellationToken.None)).Value!;
        var client = _app.NewClient();
        await SsrForms.SignInAsync(client, email, "password-123");

        var problem = await ProblemAsync(await client.SendAsync(Post(bot.PublicId, bearer: null)), HttpStatusCode.Unauthorized);

        Assert.Equal("Missing API key: send X-api-key or Authorization: Bearer", problem.GetProperty("detail").GetString());
        Assert.Equal(HttpStatusCode.OK, (await client.GetAsync("/api/teams")).StatusCode);
    }

    [Fact]
    public async Task ChatCompletions_WrongKey_Is401WithMessage()
    {
        var s = await SetupAsync();

        var response = await _app.NewClient().SendAsync(Post(s.PublicId, s.Key[..^2] + "zz"));

        var problem = await ProblemAsync(response, HttpStatusCode.Unauthorized);
        Assert.Equal("Invalid or revoked API key", problem.GetProperty("detail").GetString());
    }

    [Fact]
    public async Task ChatCompletions_RevokedKey_Is401()
    {
        var s = await SetupAsync();
        Assert.True((await _app.Services.GetRequiredService<ApiKeyService>().RevokeAsync(s.Admin, s.KeyId, CancellationToken.None)).Succeeded);

        var problem = await ProblemAsync(await _app.NewClient().SendAsync(Post(s.PublicId, s.Key)), HttpStatusCode.Unauthorized);

        Assert.Equal("Invalid or revoked API key", problem.GetProperty("detail").GetString());
    }

    [Fact]
    public async Task ChatCompletions_ReadOnlyKey_Is403()
    {
        var s = await SetupAsync(readOnly: true);

        var problem = await ProblemAsync(await _app.NewClient().SendAsync(Post(s.PublicId, s.Key)), HttpStatusCode.Forbidden);

        Assert.Contains("read-only", problem.GetProperty("detail").GetString());
    }

    [Fact]
    public async Task ChatCompletions_KeyOfTeamA_OnTeamBChatbot_Is404()
    {
        var a = await SetupAsync();
        var b = await SetupAsync();

        var response = await _app.NewClient().SendAsync(Post(b.PublicId, a.Key));

        await ProblemAsync(response, HttpStatusCode.NotFound);
        await using var db = await _app.Services.GetRequiredService<IDbContextFactory<AppDbContext>>().CreateForTeamAsync(b.Admin.TeamId, CancellationToken.None);
        Assert.False(await db.ChatSessions.AnyAsync(x => x.ChatbotId == b.ChatbotId));
        Assert.False(await db.Participants.AnyAsync(p => p.Platform == "api"));
    }

    [Fact]
    public async Task ChatCompletions_ArchivedOrUnknownChatbot_Is404()
    {
        var s = await SetupAsync();
        Assert.True((await _app.Services.GetRequiredService<ChatbotService>().SetArchivedAsync(s.Admin, s.ChatbotId, true, CancellationToken.None)).Succeeded);

        await ProblemAsync(await _app.NewClient().SendAsync(Post(s.PublicId, s.Key)), HttpStatusCode.NotFound);
        await ProblemAsync(await _app.NewClient().SendAsync(Post(Guid.NewGuid(), s.Key)), HttpStatusCode.NotFound);
    }

    [Fact]
    public async Task ChatCompletions_ProviderFailure_Is502WithRuntimeMessage_NotA500()
    {
        var s = await SetupAsync();
        var graph = PipelineGraphBuilder.WithStartAndEnd()
            .Node("llm", "LLMResponseWithPrompt", new { llm_provider_id = Guid.NewGuid(), llm_model = "m", prompt = "p", history_type = "global" })
            .Connect("start -> llm", "llm -> end").Build();
        var broken = new Chatbot(s.Admin.TeamId, "Broken", graph);
        await using (var db = await _app.Services.GetRequiredService<IDbContextFactory<AppDbContext>>().CreateForTeamAsync(s.Admin.TeamId, CancellationToken.None))
        {
            db.Chatbots.Add(broken);
            await db.SaveChangesAsync();
        }

        var plain = await ProblemAsync(await _app.NewClient().SendAsync(Post(broken.PublicId, s.Key)), HttpStatusCode.BadGateway);
        var streamed = await ProblemAsync(await _app.NewClient().SendAsync(Post(broken.PublicId, s.Key, Body(stream: true))), HttpStatusCode.BadGateway);

        Assert.False(string.IsNullOrWhiteSpace(plain.GetProperty("detail").GetString()));
        Assert.Equal(plain.GetProperty("title").GetString(), streamed.GetProperty("title").GetString());
    }

    [Fact]
    public async Task OpenApiDocument_ListsChatCompletions_WithTagAndSummary()
    {
        var doc = await _app.NewClient().GetFromJsonAsync<JsonElement>("/openapi/v1.json");

        var post = doc.GetProperty("paths").GetProperty("/api/openai/{chatbotId}/chat/completions").GetProperty("post");
        Assert.Equal("OpenAI-compatible", post.GetProperty("tags")[0].GetString());
        Assert.Contains("OpenAI", post.GetProperty("summary").GetString());
    }

    [Fact]
    public async Task ChatCompletions_MalformedJson_Is400()
    {
        var s = await SetupAsync();
        var request = Post(s.PublicId, s.Key);
        request.Content = new StringContent("{\"messages\": [", Encoding.UTF8, "application/json");

        var problem = await ProblemAsync(await _app.NewClient().SendAsync(request), HttpStatusCode.BadRequest);

        Assert.Contains("not valid JSON", problem.GetProperty("detail").GetString());
    }

    [Fact]
    public async Task ChatCompletions_MissingMessages_Is400()
    {
        var s = await SetupAsync();

        var problem = await ProblemAsync(await _app.NewClient().SendAsync(Post(s.PublicId, s.Key, new { model = "x" })), HttpStatusCode.BadRequest);

        Assert.Contains("No messages provided", problem.GetProperty("detail").GetString());
    }

    [Fact]
    public async Task ChatCompletions_LastMessageNotFromUser_Is400()
    {
        var s = await SetupAsync();
        var body = new { messages = new object[] { new { role = "user", content = "Hi" }, new { role = "assistant", content = "Hello" } } };

        var problem = await ProblemAsync(await _app.NewClient().SendAsync(Post(s.PublicId, s.Key, body)), HttpStatusCode.BadRequest);

        Assert.Equal("Last message must be a user message.", problem.GetProperty("detail").GetString());
    }

    [Fact]
    public async Task ChatCompletions_OversizedBody_Is413()
    {
        var s = await SetupAsync();
        var body = new { messages = new object[] { new { role = "user", content = new string('x', 300_000) } } };

        var response = await _app.NewClient().SendAsync(Post(s.PublicId, s.Key, body));

        Assert.Equal(HttpStatusCode.RequestEntityTooLarge, response.StatusCode);
    }

    [Fact]
    public async Task ChatCompletions_Stream_SendsChunksThatAddUpToTheReply_ThenDone()
    {
        var s = await SetupAsync();
        var client = _app.NewClient();
        var plain = await (await client.SendAsync(Post(s.PublicId, s.Key))).Content.ReadFromJsonAsync<JsonElement>();
        var expected = plain.GetProperty("choices")[0].GetProperty("message").GetProperty("content").GetString();

        var response = await client.SendAsync(Post(s.PublicId, s.Key, Body(stream: true)), HttpCompletionOption.ResponseHeadersRead);

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        Assert.Equal("text/event-stream", response.Content.Headers.ContentType?.MediaType);
        var events = (await response.Content.ReadAsStringAsync())
            .Split("\n\n", StringSplitOptions.RemoveEmptyEntries)
            .Select(e => e.Trim())
            .ToList();
        Assert.All(events, e => Assert.StartsWith("data: ", e));
        Assert.Equal("data: [DONE]", events[^1]);
        var chunks = events[..^1].Select(e => JsonDocument.Parse(e["data: ".Length..]).RootElement).ToList();
        Assert.True(chunks.Count >= 3, $"only {chunks.Count} chunks");
        Assert.All(chunks, c => Assert.Equal("chat.completion.chunk", c.GetProperty("object").GetString()));
        var text = string.Concat(chunks.Select(c => c.GetProperty("choices")[0].GetProperty("delta"))
            .Select(d => d.TryGetProperty("content", out var content) ? content.GetString() : ""));
        Assert.Equal(expected, text);
        Assert.Equal("stop", chunks[^1].GetProperty("choices")[0].GetProperty("finish_reason").GetString());
        Assert.All(chunks[..^1], c => Assert.Equal(JsonValueKind.Null, c.GetProperty("choices")[0].GetProperty("finish_reason").ValueKind));
    }
}
