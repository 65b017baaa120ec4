using System.Net;
using System.Net.Http.Headers;
using System.Text;
using System.Text.Json;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using OpenChatStudio.Core.Channels;
using OpenChatStudio.Core.Chat;
using OpenChatStudio.Core.Data;
using OpenChatStudio.Core.Llm;
using OpenChatStudio.Core.Versions;
using OpenChatStudio.Tests.TestSupport;
using OpenChatStudio.Web.Api;
using static OpenChatStudio.Tests.Web.Api.ChatApiTestKit;

namespace OpenChatStudio.Tests.Web.Api;

/// <summary>The OCS-compatible chat API (widget contract) over real Kestrel and a real database, with the Offline model.</summary>
public class ChatApiTests : IClassFixture<OcsAppFactory>
{
    private const string Allowed = "http://widget-host.test:8123";
    private readonly OcsAppFactory _app;
    private readonly ChatApiTestKit _kit;

    public ChatApiTests(OcsAppFactory app)
    {
        _app = app;
        _kit = new ChatApiTestKit(app);
    }

    private HttpClient Client => _app.NewClient();

    private static HttpRequestMessage Post(string url, object? body, string? key = null, string? origin = null) =>
        Json(HttpMethod.Post, url, body, key, origin);

    private static HttpRequestMessage Get(string url, string? key = null, string? origin = null) => Json(HttpMethod.Get, url, null, key, origin);

    /// <summary>A GET from an API client (not the widget): a poll without since returns the whole conversation.</summary>
    private static HttpRequestMessage ApiGet(string url)
    {
        var request = Get(url);
        request.Headers.Remove(ChatApi.WidgetVersionHeader);
        return request;
    }

    // ---- start/ ------------------------------------------------------------------------------------------------

    [Fact]
    public async Task Start_KeylessPublicChatbot_Is201_WithOcsShape_AndCors()
    {
        var bot = await _kit.BotAsync();

        var response = await Client.SendAsync(Post("/api/chat/start/", StartBody(bot.PublicId, "ocs:alice"), origin: "http://elsewhere.test"));

        var body = await BodyAsync(response, 201);
        Assert.True(Guid.TryParse(body.GetProperty("session_id").GetString(), out _));
        Assert.Equal(bot.PublicId.ToString(), body.GetProperty("chatbot").GetProperty("id").GetString());
        Assert.Equal(1, body.GetProperty("chatbot").GetProperty("version_number").GetInt32());
        Assert.Equal("ocs:alice", body.GetProperty("participant").GetProperty("remote_id").GetString());
        Assert.Equal("*", response.Headers.GetValues("Access-Control-Allow-Origin").Single());
    }

    [Fact]
    public async Task Start_UnknownChatbot_Is404WithDetail()
    {
        var response = await Client.SendAsync(Post("/api/chat/start/", StartBody(Guid.NewGuid())));

        var body = await BodyAsync(response, 404);
        Assert.Contains("No chatbot", body.GetProperty("detail").GetString());
        Assert.Equal("*", response.Headers.GetValues("Access-Control-Allow-Origin").Single());
    }

    [Fact]
    public async Task Start_MalformedJson_Is400()
    {
        var request = new HttpRequestMessage(HttpMethod.Post, "/api/chat/start/") { Content = new StringContent("{\"chatbot_id\": ", Encoding.UTF8, "application/json") };

        var body = await BodyAsync(await Client.SendAsync(request), 400);

        Assert.StartsWith("JSON parse error", body.GetProperty("detail").GetString());
    }

    [Fact]
    public async Task Start_MissingOrInvalidFields_Are400WithFieldErrors()
    {
        var missing = await BodyAsync(await Client.SendAsync(Post("/api/chat/start/", new { participant_remote_id = "x" })), 400);
        Assert.Equal("This field is required.", missing.GetProperty("chatbot_id")[0].GetString());

        var invalid = await BodyAsync(await Client.SendAsync(Post("/api/chat/start/", new { chatbot_id = "not-a-uuid", participant_remote_id = 5 })), 400);
        Assert.Equal("Must be a valid UUID.", invalid.GetProperty("chatbot_id")[0].GetString());
        Assert.Equal("Not a valid string.", invalid.GetProperty("participant_remote_id")[0].GetString());
    }

    [Fact]
    public async Task Start_ChatbotWithoutPublishedVersion_Is403NotAvailable()
    {
        var bot = await _kit.BotAsync(publish: false);

        var body = await BodyAsync(await Client.SendAsync(Post("/api/chat/start/", StartBody(bot.PublicId))), 403);

        Assert.Equal(VersionService.NotPublishedMessage, body.GetProperty("error").GetString());
        Assert.Equal("not_published", body.GetProperty("code").GetString());
    }

    [Fact]
    public async Task Start_KeylessNonPublicChatbot_Is403_UnlessParticipantOnAllowlist()
    {
        var bot = await _kit.BotAsync(allowlist: ["ocs:invited"]);

        var stranger = await BodyAsync(await Client.SendAsync(Post("/api/chat/start/", StartBody(bot.PublicId, "ocs:stranger"))), 403);
        Assert.Equal(ChatApi.NoPermission, stranger.GetProperty("detail").GetString());

        await BodyAsync(await Client.SendAsync(Post("/api/chat/start/", StartBody(bot.PublicId, "ocs:invited"))), 201);
    }

