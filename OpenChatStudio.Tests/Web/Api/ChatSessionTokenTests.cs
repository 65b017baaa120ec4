using System.Net.Http.Headers;
using System.Net.Http.Json;
using System.Text.Json;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.DependencyInjection;
using OpenChatStudio.Core.Chat;
using OpenChatStudio.Core.Data;
using OpenChatStudio.Tests.TestSupport;
using OpenChatStudio.Web.Api;
using static OpenChatStudio.Tests.Web.Api.ChatApiTestKit;

namespace OpenChatStudio.Tests.Web.Api;

/// <summary>
/// Proof of session ownership on the chat API (issue: a session id was the only credential, and the OpenAI endpoint
/// handed it out). Over real Kestrel and a real database.
/// </summary>
public class ChatSessionTokenTests(OcsAppFactory app) : IClassFixture<OcsAppFactory>
{
    private readonly ChatApiTestKit _kit = new(app);

    /// <summary>A request as an API client or a current widget sends it: no 0.6.0 version header.</summary>
    private static HttpRequestMessage Request(HttpMethod method, string url, object? body = null, string? token = null, string? widgetVersion = null)
    {
        var request = new HttpRequestMessage(method, url);
        if (body is not null)
        {
            request.Content = JsonContent.Create(body);
        }
        if (token is not null)
        {
            request.Headers.Add(ChatSessionTokens.Header, token);
        }
        if (widgetVersion is not null)
        {
            request.Headers.Add(ChatApi.WidgetVersionHeader, widgetVersion);
        }
        return request;
    }

    private async Task<(string SessionId, string Token)> StartAsync(ChatApiTestKit.Bot bot, string? widgetVersion = null)
    {
        var body = await BodyAsync(await app.NewClient().SendAsync(
            Request(HttpMethod.Post, "/api/chat/start/", StartBody(bot.PublicId, "ocs:" + Guid.NewGuid().ToString("N")), widgetVersion: widgetVersion)), 201);
        return (body.GetProperty("session_id").GetString()!, body.GetProperty("session_token").GetString()!);
    }

    [Fact]
    public async Task KeylessStart_WithoutAnOldWidgetHeader_RequiresItsToken_OnEverySessionEndpoint()
    {
        var bot = await _kit.BotAsync();
        var (session, token) = await StartAsync(bot);
        var client = app.NewClient();

        foreach (var (method, path, body) in new (HttpMethod, string, object?)[]
                 {
                     (HttpMethod.Post, "message/", new { message = "hello" }),
                     (HttpMethod.Get, "poll/", null),
                     (HttpMethod.Get, $"{Guid.NewGuid()}/poll/", null),
                 })
        {
            var refused = await BodyAsync(await client.SendAsync(Request(method, $"/api/chat/{session}/{path}", body)), 403);
            Assert.Equal("session_token_required", refused.GetProperty("code").GetString());
        }

        var accepted = await BodyAsync(await client.SendAsync(Request(HttpMethod.Post, $"/api/chat/{session}/message/", new { message = "hello" }, token)), 202);
        await _kit.IdleAsync();
        var taskId = accepted.GetProperty("task_id").GetString();
        var reply = await BodyAsync(await client.SendAsync(Request(HttpMethod.Get, $"/api/chat/{session}/{taskId}/poll/", token: token)), 200);
        Assert.Equal("complete", reply.GetProperty("status").GetString());
        var messages = await BodyAsync(await client.SendAsync(Request(HttpMethod.Get, $"/api/chat/{session}/poll/", token: token)), 200);
        Assert.Equal(2, messages.GetProperty("messages").GetArrayLength());
        // EventSource cannot send headers: the stream takes the token from the query.
        var stream = await client.GetAsync($"/api/chat/{session}/{taskId}/stream/?session_token={Uri.EscapeDataString(token)}");
        Assert.Equal(200, (int)stream.StatusCode);
    }

