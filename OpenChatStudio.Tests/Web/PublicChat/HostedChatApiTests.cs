using System.Net;
using System.Text;
using System.Text.Json;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.DependencyInjection;
using OpenChatStudio.Core.Channels;
using OpenChatStudio.Core.Chat;
using OpenChatStudio.Core.Data;
using OpenChatStudio.Tests.TestSupport;
using OpenChatStudio.Tests.Web.Api;
using static OpenChatStudio.Tests.Web.Api.ChatApiTestKit;

namespace OpenChatStudio.Tests.Web.PublicChat;

/// <summary>The hosted page's endpoints (rendered/, rating/, end/) and the page's server-side states, over real Kestrel.</summary>
public class HostedChatApiTests : IClassFixture<OcsAppFactory>
{
    private readonly OcsAppFactory _app;
    private readonly ChatApiTestKit _kit;

    public HostedChatApiTests(OcsAppFactory app)
    {
        _app = app;
        _kit = new ChatApiTestKit(app);
    }

    private HttpClient Client => _app.NewClient();

    private async Task<(Bot Bot, string SessionId, string BotCreatedAt)> ConversationAsync()
    {
        var bot = await _kit.BotAsync();
        var sessionId = await _kit.StartAsync(bot, "anon:" + Guid.NewGuid().ToString("N"));
        await _kit.SendAsync(sessionId, "Hello there");
        await _kit.IdleAsync();
        var poll = await BodyAsync(await Client.GetAsync($"/api/chat/{sessionId}/poll/"), 200);
        var botMessage = poll.GetProperty("messages").EnumerateArray().Last(m => m.GetProperty("role").GetString() == "assistant");
        return (bot, sessionId, botMessage.GetProperty("created_at").GetString()!);
    }

    private async Task<ChatMessage> MessageAsync(Bot bot, string sessionId, string createdAt)
    {
        await using var db = await _app.Services.GetRequiredService<IDbContextFactory<AppDbContext>>().CreateForTeamAsync(bot.Access.TeamId, CancellationToken.None);
        var rows = await db.ChatMessages.AsNoTracking().Where(m => m.SessionId == Guid.Parse(sessionId)).ToListAsync();
        return rows.Single(m => OpenChatStudio.Web.Api.ChatApiJson.Timestamp(m.CreatedAt) == createdAt);
    }

    private static HttpRequestMessage Rate(string sessionId, object body) => Json(HttpMethod.Post, $"/api/chat/{sessionId}/rating/", body);

    [Fact]
    public async Task Rating_BotMessage_IsStored_ShownInRendered_AndCleared()
    {
        var (bot, sessionId, createdAt) = await ConversationAsync();

        var up = await BodyAsync(await Client.SendAsync(Rate(sessionId, new { created_at = createdAt, rating = "up" })), 200);
        Assert.Equal("up", up.GetProperty("rating").GetString());
        Assert.Equal(OpenChatStudio.Core.Sessions.MessageRating.Up, (await MessageAsync(bot, sessionId, createdAt)).Rating);

        var rendered = await BodyAsync(await Client.GetAsync($"/api/chat/{sessionId}/rendered/"), 200);
        var item = rendered.GetProperty("messages").EnumerateArray().Single(m => m.GetProperty("created_at").GetString() == createdAt);
        Assert.Equal("up", item.GetProperty("rating").GetString());
        Assert.StartsWith("<", item.GetProperty("html").GetString());

        await BodyAsync(await Client.SendAsync(Rate(sessionId, new { created_at = createdAt, rating = "down" })), 200);
        Assert.Equal(OpenChatStudio.Core.Sessions.MessageRating.Down, (await MessageAsync(bot, sessionId, createdAt)).Rating);
        var cleared = await BodyAsync(await Client.SendAsync(Rate(sessionId, new { created_at = createdAt, rating = (string?)null })), 200);
        Assert.Equal(JsonValueKind.Null, cleared.GetProperty("rating").ValueKind);
        Assert.Null((await MessageAsync(bot, sessionId, createdAt)).Rating);
    }