    [Fact]
    public async Task Start_EmbedKey_Paths()
    {
        var bot = await _kit.BotAsync(allowlist: ["ocs:nobody"], widgetDomains: ["widget-host.test", "*.partner.test"]);
        var other = await _kit.BotAsync(widgetDomains: ["*"]);
        var key = bot.Widget!.EmbedKey!;

        // Right key, allowed origin (port ignored) or a subdomain via Referer: admitted although the chatbot is not public.
        await BodyAsync(await Client.SendAsync(Post("/api/chat/start/", StartBody(bot.PublicId), key, Allowed)), 201);
        var viaReferer = Json(HttpMethod.Post, "/api/chat/start/", StartBody(bot.PublicId), key, referer: "https://shop.partner.test/page?x=1");
        await BodyAsync(await Client.SendAsync(viaReferer), 201);

        // Wrong key, another chatbot's key: invalid key.
        var wrong = await BodyAsync(await Client.SendAsync(Post("/api/chat/start/", StartBody(bot.PublicId), "not-the-key", Allowed)), 403);
        Assert.Equal(ChatApi.InvalidEmbedKey, wrong.GetProperty("detail").GetString());
        var otherTeams = await BodyAsync(await Client.SendAsync(Post("/api/chat/start/", StartBody(bot.PublicId), other.Widget!.EmbedKey, Allowed)), 403);
        Assert.Equal(ChatApi.InvalidEmbedKey, otherTeams.GetProperty("detail").GetString());

        // Right key, wrong origin; right key, no Origin/Referer at all.
        var badOrigin = await BodyAsync(await Client.SendAsync(Post("/api/chat/start/", StartBody(bot.PublicId), key, "http://evil.test")), 403);
        Assert.Equal(ChatApi.NoPermission, badOrigin.GetProperty("detail").GetString());
        var apex = await Client.SendAsync(Post("/api/chat/start/", StartBody(bot.PublicId), key, "http://partner.test"));
        Assert.Equal(HttpStatusCode.Forbidden, apex.StatusCode);
        var noOrigin = await BodyAsync(await Client.SendAsync(Post("/api/chat/start/", StartBody(bot.PublicId), key)), 403);
        Assert.Equal(ChatApi.NoPermission, noOrigin.GetProperty("detail").GetString());
    }

    [Fact]
    public async Task Start_WithKey_RecordsWidgetVersionOnChannel()
    {
        var bot = await _kit.BotAsync(widgetDomains: ["*"]);

        await _kit.StartAsync(bot, embedKey: bot.Widget!.EmbedKey, origin: Allowed);

        var channels = await _app.Services.GetRequiredService<ChannelService>().ListAsync(bot.Access, bot.Id, CancellationToken.None);
        Assert.Equal("0.6.0", channels.Single().LastSeenWidgetVersion);
    }

    [Fact]
    public async Task Start_DisabledChannels_Are403WithTheirMessage()
    {
        var bot = await _kit.BotAsync(widgetDomains: ["*"]);
        var channels = _app.Services.GetRequiredService<ChannelService>();
        await channels.UpdateAsync(bot.Access, bot.Widget!.Id, new ChannelUpdate("Widget", false, "Back on Monday.", null), CancellationToken.None);
        var api = (await channels.CreateAsync(bot.Access, bot.Id, ChannelKind.Api, null, null, CancellationToken.None)).Value!;
        await channels.UpdateAsync(bot.Access, api.Id, new ChannelUpdate("API", false, "", null), CancellationToken.None);

        var widget = await BodyAsync(await Client.SendAsync(Post("/api/chat/start/", StartBody(bot.PublicId), bot.Widget.EmbedKey, Allowed)), 403);
        Assert.Equal("Back on Monday.", widget.GetProperty("error").GetString());
        var keyless = await BodyAsync(await Client.SendAsync(Post("/api/chat/start/", StartBody(bot.PublicId))), 403);
        Assert.Equal(ChatbotChannel.DefaultDisabledMessage, keyless.GetProperty("error").GetString());
        // The hosted page has no channel: still on.
        var hosted = new { chatbot_id = bot.PublicId, session_data = new { source = "hosted_page" }, participant_remote_id = "p" };
        await BodyAsync(await Client.SendAsync(Post("/api/chat/start/", hosted)), 201);
    }

    [Fact]
    public async Task Start_VersionNumber_NeedsApiKeyOfTheTeam()
    {
        var bot = await _kit.BotAsync();
        var other = await _kit.BotAsync();
        var body = new { chatbot_id = bot.PublicId, participant_remote_id = "p", version_number = 1 };

        var anonymous = await BodyAsync(await Client.SendAsync(Post("/api/chat/start/", body)), 403);
        Assert.Equal("Version number requires authentication", anonymous.GetProperty("error").GetString());

        var withKey = Post("/api/chat/start/", body);
        withKey.Headers.Authorization = new AuthenticationHeaderValue("Bearer", await _kit.ApiKeyAsync(bot));
        Assert.Equal(1, (await BodyAsync(await Client.SendAsync(withKey), 201)).GetProperty("chatbot").GetProperty("version_number").GetInt32());

        var otherTeamsKey = Post("/api/chat/start/", body);
        otherTeamsKey.Headers.Add("X-api-key", await _kit.ApiKeyAsync(other));
        await BodyAsync(await Client.SendAsync(otherTeamsKey), 404);

        var badKey = Post("/api/chat/start/", body);
        badKey.Headers.Add("X-api-key", "ocs_nope_nope");
        await BodyAsync(await Client.SendAsync(badKey), 401);

        var unknownVersion = Post("/api/chat/start/", new { chatbot_id = bot.PublicId, version_number = 9 });
        unknownVersion.Headers.Add("X-api-key", await _kit.ApiKeyAsync(bot));
        Assert.Equal("unknown_version", (await BodyAsync(await Client.SendAsync(unknownVersion), 400)).GetProperty("code").GetString());
    }