    [Fact]
    public async Task ForeignExpiredOrForgedTokens_AreRefused()
    {
        var bot = await _kit.BotAsync();
        var (session, token) = await StartAsync(bot);
        var (_, otherToken) = await StartAsync(bot);
        var expired = app.Services.GetRequiredService<ChatSessionTokens>().Issue(Guid.Parse(session), DateTimeOffset.UtcNow.AddMinutes(-1));
        var client = app.NewClient();

        foreach (var wrong in new[] { otherToken, expired, token[..^4] + "AAAA", "not-a-token", new string('x', 5000) })
        {
            var refused = await BodyAsync(await client.SendAsync(Request(HttpMethod.Post, $"/api/chat/{session}/message/", new { message = "hi" }, wrong)), 403);
            Assert.Equal("session_token_invalid", refused.GetProperty("code").GetString());
        }
        // Even an old widget's session refuses a wrong token rather than ignoring it.
        var (legacy, _) = await StartAsync(bot, widgetVersion: "0.6.0");
        await BodyAsync(await client.SendAsync(Request(HttpMethod.Get, $"/api/chat/{legacy}/poll/", token: otherToken, widgetVersion: "0.6.0")), 403);
    }

    [Fact]
    public async Task WidgetsBefore090_KeepWorkingWithoutAToken_AndNewerWidgetsNeedOne()
    {
        var bot = await _kit.BotAsync();
        var (legacy, legacyToken) = await StartAsync(bot, widgetVersion: "0.6.0");
        var (current, _) = await StartAsync(bot, widgetVersion: "0.9.1");
        var client = app.NewClient();

        Assert.False(string.IsNullOrEmpty(legacyToken));   // issued anyway; 0.6.0 ignores it
        await BodyAsync(await client.SendAsync(Request(HttpMethod.Post, $"/api/chat/{legacy}/message/", new { message = "hi" }, widgetVersion: "0.6.0")), 202);
        var refused = await BodyAsync(await client.SendAsync(Request(HttpMethod.Post, $"/api/chat/{current}/message/", new { message = "hi" }, widgetVersion: "0.6.0")), 403);
        Assert.Equal("session_token_required", refused.GetProperty("code").GetString());   // a later header cannot lower the bar
        await _kit.IdleAsync();
    }

    [Fact]
    public async Task SessionsOfTheOpenAiEndpoint_AreUnreachableFromTheChatApi_EvenWithTheTeamsKey()
    {
        var bot = await _kit.BotAsync();
        var key = await _kit.ApiKeyAsync(bot);
        var completion = new HttpRequestMessage(HttpMethod.Post, $"/api/openai/{bot.PublicId}/chat/completions")
        {
            Content = JsonContent.Create(new { model = "x", messages = new[] { new { role = "system", content = "secret system prompt" }, new { role = "user", content = "hi" } } }),
        };
        completion.Headers.Authorization = new AuthenticationHeaderValue("Bearer", key);
        var response = await BodyAsync(await app.NewClient().SendAsync(completion), 200);
        Guid session;
        await using (var db = await app.Services.GetRequiredService<IDbContextFactory<AppDbContext>>().CreateForTeamAsync(bot.Access.TeamId, default))
        {
            session = await db.ChatSessions.Where(s => s.ChatbotId == bot.Id && s.Platform == OpenAiApi.Platform).Select(s => s.Id).SingleAsync();
        }
        Assert.DoesNotContain(session.ToString("N"), response.GetProperty("id").GetString());

        var client = app.NewClient();
        foreach (var request in new[]
                 {
                     Request(HttpMethod.Get, $"/api/chat/{session}/poll/", widgetVersion: "0.6.0"),
                     Request(HttpMethod.Post, $"/api/chat/{session}/message/", new { message = "injected" }, widgetVersion: "0.6.0"),
                 })
        {
            request.Headers.Add("X-api-key", key);
            var problem = await BodyAsync(await client.SendAsync(request), 404);
            Assert.Equal("No session matches the given query.", problem.GetProperty("detail").GetString());
        }
        await using (var db = await app.Services.GetRequiredService<IDbContextFactory<AppDbContext>>().CreateForTeamAsync(bot.Access.TeamId, default))
        {
            Assert.DoesNotContain(await db.ChatMessages.Where(m => m.SessionId == session).Select(m => m.Content).ToListAsync(), c => c == "injected");
        }
    }
}