    [Fact]
    public async Task Rating_UnknownMessage_HumanMessage_OrAnotherTeamsMessage_Is404()
    {
        var (_, sessionId, _) = await ConversationAsync();
        var (otherBot, otherSession, otherCreatedAt) = await ConversationAsync();
        var poll = await BodyAsync(await Client.GetAsync($"/api/chat/{sessionId}/poll/"), 200);
        var human = poll.GetProperty("messages").EnumerateArray().First(m => m.GetProperty("role").GetString() == "user")
            .GetProperty("created_at").GetString();

        await BodyAsync(await Client.SendAsync(Rate(sessionId, new { created_at = "2001-01-01T00:00:00.000000Z", rating = "up" })), 404);
        await BodyAsync(await Client.SendAsync(Rate(sessionId, new { created_at = human, rating = "up" })), 404);
        await BodyAsync(await Client.SendAsync(Rate(sessionId, new { created_at = otherCreatedAt, rating = "up" })), 404);
        await BodyAsync(await Client.SendAsync(Rate(Guid.NewGuid().ToString(), new { created_at = otherCreatedAt, rating = "up" })), 404);
        Assert.Null((await MessageAsync(otherBot, otherSession, otherCreatedAt)).Rating);
    }

    [Fact]
    public async Task Rating_MalformedJson_OrBadFields_Is400()
    {
        var (_, sessionId, createdAt) = await ConversationAsync();
        var malformed = new HttpRequestMessage(HttpMethod.Post, $"/api/chat/{sessionId}/rating/")
        {
            Content = new StringContent("{\"created_at\": ", Encoding.UTF8, "application/json"),
        };

        var parse = await BodyAsync(await Client.SendAsync(malformed), 400);
        Assert.StartsWith("JSON parse error", parse.GetProperty("detail").GetString());
        var badRating = await BodyAsync(await Client.SendAsync(Rate(sessionId, new { created_at = createdAt, rating = "meh" })), 400);
        Assert.True(badRating.TryGetProperty("rating", out _));
        var badDate = await BodyAsync(await Client.SendAsync(Rate(sessionId, new { created_at = "yesterday", rating = "up" })), 400);
        Assert.True(badDate.TryGetProperty("created_at", out _));
    }

    [Fact]
    public async Task End_EndsSessionWithReasonUser_ThenEndRatingAndMessages_Are400()
    {
        var (bot, sessionId, createdAt) = await ConversationAsync();

        var response = await Client.SendAsync(Json(HttpMethod.Post, $"/api/chat/{sessionId}/end/", new { }));
        var body = await BodyAsync(response, 200);
        Assert.Equal("ended", body.GetProperty("session_status").GetString());
        Assert.Equal("*", response.Headers.GetValues("Access-Control-Allow-Origin").Single());
        await using (var db = await _app.Services.GetRequiredService<IDbContextFactory<AppDbContext>>().CreateForTeamAsync(bot.Access.TeamId, CancellationToken.None))
        {
            var session = await db.ChatSessions.AsNoTracking().SingleAsync(s => s.Id == Guid.Parse(sessionId));
            Assert.True(session.IsEnded);
            Assert.Equal("user", session.EndReason);
        }

        var again = await BodyAsync(await Client.SendAsync(Json(HttpMethod.Post, $"/api/chat/{sessionId}/end/", new { })), 400);
        Assert.Equal("Session has ended", again.GetProperty("error").GetString());
        await BodyAsync(await Client.SendAsync(Rate(sessionId, new { created_at = createdAt, rating = "up" })), 400);
        await BodyAsync(await Client.SendAsync(Json(HttpMethod.Post, $"/api/chat/{sessionId}/message/", new { message = "still there?" })), 400);
        var poll = await BodyAsync(await Client.GetAsync($"/api/chat/{sessionId}/poll/"), 200);
        Assert.Equal("ended", poll.GetProperty("session_status").GetString());
    }