    // ---- message/, task poll, poll/ ----------------------------------------------------------------------------

    [Fact]
    public async Task Conversation_MessageTaskPollAndPoll_RoundTripSinceLosslessly()
    {
        var bot = await _kit.BotAsync();
        var session = await _kit.StartAsync(bot);

        var taskId = await _kit.SendAsync(session, "hello there");
        await _kit.IdleAsync();

        var task = await BodyAsync(await Client.SendAsync(Get($"/api/chat/{session}/{taskId}/poll/")), 200);
        Assert.Equal("complete", task.GetProperty("status").GetString());
        var reply = task.GetProperty("message");
        Assert.Equal("assistant", reply.GetProperty("role").GetString());
        Assert.StartsWith(OfflineModel.ReplyPrefix, reply.GetProperty("content").GetString());
        var createdAt = reply.GetProperty("created_at").GetString()!;
        Assert.Matches(@"^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{6}Z$", createdAt);

        var all = await BodyAsync(await Client.SendAsync(ApiGet($"/api/chat/{session}/poll/")), 200);
        Assert.Equal(new[] { "user", "assistant" }, all.GetProperty("messages").EnumerateArray().Select(m => m.GetProperty("role").GetString()!).ToArray());
        Assert.Equal("hello there", all.GetProperty("messages")[0].GetProperty("content").GetString());
        Assert.False(all.GetProperty("has_more").GetBoolean());
        Assert.Equal("active", all.GetProperty("session_status").GetString());

        var since = await BodyAsync(await Client.SendAsync(Get($"/api/chat/{session}/poll/?since={Uri.EscapeDataString(createdAt)}")), 200);
        Assert.Equal(0, since.GetProperty("messages").GetArrayLength());

        // A JavaScript toISOString() value (ms) before the reply still returns it.
        var ms = DateTime.Parse(createdAt, null, System.Globalization.DateTimeStyles.RoundtripKind).AddMilliseconds(-1).ToString("yyyy-MM-ddTHH:mm:ss.fffZ");
        var fromMs = await BodyAsync(await Client.SendAsync(Get($"/api/chat/{session}/poll/?since={Uri.EscapeDataString(ms)}")), 200);
        Assert.Contains(fromMs.GetProperty("messages").EnumerateArray(), m => m.GetProperty("created_at").GetString() == createdAt);
    }

    [Fact]
    public async Task WidgetPollWithoutSince_AnsweredAfterTheFirstTurnFinished_LeavesTheTurnToTheTaskPoll()
    {
        var bot = await _kit.BotAsync();
        var session = await _kit.StartAsync(bot);
        var taskId = await _kit.SendAsync(session, "first words");
        await _kit.IdleAsync();

        // The widget's first poll races its first message; when it is answered late, the turn is not in it (the task poll
        // delivers it), otherwise the widget would show the reply twice.
        var widgetPoll = Get($"/api/chat/{session}/poll/");
        widgetPoll.Headers.Add(ChatApi.WidgetVersionHeader, "0.6.0");
        var late = await BodyAsync(await Client.SendAsync(widgetPoll), 200);
        Assert.Equal(0, late.GetProperty("messages").GetArrayLength());
        Assert.Equal("complete", (await BodyAsync(await Client.SendAsync(Get($"/api/chat/{session}/{taskId}/poll/")), 200)).GetProperty("status").GetString());

        // Other clients asking without since get the whole conversation.
        var all = await BodyAsync(await Client.SendAsync(ApiGet($"/api/chat/{session}/poll/")), 200);
        Assert.Equal(new[] { "user", "assistant" }, all.GetProperty("messages").EnumerateArray().Select(m => m.GetProperty("role").GetString()!).ToArray());

        // The widget with local history (since) still gets later messages.
        var sinceStart = DateTime.UtcNow.AddHours(-1).ToString("yyyy-MM-ddTHH:mm:ss.fffZ");
        var withSince = Get($"/api/chat/{session}/poll/?since={Uri.EscapeDataString(sinceStart)}");
        withSince.Headers.Add(ChatApi.WidgetVersionHeader, "0.6.0");
        Assert.Equal(2, (await BodyAsync(await Client.SendAsync(withSince), 200)).GetProperty("messages").GetArrayLength());
    }

    [Fact]
    public async Task DurableAccept_MessageIsPendingInDb_AndNotInPoll_UntilProcessed()
    {
        var bot = await _kit.BotAsync();
        var session = await _kit.StartAsync(bot);
        var sessionId = Guid.Parse(session);
        var gate = new TaskCompletionSource<int>(TaskCreationOptions.RunContinuationsAsynchronously);
        var blocker = _app.Services.GetRequiredService<SessionWorkQueue>().EnqueueAsync(sessionId, () => gate.Task);

        var taskId = await _kit.SendAsync(session, "remember me");

        await using (var db = await _app.Services.GetRequiredService<IDbContextFactory<AppDbContext>>().CreateForTeamAsync(bot.Access.TeamId, default))
        {
            var row = await db.InboundMessages.SingleAsync(m => m.Id == Guid.Parse(taskId));
            Assert.Equal(InboundStatus.Pending, row.Status);
            Assert.Equal("remember me", row.Text);
            Assert.False(await db.ChatMessages.AnyAsync(m => m.SessionId == sessionId && m.Role == MessageRole.Human));
        }
        var poll = await BodyAsync(await Client.SendAsync(Get($"/api/chat/{session}/poll/")), 200);
        Assert.Equal(0, poll.GetProperty("messages").GetArrayLength());
        Assert.Equal("processing", (await BodyAsync(await Client.SendAsync(Get($"/api/chat/{session}/{taskId}/poll/")), 200)).GetProperty("status").GetString());

        gate.SetResult(0);
        await blocker;
        await _kit.IdleAsync();

        var after = await BodyAsync(await Client.SendAsync(ApiGet($"/api/chat/{session}/poll/")), 200);
        Assert.Equal(new[] { "user", "assistant" }, after.GetProperty("messages").EnumerateArray().Select(m => m.GetProperty("role").GetString()!).ToArray());
        Assert.Equal("complete", (await BodyAsync(await Client.SendAsync(Get($"/api/chat/{session}/{taskId}/poll/")), 200)).GetProperty("status").GetString());
    }

