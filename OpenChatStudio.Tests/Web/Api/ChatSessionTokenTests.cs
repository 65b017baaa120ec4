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

    [Fact]
    public async Task SessionsCreatedThroughTheRestApi_AreUnreachableFromTheChatApi_EvenWithTheTeamsKey()
    {
        var bot = await _kit.BotAsync();
        var key = await _kit.ApiKeyAsync(bot);
        var client = app.NewClient();
        var create = new HttpRequestMessage(HttpMethod.Post, "/api/sessions/")
        {
            Content = JsonContent.Create(new
            {
                experiment = bot.PublicId,
                participant = "rest-participant",
                messages = new[] { new { role = "user", content = "private question" }, new { role = "assistant", content = "private answer" } },
            }),
        };
        create.Headers.Add("X-api-key", key);
        var session = (await BodyAsync(await client.SendAsync(create), 201)).GetProperty("id").GetGuid();

        foreach (var (withKey, widgetVersion) in new[] { (true, "0.6.0"), (true, (string?)null), (false, "0.6.0") })
        {
            foreach (var request in new[]
                     {
                         Request(HttpMethod.Get, $"/api/chat/{session}/poll/", widgetVersion: widgetVersion),
                         Request(HttpMethod.Get, $"/api/chat/{session}/rendered/", widgetVersion: widgetVersion),
                         Request(HttpMethod.Post, $"/api/chat/{session}/message/", new { message = "injected" }, widgetVersion: widgetVersion),
                         Request(HttpMethod.Post, $"/api/chat/{session}/end/", new { }, widgetVersion: widgetVersion),
                     })
            {
                if (withKey)
                {
                    request.Headers.Add("X-api-key", key);
                }
                var problem = await BodyAsync(await client.SendAsync(request), 404);
                Assert.Equal("No session matches the given query.", problem.GetProperty("detail").GetString());
            }
        }
        await using var db = await app.Services.GetRequiredService<IDbContextFactory<AppDbContext>>().CreateForTeamAsync(bot.Access.TeamId, default);
        Assert.Equal(["private question", "private answer"],
            await db.ChatMessages.Where(m => m.SessionId == session).OrderBy(m => m.Sequence).Select(m => m.Content).ToListAsync());
        Assert.Null(await db.ChatSessions.Where(s => s.Id == session).Select(s => s.EndedAt).SingleAsync());
    }

    [Fact]
    public async Task ReadOnlyApiKey_ReadsSessions_ButCannotStartSendRateOrEnd()
    {
        var bot = await _kit.BotAsync();
        var writeKey = await _kit.ApiKeyAsync(bot);
        var readKey = (await app.Services.GetRequiredService<OpenChatStudio.Core.ApiKeys.ApiKeyService>()
            .CreateAsync(bot.Access, "read only", true, CancellationToken.None)).Value!.Key;
        var client = app.NewClient();
        HttpRequestMessage WithKey(HttpRequestMessage request, string key)
        {
            request.Headers.Add("X-api-key", key);
            return request;
        }

        var refusedStart = await BodyAsync(await client.SendAsync(WithKey(Request(HttpMethod.Post, "/api/chat/start/", StartBody(bot.PublicId)), readKey)), 403);
        Assert.Equal(ChatApi.ReadOnlyKey, refusedStart.GetProperty("error").GetString());
        var started = await BodyAsync(await client.SendAsync(WithKey(Request(HttpMethod.Post, "/api/chat/start/", StartBody(bot.PublicId)), writeKey)), 201);
        var session = started.GetProperty("session_id").GetString();
        await BodyAsync(await client.SendAsync(WithKey(Request(HttpMethod.Post, $"/api/chat/{session}/message/", new { message = "hi" }), writeKey)), 202);
        await _kit.IdleAsync();

        var polled = await BodyAsync(await client.SendAsync(WithKey(Request(HttpMethod.Get, $"/api/chat/{session}/poll/"), readKey)), 200);
        Assert.Equal(2, polled.GetProperty("messages").GetArrayLength());
        var refusedMessage = await BodyAsync(await client.SendAsync(WithKey(Request(HttpMethod.Post, $"/api/chat/{session}/message/", new { message = "more" }), readKey)), 403);
        Assert.Equal(ChatApi.ReadOnlyKey, refusedMessage.GetProperty("error").GetString());
        await using var db = await app.Services.GetRequiredService<IDbContextFactory<AppDbContext>>().CreateForTeamAsync(bot.Access.TeamId, default);
        Assert.Equal(2, await db.ChatMessages.CountAsync(m => m.SessionId == Guid.Parse(session!)));
    }

    [Fact]
    public async Task OpenAiCall_LostWithTheProcess_IsMarkedNotAnswered_InTheTranscript()
    {
        var bot = await _kit.BotAsync();
        var runtime = app.Services.GetRequiredService<ChatRuntime>();
        var participant = await runtime.GetOrCreateParticipantAsync(bot.Access.TeamId, "api", "caller@example.test", null, null, default);
        var lost = (await runtime.StartSessionAsync(bot.Access.TeamId, bot.Id, participant.Id, OpenAiApi.Platform, null, default)).SessionId;
        var running = (await runtime.StartSessionAsync(bot.Access.TeamId, bot.Id, participant.Id, OpenAiApi.Platform, null, default)).SessionId;
        var answered = (await runtime.StartSessionAsync(bot.Access.TeamId, bot.Id, participant.Id, OpenAiApi.Platform, null, default)).SessionId;
        var failed = (await runtime.StartSessionAsync(bot.Access.TeamId, bot.Id, participant.Id, OpenAiApi.Platform, null, default)).SessionId;
        var dbFactory = app.Services.GetRequiredService<IDbContextFactory<AppDbContext>>();
        var old = DateTime.UtcNow - ChatInboxRecovery.AbandonedAfter - TimeSpan.FromMinutes(1);
        await using (var db = await dbFactory.CreateForTeamAsync(bot.Access.TeamId, default))
        {
            // The process died after storing the first human message (long ago); the second call is still running
            // somewhere (just now); the third was answered.
            db.ChatMessages.Add(WithTime(new ChatMessage(bot.Access.TeamId, lost, 1, MessageRole.Human, "lost question"), old));
            db.ChatMessages.Add(new ChatMessage(bot.Access.TeamId, running, 1, MessageRole.Human, "question in flight"));
            db.ChatMessages.Add(WithTime(new ChatMessage(bot.Access.TeamId, answered, 1, MessageRole.Human, "answered question"), old));
            db.ChatMessages.Add(WithTime(new ChatMessage(bot.Access.TeamId, answered, 2, MessageRole.Ai, "answer"), old));
            // The fourth call failed with a provider error: the pipeline ran, its trace holds the error, no reply. The
            // caller got the error; the app did not stop.
            var failedQuestion = WithTime(new ChatMessage(bot.Access.TeamId, failed, 1, MessageRole.Human, "question the provider refused"), old);
            db.ChatMessages.Add(failedQuestion);
            db.RunTraces.Add(new RunTrace(bot.Access.TeamId, failed, failedQuestion.Id) { Error = "The provider answered 401 Unauthorized." });
            await db.SaveChangesAsync();
        }

        var marked = await runtime.MarkAbandonedTurnsAsync(OpenAiApi.Platform, ChatInboxRecovery.AbandonedAfter, ChatInboxRecovery.AbandonedReason, default);
        var again = await runtime.MarkAbandonedTurnsAsync(OpenAiApi.Platform, ChatInboxRecovery.AbandonedAfter, ChatInboxRecovery.AbandonedReason, default);

        Assert.Equal((1, 0), (marked, again));
        var review = app.Services.GetRequiredService<OpenChatStudio.Core.Sessions.SessionReviewService>();
        Assert.Equal(ChatInboxRecovery.AbandonedReason, Assert.Single((await review.GetAsync(bot.Access, lost, default))!.Messages).NotAnswered);
        Assert.Null(Assert.Single((await review.GetAsync(bot.Access, running, default))!.Messages).NotAnswered);
        Assert.All((await review.GetAsync(bot.Access, answered, default))!.Messages, m => Assert.Null(m.NotAnswered));
        Assert.Null(Assert.Single((await review.GetAsync(bot.Access, failed, default))!.Messages).NotAnswered);
    }

    private static ChatMessage WithTime(ChatMessage message, DateTime at)
    {
        typeof(ChatMessage).GetProperty(nameof(ChatMessage.CreatedAt))!.SetValue(message, at);
        return message;
    }
}