    [Fact]
    public async Task End_UnknownSession_Is404()
    {
        await BodyAsync(await Client.SendAsync(Json(HttpMethod.Post, $"/api/chat/{Guid.NewGuid()}/end/", new { })), 404);
        await BodyAsync(await Client.SendAsync(Json(HttpMethod.Post, "/api/chat/not-a-guid/end/", new { })), 404);
    }

    [Fact]
    public async Task Rendered_SanitizesBotMarkdown()
    {
        var (bot, sessionId, _) = await ConversationAsync();
        await using (var db = await _app.Services.GetRequiredService<IDbContextFactory<AppDbContext>>().CreateForTeamAsync(bot.Access.TeamId, CancellationToken.None))
        {
            var next = await db.ChatMessages.Where(m => m.SessionId == Guid.Parse(sessionId)).MaxAsync(m => m.Sequence) + 1;
            db.ChatMessages.Add(new ChatMessage(bot.Access.TeamId, Guid.Parse(sessionId), next, MessageRole.Ai,
                "**Hi** <script>alert(1)</script> [x](javascript:alert(1)) <img src=x onerror=alert(1)>"));
            await db.SaveChangesAsync();
        }

        var rendered = await BodyAsync(await Client.GetAsync($"/api/chat/{sessionId}/rendered/"), 200);
        var html = rendered.GetProperty("messages").EnumerateArray().Last().GetProperty("html").GetString()!;

        Assert.Contains("<strong>Hi</strong>", html);
        Assert.DoesNotContain("<script", html);
        Assert.DoesNotContain("javascript:", html);
        Assert.DoesNotContain("<img", html);
        await BodyAsync(await Client.GetAsync($"/api/chat/{sessionId}/rendered/?since=nonsense"), 400);
    }

    [Fact]
    public async Task Page_UnknownChatbot_SaysNotFound()
    {
        var response = await Client.GetAsync($"/chat/{Guid.NewGuid()}");

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        Assert.Contains("data-testid=\"chat-not-found\"", await response.Content.ReadAsStringAsync());
    }

    [Fact]
    public async Task Page_Unpublished_SaysNotAvailableYet()
    {
        var bot = await _kit.BotAsync(publish: false);

        var html = await Client.GetStringAsync($"/chat/{bot.PublicId}");

        Assert.Contains("data-testid=\"chat-not-published\"", html);
        Assert.Contains("not available yet", html);
    }

    [Fact]
    public async Task Page_DisabledHostedChannel_ShowsItsMessage()
    {
        var bot = await _kit.BotAsync();
        var channels = _app.Services.GetRequiredService<ChannelService>();
        var channel = (await channels.CreateAsync(bot.Access, bot.Id, ChannelKind.HostedPage, null, null, CancellationToken.None)).Value!;
        await channels.UpdateAsync(bot.Access, channel.Id, new ChannelUpdate(channel.Name, false, "Closed for the holidays.", null), CancellationToken.None);

        var html = await Client.GetStringAsync($"/chat/{bot.PublicId}");

        Assert.Contains("data-testid=\"chat-disabled\"", html);
        Assert.Contains("Closed for the holidays.", html);
    }

    [Fact]
    public async Task Page_Published_IsStatic_WithoutBlazorOrMudBlazor()
    {
        var bot = await _kit.BotAsync();

        var html = await Client.GetStringAsync($"/chat/{bot.PublicId}");

        Assert.Contains("data-state=\"ready\"", html);
        Assert.Contains("public-chat", html);
        Assert.DoesNotContain("blazor.web.js", html);
        Assert.DoesNotContain("MudBlazor", html);
        Assert.DoesNotContain("<!--Blazor:", html);
    }
}