    [Fact]
    public async Task Recovery_CountsInterruptedAttempts_WaitsBeforeTheThird_AndGivesUpOnAPoisonMessage()
    {
        var bot = await _kit.BotAsync();
        var onceSession = Guid.Parse(await _kit.StartAsync(bot, "ocs:p1"));
        var twiceSession = Guid.Parse(await _kit.StartAsync(bot, "ocs:p2"));
        var poisonSession = Guid.Parse(await _kit.StartAsync(bot, "ocs:p3"));
        var dbFactory = _app.Services.GetRequiredService<IDbContextFactory<AppDbContext>>();
        // Inboxes of our own, as two successive starts of the app would have (the app's inbox serves the other tests).
        ChatInbox NewInbox() => new(dbFactory, _app.Services.GetRequiredService<ChatRuntime>(), _app.Services.GetRequiredService<ChatTaskStreams>(),
            TimeProvider.System, Microsoft.Extensions.Logging.Abstractions.NullLogger<ChatInbox>.Instance);
        using var inbox = NewInbox();
        InboundMessage once, twice, poison;
        await using (var db = await dbFactory.CreateForTeamAsync(bot.Access.TeamId, default))
        {
            // As if the app died while running each of them: once, twice (just now) and three times.
            once = new InboundMessage(bot.Access.TeamId, onceSession, "interrupted once", [], null, DateTime.UtcNow);
            twice = new InboundMessage(bot.Access.TeamId, twiceSession, "interrupted twice", [], null, DateTime.UtcNow) { Attempts = 2 };
            poison = new InboundMessage(bot.Access.TeamId, poisonSession, "the message that stops the app", [], null, DateTime.UtcNow) { Attempts = 3 };
            db.InboundMessages.AddRange(once, twice, poison);
            await db.SaveChangesAsync();
        }
        inbox.RetryBackoff = TimeSpan.FromMinutes(10);

        await inbox.RecoverAsync(default);
        await inbox.WhenIdleAsync();

        await using (var db = await dbFactory.CreateForTeamAsync(bot.Access.TeamId, default))
        {
            var first = await db.InboundMessages.AsNoTracking().SingleAsync(m => m.Id == once.Id);
            Assert.Equal(InboundStatus.Complete, first.Status);          // retried at once
            Assert.Equal(2, first.Attempts);                              // and the retry was counted before it ran
            var second = await db.InboundMessages.AsNoTracking().SingleAsync(m => m.Id == twice.Id);
            Assert.Equal(InboundStatus.Pending, second.Status);           // not a third time straight away
            Assert.Equal(2, second.Attempts);
            Assert.Empty(await db.ChatMessages.Where(m => m.SessionId == twiceSession).ToListAsync());
            var given = await db.InboundMessages.AsNoTracking().SingleAsync(m => m.Id == poison.Id);
            Assert.Equal(InboundStatus.Failed, given.Status);             // never run again
            Assert.Equal(ChatInbox.GaveUpError, given.Error);
            var human = await db.ChatMessages.SingleAsync(m => m.SessionId == poisonSession);
            Assert.Equal((MessageRole.Human, "the message that stops the app"), (human.Role, human.Content));
            Assert.Equal(human.Id, given.HumanMessageId);
        }
        Assert.Equal(1, inbox.WaitingCount);
        // A second recovery (another start-up) neither duplicates the waiting retry nor touches the failed message.
        await inbox.RecoverAsync(default);
        Assert.Equal(1, inbox.WaitingCount);

        // The participant's widget sees the failed task; the team's transcript shows why it was not answered.
        var poll = await Client.SendAsync(Get($"/api/chat/{poisonSession}/{poison.Id}/poll/"));
        var error = await BodyAsync(poll, 500);
        Assert.Equal("error", error.GetProperty("status").GetString());
        var details = await _app.Services.GetRequiredService<OpenChatStudio.Core.Sessions.SessionReviewService>()
            .GetAsync(bot.Access, poisonSession, default);
        Assert.Equal(ChatInbox.GaveUpError, Assert.Single(details!.Messages).NotAnswered);

        // The app stops (the armed retry is dropped) and starts again an hour later: the back-off has passed, so the
        // twice-interrupted message gets its third and last attempt at once.
        inbox.Dispose();
        await using (var db = await dbFactory.CreateForTeamAsync(bot.Access.TeamId, default))
        {
            await db.InboundMessages.Where(m => m.Id == twice.Id).ExecuteUpdateAsync(u => u.SetProperty(m => m.LastAttemptAt, DateTime.UtcNow.AddHours(-1)));
        }
        using var restarted = NewInbox();
        await restarted.RecoverAsync(default);
        await restarted.WhenIdleAsync();
        await using (var db = await dbFactory.CreateForTeamAsync(bot.Access.TeamId, default))
        {
            var third = await db.InboundMessages.AsNoTracking().SingleAsync(m => m.Id == twice.Id);
            Assert.Equal((InboundStatus.Complete, 3), (third.Status, third.Attempts));
        }
    }

    [Fact]
    public async Task Recovery_ProcessesPendingRowsLeftByACrash_WithoutDuplicatingHumanMessages()
    {
        var bot = await _kit.BotAsync();
        var fresh = Guid.Parse(await _kit.StartAsync(bot, "ocs:r1"));
        var half = Guid.Parse(await _kit.StartAsync(bot, "ocs:r2"));
        var answeredSession = Guid.Parse(await _kit.StartAsync(bot, "ocs:r3"));
        var dbFactory = _app.Services.GetRequiredService<IDbContextFactory<AppDbContext>>();
        InboundMessage notStarted, humanStored, answered;
        ChatMessage answer;
        await using (var db = await dbFactory.CreateForTeamAsync(bot.Access.TeamId, default))
        {
            // As if the app died after the 202 (first) and after the human message was stored (second).
            notStarted = new InboundMessage(bot.Access.TeamId, fresh, "lost in the crash", [], null, DateTime.UtcNow);
            humanStored = new InboundMessage(bot.Access.TeamId, half, "half done", [], null, DateTime.UtcNow);
            db.InboundMessages.AddRange(notStarted, humanStored);
            db.ChatMessages.Add(new ChatMessage(bot.Access.TeamId, half, 1, MessageRole.Human, "half done")
            {
                MetadataJson = $"{{\"inbound_id\":\"{humanStored.Id}\"}}",
            });
            // ...and as if it died after the reply was stored, before the row was marked complete.
            answered = new InboundMessage(bot.Access.TeamId, answeredSession, "all done", [], null, DateTime.UtcNow);
            answer = new ChatMessage(bot.Access.TeamId, answeredSession, 2, MessageRole.Ai, "stored reply");
            db.InboundMessages.Add(answered);
            var question = new ChatMessage(bot.Access.TeamId, answeredSession, 1, MessageRole.Human, "all done")
            {
                MetadataJson = $"{{\"inbound_id\":\"{answered.Id}\"}}",
            };
            db.ChatMessages.AddRange(question, answer);
            // The run's trace links the question to its reply, written in the same save as the reply (as the runtime does).
            db.RunTraces.Add(new RunTrace(bot.Access.TeamId, answeredSession, question.Id) { OutputMessageId = answer.Id });
            await db.SaveChangesAsync();
        }

        var recovered = await _app.Services.GetRequiredService<ChatInbox>().RecoverAsync(default);
        await _kit.IdleAsync();

        Assert.True(recovered >= 3);
        Assert.Contains(_app.Services.GetServices<IHostedService>(), s => s is ChatInboxRecovery);
        await using (var db = await dbFactory.CreateForTeamAsync(bot.Access.TeamId, default))
        {
            foreach (var (row, session) in new[] { (notStarted, fresh), (humanStored, half), (answered, answeredSession) })
            {
                var done = await db.InboundMessages.SingleAsync(m => m.Id == row.Id);
                Assert.Equal(InboundStatus.Complete, done.Status);
                var roles = await db.ChatMessages.Where(m => m.SessionId == session).OrderBy(m => m.Sequence).Select(m => m.Role).ToListAsync();
                Assert.Equal([MessageRole.Human, MessageRole.Ai], roles);
            }
            Assert.Equal(answer.Id, (await db.InboundMessages.SingleAsync(m => m.Id == answered.Id)).ReplyMessageId);
        }
    }

    [Fact]
    public async Task Message_BadInput_Is400()
    {
        var bot = await _kit.BotAsync();
        var session = await _kit.StartAsync(bot);

        var missing = await BodyAsync(await Client.SendAsync(Post($"/api/chat/{session}/message/", new { text = "x" })), 400);
        Assert.Equal("This field is required.", missing.GetProperty("message")[0].GetString());
        var blank = await BodyAsync(await Client.SendAsync(Post($"/api/chat/{session}/message/", new { message = "   " })), 400);
        Assert.Equal("This field may not be blank.", blank.GetProperty("message")[0].GetString());
        var malformed = new HttpRequestMessage(HttpMethod.Post, $"/api/chat/{session}/message/") { Content = new StringContent("[1,", Encoding.UTF8, "application/json") };
        Assert.StartsWith("JSON parse error", (await BodyAsync(await Client.SendAsync(malformed), 400)).GetProperty("detail").GetString());
        var badIds = await BodyAsync(await Client.SendAsync(Post($"/api/chat/{session}/message/", new { message = "hi", attachment_ids = new[] { 999999 } })), 400);
        Assert.Contains("999999", badIds.GetProperty("attachment_ids")[0].GetString());
    }

    [Fact]
    public async Task EndedSession_MessageAndUpload_Are400SessionHasEnded()
    {
        var bot = await _kit.BotAsync(uploads: true);
        var session = await _kit.StartAsync(bot);
        await _app.Services.GetRequiredService<ChatRuntime>().EndSessionAsync(bot.Access.TeamId, Guid.Parse(session), "test", default);

        var message = await BodyAsync(await Client.SendAsync(Post($"/api/chat/{session}/message/", new { message = "hi" })), 400);
        Assert.Equal("Session has ended", message.GetProperty("error").GetString());
        var upload = await BodyAsync(await Client.PostAsync($"/api/chat/{session}/upload/", Files(("a.txt", "text/plain", 10))), 400);
        Assert.Equal("Session has ended", upload.GetProperty("error").GetString());
        var poll = await BodyAsync(await Client.SendAsync(Get($"/api/chat/{session}/poll/")), 200);
        Assert.Equal("ended", poll.GetProperty("session_status").GetString());
    }

    [Fact]
    public async Task UnknownOrForeignIds_Are404()
    {
        var bot = await _kit.BotAsync();
        var session = await _kit.StartAsync(bot);
        var otherSession = await _kit.StartAsync(bot, "ocs:other");
        var otherTask = await _kit.SendAsync(otherSession, "mine");
        await _kit.IdleAsync();

        await BodyAsync(await Client.SendAsync(Get($"/api/chat/{Guid.NewGuid()}/poll/")), 404);
        await BodyAsync(await Client.SendAsync(Get("/api/chat/not-a-session/poll/")), 404);
        await BodyAsync(await Client.SendAsync(Post($"/api/chat/{Guid.NewGuid()}/message/", new { message = "x" })), 404);
        await BodyAsync(await Client.SendAsync(Get($"/api/chat/{session}/{otherTask}/poll/")), 404);
        await BodyAsync(await Client.SendAsync(Get($"/api/chat/{session}/{otherTask}/stream/")), 404);
        // A task id nobody knows: "processing", as OCS.
        Assert.Equal("processing", (await BodyAsync(await Client.SendAsync(Get($"/api/chat/{session}/{Guid.NewGuid()}/poll/")), 200)).GetProperty("status").GetString());
    }

    [Fact]
    public async Task SessionEndpoints_EmbedKeyAndKeylessPaths()
    {
        var bot = await _kit.BotAsync(allowlist: ["ocs:nobody"], uploads: true, widgetDomains: ["widget-host.test"]);
        var other = await _kit.BotAsync(widgetDomains: ["*"]);
        var key = bot.Widget!.EmbedKey!;
        var session = await _kit.StartAsync(bot, embedKey: key, origin: Allowed);

        await BodyAsync(await Client.SendAsync(Get($"/api/chat/{session}/poll/", key, Allowed)), 200);
        Assert.Equal(ChatApi.InvalidEmbedKey,
            (await BodyAsync(await Client.SendAsync(Get($"/api/chat/{session}/poll/", "wrong", Allowed)), 403)).GetProperty("detail").GetString());
        Assert.Equal(ChatApi.InvalidEmbedKey,
            (await BodyAsync(await Client.SendAsync(Get($"/api/chat/{session}/poll/", other.Widget!.EmbedKey, Allowed)), 403)).GetProperty("detail").GetString());
        await BodyAsync(await Client.SendAsync(Get($"/api/chat/{session}/poll/", key, "http://evil.test")), 403);
        await BodyAsync(await Client.SendAsync(Get($"/api/chat/{session}/poll/", key)), 403);
        // Keyless on a non-public chatbot: refused for conversing, but uploads of a keyed session work (the widget sends no key there).
        Assert.Equal(ChatApi.NoPermission, (await BodyAsync(await Client.SendAsync(Post($"/api/chat/{session}/message/", new { message = "x" })), 403))
            .GetProperty("detail").GetString());
        await BodyAsync(await Client.PostAsync($"/api/chat/{session}/upload/", Files(("a.txt", "text/plain", 10))), 201);
    }

    [Fact]
    public async Task SessionEndpoints_ApiKeyOfAnotherTeam_Is404_OwnTeamsKeyWorks()
    {
        var bot = await _kit.BotAsync(allowlist: ["ocs:insider"]);
        var other = await _kit.BotAsync();
        var session = await _kit.StartAsync(bot, "ocs:insider");

        var foreign = Get($"/api/chat/{session}/poll/");
        foreign.Headers.Add("X-api-key", await _kit.ApiKeyAsync(other));
        Assert.Equal("No session matches the given query.", (await BodyAsync(await Client.SendAsync(foreign), 404)).GetProperty("detail").GetString());

        var own = Get($"/api/chat/{session}/poll/");
        own.Headers.Authorization = new AuthenticationHeaderValue("Bearer", await _kit.ApiKeyAsync(bot));
        await BodyAsync(await Client.SendAsync(own), 200);
    }

    [Fact]
    public async Task Purge_RemovesOnlyUploadsNeverSentAndOlderThanADay()
    {
        var bot = await _kit.BotAsync(uploads: true);
        var session = Guid.Parse(await _kit.StartAsync(bot));
        var dbFactory = _app.Services.GetRequiredService<IDbContextFactory<AppDbContext>>();
        var old = DateTime.UtcNow.AddHours(-25);
        ChatAttachment stale, sent, fresh;
        await using (var db = await dbFactory.CreateForTeamAsync(bot.Access.TeamId, default))
        {
            var human = new ChatMessage(bot.Access.TeamId, session, 1, MessageRole.Human, "with file");
            stale = new ChatAttachment(bot.Access.TeamId, session, "stale.txt", "text/plain", [1], old);
            sent = new ChatAttachment(bot.Access.TeamId, session, "sent.txt", "text/plain", [2], old) { MessageId = human.Id };
            fresh = new ChatAttachment(bot.Access.TeamId, session, "fresh.txt", "text/plain", [3], DateTime.UtcNow);
            db.ChatMessages.Add(human);
            db.ChatAttachments.AddRange(stale, sent, fresh);
            await db.SaveChangesAsync();
        }

        await _app.Services.GetRequiredService<ChatAttachmentStore>().PurgeUnattachedAsync(default);

        await using (var db = await dbFactory.CreateForTeamAsync(bot.Access.TeamId, default))
        {
            var left = await db.ChatAttachments.Where(a => a.SessionId == session).Select(a => a.Name).OrderBy(n => n).ToListAsync();
            Assert.Equal(["fresh.txt", "sent.txt"], left);
        }
    }

    [Fact]
    public async Task Poll_BadSinceOrLimit_Is400()
    {
        var bot = await _kit.BotAsync();
        var session = await _kit.StartAsync(bot);

        var since = await BodyAsync(await Client.SendAsync(Get($"/api/chat/{session}/poll/?since=yesterday")), 400);
        Assert.Equal("Invalid 'since' parameter format. Use ISO format.", since.GetProperty("error").GetString());
        await BodyAsync(await Client.SendAsync(Get($"/api/chat/{session}/poll/?limit=0")), 400);
    }

    // ---- upload/ ------------------------------------------------------------------------------------------------

    private static MultipartFormDataContent Files(params (string Name, string Type, long Size)[] files)
    {
        var content = new MultipartFormDataContent();
        foreach (var (name, type, size) in files)
        {
            var part = new ByteArrayContent(new byte[size]);
            part.Headers.ContentType = new MediaTypeHeaderValue(type);
            content.Add(part, "files", name);
        }
        content.Add(new StringContent("ocs:test-user"), "participant_remote_id");
        return content;
    }

    [Fact]
    public async Task Upload_StoresFiles_LinksThemToTheMessage_AndServesContent()
    {
        var bot = await _kit.BotAsync(uploads: true);
        var session = await _kit.StartAsync(bot);
        var otherSession = await _kit.StartAsync(bot, "ocs:someone-else");
        var content = new MultipartFormDataContent
        {
            { new ByteArrayContent("hello file"u8.ToArray()) { Headers = { ContentType = new MediaTypeHeaderValue("text/plain") } }, "files", "notes.txt" },
        };

        var uploaded = await BodyAsync(await Client.PostAsync($"/api/chat/{session}/upload/", content), 201);
        var file = uploaded.GetProperty("files")[0];
        Assert.Equal("notes.txt", file.GetProperty("name").GetString());
        Assert.Equal(10, file.GetProperty("size").GetInt64());
        var id = file.GetProperty("id").GetInt32();

        await _kit.SendAsync(session, "see attached", attachments: [id]);
        await _kit.IdleAsync();
        var poll = await BodyAsync(await Client.SendAsync(ApiGet($"/api/chat/{session}/poll/")), 200);
        var attachment = poll.GetProperty("messages")[0].GetProperty("attachments")[0];
        Assert.Equal("notes.txt", attachment.GetProperty("name").GetString());
        var url = attachment.GetProperty("content_url").GetString()!;
        Assert.Equal("hello file", await Client.GetStringAsync(url));

        // Another session cannot reach it, and it cannot be sent twice.
        await BodyAsync(await Client.SendAsync(Get($"/api/chat/{otherSession}/files/{id}/content/")), 404);
        await BodyAsync(await Client.SendAsync(Post($"/api/chat/{session}/message/", new { message = "again", attachment_ids = new[] { id } })), 400);
    }

    [Fact]
    public async Task Upload_Refusals_Are400WithOcsMessages()
    {
        var bot = await _kit.BotAsync(uploads: true);
        var session = await _kit.StartAsync(bot);
        var noUploads = await _kit.BotAsync();
        var noUploadsSession = await _kit.StartAsync(noUploads);

        var none = await BodyAsync(await Client.PostAsync($"/api/chat/{session}/upload/", new MultipartFormDataContent { { new StringContent("x"), "participant_remote_id" } }), 400);
        Assert.Equal("No files provided", none.GetProperty("error").GetString());
        var exe = await BodyAsync(await Client.PostAsync($"/api/chat/{session}/upload/", Files(("run.exe", "application/octet-stream", 10))), 400);
        Assert.StartsWith("File type '.exe' is not supported.", exe.GetProperty("error").GetString());
        var big = await BodyAsync(await Client.PostAsync($"/api/chat/{session}/upload/", Files(("big.pdf", "application/pdf", ChatAttachmentStore.MaxFileBytes + 1))), 400);
        Assert.Equal("File 'big.pdf' exceeds maximum size of 50MB", big.GetProperty("error").GetString());
        var total = await BodyAsync(await Client.PostAsync($"/api/chat/{session}/upload/",
            Files(("a.pdf", "application/pdf", 26L * 1024 * 1024), ("b.pdf", "application/pdf", 25L * 1024 * 1024))), 400);
        Assert.Equal("Total file size exceeds maximum of 50MB", total.GetProperty("error").GetString());
        var disabled = await BodyAsync(await Client.PostAsync($"/api/chat/{noUploadsSession}/upload/", Files(("a.txt", "text/plain", 3))), 400);
        Assert.Contains("not enabled", disabled.GetProperty("error").GetString());
    }

    // ---- stream ----------------------------------------------------------------------------------------------------

    [Fact]
    public async Task Stream_SendsDeltasThenFinalMessageThenDone_AlsoToLateSubscribers()
    {
        var bot = await _kit.BotAsync();
        var session = await _kit.StartAsync(bot);
        var taskId = await _kit.SendAsync(session, "stream please");

        var live = await Client.GetStringAsync($"/api/chat/{session}/{taskId}/stream/");
        await _kit.IdleAsync();
        var late = await Client.GetStringAsync($"/api/chat/{session}/{taskId}/stream/");

        foreach (var text in new[] { live, late })
        {
            var events = ParseEvents(text);
            Assert.Equal("done", events[^1].Name);
            Assert.Equal("message", events[^2].Name);
            var message = JsonDocument.Parse(events[^2].Data).RootElement;
            Assert.Equal("assistant", message.GetProperty("role").GetString());
            var deltas = string.Concat(events.Where(e => e.Name == "delta").Select(e => JsonDocument.Parse(e.Data).RootElement.GetProperty("text").GetString()));
            Assert.True(deltas.Length == 0 || message.GetProperty("content").GetString()!.StartsWith(deltas, StringComparison.Ordinal), deltas);
        }
    }

    private static List<(string Name, string Data)> ParseEvents(string text) =>
        text.Split("\n\n", StringSplitOptions.RemoveEmptyEntries)
            .Select(block => block.Split('\n'))
            .Select(lines => (lines.First(l => l.StartsWith("event: ", StringComparison.Ordinal)).Substring(7), lines.First(l => l.StartsWith("data: ", StringComparison.Ordinal)).Substring(6)))
            .ToList();

    // ---- CORS ------------------------------------------------------------------------------------------------------

    [Fact]
    public async Task Cors_PreflightAndErrors_OnChatApiOnly()
    {
        var preflight = new HttpRequestMessage(HttpMethod.Options, "/api/chat/start/");
        preflight.Headers.Add("Origin", "http://third-party.test");
        preflight.Headers.Add("Access-Control-Request-Method", "POST");
        preflight.Headers.Add("Access-Control-Request-Headers", "content-type,x-ocs-widget-version,x-embed-key");

        var response = await Client.SendAsync(preflight);

        Assert.True(response.IsSuccessStatusCode, response.StatusCode.ToString());
        Assert.Equal("*", response.Headers.GetValues("Access-Control-Allow-Origin").Single());
        var allowed = response.Headers.GetValues("Access-Control-Allow-Headers").Single();
        foreach (var header in new[] { "content-type", "x-ocs-widget-version", "x-embed-key" })
        {
            Assert.Contains(header, allowed);
        }
        Assert.DoesNotContain("x-csrftoken", allowed);
        Assert.Contains("POST", response.Headers.GetValues("Access-Control-Allow-Methods").Single());
        Assert.Equal("86400", response.Headers.GetValues("Access-Control-Max-Age").Single());

        var sessionPreflight = new HttpRequestMessage(HttpMethod.Options, $"/api/chat/{Guid.NewGuid()}/{Guid.NewGuid()}/poll/");
        Assert.True((await Client.SendAsync(sessionPreflight)).IsSuccessStatusCode);

        var error = await Client.SendAsync(Get($"/api/chat/{Guid.NewGuid()}/poll/", origin: "http://third-party.test"));
        Assert.Equal(HttpStatusCode.NotFound, error.StatusCode);
        Assert.Equal("*", error.Headers.GetValues("Access-Control-Allow-Origin").Single());
        Assert.Contains("Retry-After", error.Headers.GetValues("Access-Control-Expose-Headers").Single());

        var openAi = new HttpRequestMessage(HttpMethod.Post, $"/api/openai/{Guid.NewGuid()}/chat/completions");
        openAi.Headers.Add("Origin", "http://third-party.test");
        Assert.False((await Client.SendAsync(openAi)).Headers.Contains("Access-Control-Allow-Origin"));
    }
}

/// <summary>Rate limits, on a host configured with tiny limits.</summary>
public class ChatApiRateLimitTests : IAsyncLifetime
{
    private readonly OcsAppFactory _app = new();

    public async Task InitializeAsync()
    {
        _app.ExtraSettings["ChatApi:SessionRequestsPerWindow"] = "3";
        _app.ExtraSettings["ChatApi:StartsPerIpPerWindow"] = "2";
        _app.ExtraSettings["ChatApi:WindowSeconds"] = "3600";
        await ((IAsyncLifetime)_app).InitializeAsync();
    }

    public Task DisposeAsync() => ((IAsyncLifetime)_app).DisposeAsync();

    [Fact]
    public async Task SessionAndStartLimits_Answer429WithRetryAfter()
    {
        var kit = new ChatApiTestKit(_app);
        var bot = await kit.BotAsync();
        var client = _app.NewClient();
        var session = await kit.StartAsync(bot);

        for (var i = 0; i < 3; i++)
        {
            await BodyAsync(await client.SendAsync(Json(HttpMethod.Get, $"/api/chat/{session}/poll/", null)), 200);
        }
        var limited = await client.SendAsync(Json(HttpMethod.Get, $"/api/chat/{session}/poll/", null));
        var body = await BodyAsync(limited, 429);
        Assert.Equal("Rate limit exceeded.", body.GetProperty("detail").GetString());
        var retryAfter = int.Parse(limited.Headers.GetValues("Retry-After").Single());
        Assert.InRange(retryAfter, 1, 3600);
        Assert.Equal(retryAfter, body.GetProperty("available_in").GetInt32());
        Assert.Equal("*", limited.Headers.GetValues("Access-Control-Allow-Origin").Single());

        // Another session is not affected; starts are limited per IP (one start used above).
        var second = await kit.StartAsync(bot, "ocs:second");
        await BodyAsync(await client.SendAsync(Json(HttpMethod.Get, $"/api/chat/{second}/poll/", null)), 200);
        var start = await client.SendAsync(Json(HttpMethod.Post, "/api/chat/start/", StartBody(bot.PublicId)));
        await BodyAsync(start, 429);
        Assert.True(start.Headers.Contains("Retry-After"));
    }
}
