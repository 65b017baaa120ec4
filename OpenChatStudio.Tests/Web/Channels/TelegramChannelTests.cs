using System.Net;
using System.Text;
using OpenChatStudio.Tests.TestSupport.Fakes;
using System.Text.Json.Nodes;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.DependencyInjection;
using OpenChatStudio.Core.Channels;
using OpenChatStudio.Core.Channels.Messaging;
using OpenChatStudio.Core.Chat;
using OpenChatStudio.Core.Data;
using OpenChatStudio.Core.Participants;

namespace OpenChatStudio.Tests.Web.Channels;

/// <summary>
/// Telegram end to end: the real webhook on Kestrel, the real database, the offline model, and a protocol-accurate fake of
/// the Telegram Bot API that registers the webhook, delivers updates to it with the secret header and receives the replies.
/// </summary>
public sealed class TelegramChannelTests(MessagingFixture fixture) : IClassFixture<MessagingFixture>
{
    private static long NewChat() => Random.Shared.NextInt64(1_000_000, 9_000_000_000);

    [Fact]
    public async Task Connecting_RegistersTheWebhook_AndAParticipantIsAnsweredInTheirChat()
    {
        var (bot, telegramBot, channel) = await fixture.ConnectAsync();
        Assert.Equal($"{fixture.App.BaseAddress.ToString().TrimEnd('/')}/channels/telegram/{channel.Id}", telegramBot.WebhookUrl);
        Assert.False(string.IsNullOrEmpty(telegramBot.SecretToken));

        var chat = NewChat();
        var response = await fixture.Telegram.SendUpdateAsync(telegramBot, fixture.Telegram.TextUpdate(chat, "Hello there & <friends>"));
        Assert.Equal(HttpStatusCode.OK, response.StatusCode);

        var sent = await fixture.Telegram.WaitForMessagesAsync(chat, 1);
        Assert.Equal("HTML", sent[0].ParseMode, ignoreCase: true);
        Assert.Contains("you said &quot;Hello there &amp; &lt;friends&gt;&quot;", sent[0].Text);
        Assert.Contains("sendChatAction", fixture.Telegram.Calls);

        await using var db = fixture.Db();
        var session = await db.ChatSessions.IgnoreQueryFilters().SingleAsync(s => s.ChannelId == channel.Id);
        Assert.Equal(ParticipantPlatforms.Telegram, session.Platform);
        var participant = await db.Participants.IgnoreQueryFilters().SingleAsync(p => p.Id == session.ParticipantId);
        Assert.Equal(chat.ToString(System.Globalization.CultureInfo.InvariantCulture), participant.Identifier);
        Assert.Equal("Ada", participant.Name);
        var messages = await db.ChatMessages.IgnoreQueryFilters().Where(m => m.SessionId == session.Id).OrderBy(m => m.Sequence).ToListAsync();
        Assert.Equal([MessageRole.Human, MessageRole.Ai], messages.Select(m => m.Role));
        var outbound = await WaitForDeliveryAsync(messages[1].Id);
        Assert.Equal(OutboundStatus.Sent, outbound.Status);
        Assert.Contains(sent[0].MessageId.ToString(System.Globalization.CultureInfo.InvariantCulture), outbound.PlatformIdsJson);
    }

    [Fact]
    public async Task AWrongBotToken_IsRefusedWithAPlainReason_AndNothingIsStored()
    {
        var bot = await new Api.ChatApiTestKit(fixture.App).BotAsync();
        var service = fixture.App.Services.GetRequiredService<MessagingChannelService>();

        var badShape = await service.CreateAsync(bot.Access, bot.Id, ChannelKind.Telegram, null, new Dictionary<string, string>(),
            new Dictionary<string, string> { ["bot_token"] = "not a token" }, fixture.App.BaseAddress.ToString(), CancellationToken.None);
        Assert.False(badShape.Succeeded);
        Assert.Contains("does not look like a Telegram bot token", badShape.Error);

        var unknown = await service.CreateAsync(bot.Access, bot.Id, ChannelKind.Telegram, null, new Dictionary<string, string>(),
            new Dictionary<string, string> { ["bot_token"] = "123456789:AAEunknownunknownunknownunknown" }, fixture.App.BaseAddress.ToString(),
            CancellationToken.None);
        Assert.False(unknown.Succeeded);
        Assert.Contains("Telegram refused the bot token", unknown.Error);

        var missing = await service.CreateAsync(bot.Access, bot.Id, ChannelKind.Telegram, null, new Dictionary<string, string>(),
            new Dictionary<string, string>(), fixture.App.BaseAddress.ToString(), CancellationToken.None);
        Assert.False(missing.Succeeded);
        Assert.Contains("bot token", missing.Error);

        await using var db = fixture.Db();
        Assert.False(await db.ChatbotChannels.IgnoreQueryFilters().AnyAsync(c => c.ChatbotId == bot.Id));
    }

    [Fact]
    public async Task BadWebhookCalls_Get4xx_AndStoreNothing()
    {
        var (_, telegramBot, channel) = await fixture.ConnectAsync();
        var chat = NewChat();
        using var http = fixture.App.NewClient();

        var wrongSecret = await fixture.Telegram.SendUpdateAsync(telegramBot, fixture.Telegram.TextUpdate(chat, "hi"), secretOverride: "guess");
        Assert.Equal(HttpStatusCode.Forbidden, wrongSecret.StatusCode);

        async Task<HttpResponseMessage> PostAsync(string url, string body, string? secret)
        {
            var request = new HttpRequestMessage(HttpMethod.Post, url) { Content = new StringContent(body, Encoding.UTF8, "application/json") };
            if (secret is not null)
            {
                request.Headers.Add("X-Telegram-Bot-Api-Secret-Token", secret);
            }
            return await http.SendAsync(request);
        }

        var path = $"/channels/telegram/{channel.Id}";
        Assert.Equal(HttpStatusCode.Forbidden, (await PostAsync(path, "{}", null)).StatusCode);
        var malformed = await PostAsync(path, "{\"update_id\": 5, \"message\": {", telegramBot.SecretToken);
        Assert.Equal(HttpStatusCode.BadRequest, malformed.StatusCode);
        Assert.Contains("Not a Telegram update", await malformed.Content.ReadAsStringAsync());
        Assert.Equal(HttpStatusCode.BadRequest, (await PostAsync(path, "{\"message\": {}}", telegramBot.SecretToken)).StatusCode);
        foreach (var oddShape in new[] { "{\"update_id\": 5, \"message\": {}}", "{\"update_id\": 6, \"message\": {\"chat\": 7}}", "[1, 2]", "\"text\"" })
        {
            var odd = await PostAsync(path, oddShape, telegramBot.SecretToken);
            Assert.True(odd.StatusCode is HttpStatusCode.BadRequest or HttpStatusCode.OK, $"{oddShape}: {odd.StatusCode}");
        }
        Assert.Equal(HttpStatusCode.NotFound, (await PostAsync($"/channels/telegram/{Guid.NewGuid()}", "{}", telegramBot.SecretToken)).StatusCode);
        Assert.Equal(HttpStatusCode.NotFound, (await PostAsync("/channels/telegram/not-a-guid", "{}", telegramBot.SecretToken)).StatusCode);
        Assert.Equal(HttpStatusCode.NotFound, (await PostAsync($"/channels/whatsapp-nonsense/{channel.Id}", "{}", telegramBot.SecretToken)).StatusCode);
        var huge = new string('x', (int)ChannelWebhooksLimit + 10);
        var oversized = await PostAsync(path, "{\"update_id\": 7, \"pad\": \"" + huge + "\"}", telegramBot.SecretToken);
        Assert.Equal(HttpStatusCode.RequestEntityTooLarge, oversized.StatusCode);

        await using var db = fixture.Db();
        Assert.False(await db.InboundMessages.IgnoreQueryFilters().AnyAsync(m => m.ChannelId == channel.Id));
        Assert.False(await db.ChatSessions.IgnoreQueryFilters().AnyAsync(s => s.ChannelId == channel.Id));
        Assert.Empty(fixture.Telegram.SentTo(chat));
    }

    private const long ChannelWebhooksLimit = OpenChatStudio.Web.Api.ChannelWebhooks.MaxBodyBytes;

    [Fact]
    public async Task TheSameUpdateDelivered50TimesAtOnce_IsAnsweredOnce()
    {
        var (_, telegramBot, channel) = await fixture.ConnectAsync();
        var chat = NewChat();
        var update = fixture.Telegram.TextUpdate(chat, "Only once please");

        var responses = await Task.WhenAll(Enumerable.Range(0, 50).Select(_ => fixture.Telegram.SendUpdateAsync(telegramBot, update)));
        Assert.All(responses, r => Assert.Equal(HttpStatusCode.OK, r.StatusCode));

        await fixture.Telegram.WaitForMessagesAsync(chat, 1);
        await using var db = fixture.Db();
        var session = await db.ChatSessions.IgnoreQueryFilters().SingleAsync(s => s.ChannelId == channel.Id);
        await WaitUntilAsync(async () => await db.OutboundMessages.IgnoreQueryFilters().AnyAsync(o => o.SessionId == session.Id && o.Status == OutboundStatus.Sent));
        Assert.Equal(1, await db.InboundMessages.IgnoreQueryFilters().CountAsync(m => m.ChannelId == channel.Id));
        Assert.Equal(2, await db.ChatMessages.IgnoreQueryFilters().CountAsync(m => m.SessionId == session.Id));
        Assert.Single(fixture.Telegram.SentTo(chat));
    }

    [Fact]
    public async Task TwentyQuickMessagesInOneChat_AreAnsweredInOrder()
    {
        var (_, telegramBot, _) = await fixture.ConnectAsync();
        var chat = NewChat();
        var updates = Enumerable.Range(1, 20).Select(i => fixture.Telegram.TextUpdate(chat, $"message {i}")).ToList();

        // Sent one after another without waiting for answers, as a fast typist's phone does.
        foreach (var update in updates)
        {
            Assert.Equal(HttpStatusCode.OK, (await fixture.Telegram.SendUpdateAsync(telegramBot, update)).StatusCode);
        }

        var sent = await fixture.Telegram.WaitForMessagesAsync(chat, 20, TimeSpan.FromSeconds(60));
        Assert.Equal(Enumerable.Range(1, 20).Select(i => $"message {i}&quot;"), sent.Select(m => m.Text[(m.Text.IndexOf("message ", StringComparison.Ordinal))..].TrimEnd('.')));
    }

    [Fact]
    public async Task AReplyLongerThanTelegramsLimit_IsSplitOnSentenceBoundaries()
    {
        var (_, telegramBot, _) = await fixture.ConnectAsync();
        var chat = NewChat();
        var text = string.Join(" ", Enumerable.Range(1, 100).Select(i => $"Sentence number {i} is here to make this message long enough."));
        Assert.InRange(text.Length, 5000, 8000);

        await fixture.Telegram.SendUpdateAsync(telegramBot, fixture.Telegram.TextUpdate(chat, text));

        var sent = await fixture.Telegram.WaitForMessagesAsync(chat, 2);
        Assert.Equal(2, sent.Count);
        Assert.All(sent, m => Assert.True(WebUtility.HtmlDecode(m.Text).Length <= 4096));
        Assert.EndsWith("long enough.", sent[0].Text);
        Assert.StartsWith("Sentence number", sent[1].Text);
        Assert.Contains("Sentence number 100 is here", sent[1].Text);
    }

    [Fact]
    public async Task ARateLimitedSend_IsRetriedAfterTelegramsWait()
    {
        var (bot, telegramBot, channel) = await fixture.ConnectAsync();
        var chat = NewChat();
        fixture.Telegram.FailNext(telegramBot, "sendMessage", 429, "Too Many Requests: retry after 1", retryAfter: 1);

        await fixture.Telegram.SendUpdateAsync(telegramBot, fixture.Telegram.TextUpdate(chat, "Are you there?"));

        var sent = await fixture.Telegram.WaitForMessagesAsync(chat, 1);
        Assert.Contains("Are you there?", sent[0].Text);
        await using var db = fixture.Db();
        var outbound = await db.OutboundMessages.IgnoreQueryFilters().SingleAsync(o => o.ChannelId == channel.Id);
        await WaitUntilAsync(async () => (await db.OutboundMessages.IgnoreQueryFilters().AsNoTracking().SingleAsync(o => o.Id == outbound.Id)).Status == OutboundStatus.Sent);
        Assert.Equal(2, (await db.OutboundMessages.IgnoreQueryFilters().AsNoTracking().SingleAsync(o => o.Id == outbound.Id)).Attempts);
    }

    [Fact]
    public async Task AParticipantWhoBlocksTheBot_IsMarked_AndLaterBotMessagesAreNotSent()
    {
        var (bot, telegramBot, channel) = await fixture.ConnectAsync();
        var chat = NewChat();
        await fixture.Telegram.SendUpdateAsync(telegramBot, fixture.Telegram.TextUpdate(chat, "Hi"));
        await fixture.Telegram.WaitForMessagesAsync(chat, 1);

        telegramBot.Blocked[chat] = true;
        Assert.Equal(HttpStatusCode.OK, (await fixture.Telegram.SendUpdateAsync(telegramBot, fixture.Telegram.BlockedUpdate(chat))).StatusCode);

        await using var db = fixture.Db();
        var session = await db.ChatSessions.IgnoreQueryFilters().SingleAsync(s => s.ChannelId == channel.Id);
        var participant = await db.Participants.IgnoreQueryFilters().AsNoTracking().SingleAsync(p => p.Id == session.ParticipantId);
        Assert.NotNull(participant.UnreachableSince);

        // A scheduled message falls due: it is stored, marked not delivered, and nothing reaches Telegram.
        var turn = await fixture.App.Services.GetRequiredService<ChatRuntime>()
            .SendBotMessageAsync(bot.Access.TeamId, session.Id, "Remind them to drink water", "schedule", CancellationToken.None);
        Assert.Null(turn.Error);
        await WaitUntilAsync(async () => await db.OutboundMessages.IgnoreQueryFilters().AnyAsync(o => o.MessageId == turn.Reply!.MessageId && o.Status == OutboundStatus.Failed));
        var failed = await db.OutboundMessages.IgnoreQueryFilters().SingleAsync(o => o.MessageId == turn.Reply!.MessageId);
        Assert.Equal(ChannelOutbox.UnreachableError, failed.Error);
        Assert.Single(fixture.Telegram.SentTo(chat));
    }

    [Fact]
    public async Task ABlockedSend_MarksTheParticipantUnreachable()
    {
        var (bot, telegramBot, channel) = await fixture.ConnectAsync();
        var chat = NewChat();
        telegramBot.Blocked[chat] = true;

        await fixture.Telegram.SendUpdateAsync(telegramBot, fixture.Telegram.TextUpdate(chat, "Hi"));

        await using var db = fixture.Db();
        await WaitUntilAsync(async () => await db.OutboundMessages.IgnoreQueryFilters().AnyAsync(o => o.ChannelId == channel.Id && o.Status == OutboundStatus.Failed));
        var session = await db.ChatSessions.IgnoreQueryFilters().SingleAsync(s => s.ChannelId == channel.Id);
        Assert.NotNull((await db.Participants.IgnoreQueryFilters().AsNoTracking().SingleAsync(p => p.Id == session.ParticipantId)).UnreachableSince);
        Assert.Empty(fixture.Telegram.SentTo(chat));
    }

    [Fact]
    public async Task AScheduledMessage_IsDeliveredToTheParticipantsTelegramChat()
    {
        var (bot, telegramBot, channel) = await fixture.ConnectAsync();
        var chat = NewChat();
        await fixture.Telegram.SendUpdateAsync(telegramBot, fixture.Telegram.TextUpdate(chat, "Hi"));
        await fixture.Telegram.WaitForMessagesAsync(chat, 1);
        await using var db = fixture.Db();
        var session = await db.ChatSessions.IgnoreQueryFilters().SingleAsync(s => s.ChannelId == channel.Id);

        var turn = await fixture.App.Services.GetRequiredService<ChatRuntime>()
            .SendBotMessageAsync(bot.Access.TeamId, session.Id, "Ask how the week went", "schedule", CancellationToken.None);

        Assert.Null(turn.Error);
        var sent = await fixture.Telegram.WaitForMessagesAsync(chat, 2);
        Assert.Contains("Ask how the week went", sent[1].Text);
    }

    [Fact]
    public async Task Reset_EndsTheSession_AndTheNextMessageStartsANewOne()
    {
        var (_, telegramBot, channel) = await fixture.ConnectAsync();
        var chat = NewChat();
        await fixture.Telegram.SendUpdateAsync(telegramBot, fixture.Telegram.TextUpdate(chat, "First conversation"));
        await fixture.Telegram.WaitForMessagesAsync(chat, 1);

        await fixture.Telegram.SendUpdateAsync(telegramBot, fixture.Telegram.TextUpdate(chat, "/reset"));
        var sent = await fixture.Telegram.WaitForMessagesAsync(chat, 2);
        Assert.Equal(MessagingInbox.ResetReply, sent[1].Text);
        await fixture.Telegram.SendUpdateAsync(telegramBot, fixture.Telegram.TextUpdate(chat, "Second conversation"));
        await fixture.Telegram.WaitForMessagesAsync(chat, 3);

        await using var db = fixture.Db();
        var sessions = await db.ChatSessions.IgnoreQueryFilters().Where(s => s.ChannelId == channel.Id).OrderBy(s => s.CreatedAt).ToListAsync();
        Assert.Equal(2, sessions.Count);
        Assert.Equal(SessionEndReasons.Reset, sessions[0].EndReason);
        Assert.Null(sessions[1].EndedAt);
        var second = await db.ChatMessages.IgnoreQueryFilters().Where(m => m.SessionId == sessions[1].Id && m.Role == MessageRole.Human).Select(m => m.Content).ToListAsync();
        Assert.Equal(["Second conversation"], second);
    }

    [Fact]
    public async Task APhotoWithACaption_IsStoredWithTheMessage()
    {
        var (_, telegramBot, channel) = await fixture.ConnectAsync();
        var chat = NewChat();
        var fileId = $"photo-{Guid.NewGuid():N}";
        fixture.Telegram.AddFile(fileId, [0xFF, 0xD8, 0xFF, 0xE0, 1, 2, 3]);
        var photo = new JsonArray(new JsonObject { ["file_id"] = fileId, ["file_unique_id"] = fileId, ["width"] = 90, ["height"] = 90 });

        await fixture.Telegram.SendUpdateAsync(telegramBot,
            fixture.Telegram.MessageUpdate(chat, "Ada", new JsonObject { ["photo"] = photo, ["caption"] = "What is this?" }));

        await fixture.Telegram.WaitForMessagesAsync(chat, 1);
        await using var db = fixture.Db();
        var session = await db.ChatSessions.IgnoreQueryFilters().SingleAsync(s => s.ChannelId == channel.Id);
        var human = await db.ChatMessages.IgnoreQueryFilters().SingleAsync(m => m.SessionId == session.Id && m.Role == MessageRole.Human);
        Assert.Equal("What is this?", human.Content);
        var file = await db.ChatAttachments.IgnoreQueryFilters().SingleAsync(a => a.SessionId == session.Id);
        Assert.Equal(human.Id, file.MessageId);
        Assert.Equal(7, file.Size);
    }

    [Fact]
    public async Task ADisabledChannel_AnswersWithItsMessage_AndRunsNoTurn()
    {
        var (bot, telegramBot, channel) = await fixture.ConnectAsync();
        var updated = await fixture.App.Services.GetRequiredService<ChannelService>().UpdateAsync(bot.Access, channel.Id,
            new ChannelUpdate(channel.Name, Enabled: false, "We are closed for the holidays.", null), CancellationToken.None);
        Assert.True(updated.Succeeded, updated.Error);
        var chat = NewChat();

        await fixture.Telegram.SendUpdateAsync(telegramBot, fixture.Telegram.TextUpdate(chat, "Hello?"));

        var sent = await fixture.Telegram.WaitForMessagesAsync(chat, 1);
        Assert.Equal("We are closed for the holidays.", sent[0].Text);
        await using var db = fixture.Db();
        Assert.False(await db.InboundMessages.IgnoreQueryFilters().AnyAsync(m => m.ChannelId == channel.Id));
    }

    [Fact]
    public async Task APartInFlightWhenTheServerStopped_IsNotSentAgain()
    {
        var (bot, telegramBot, channel) = await fixture.ConnectAsync();
        var chat = NewChat();
        await fixture.Telegram.SendUpdateAsync(telegramBot, fixture.Telegram.TextUpdate(chat, "Hi"));
        await fixture.Telegram.WaitForMessagesAsync(chat, 1);
        await using var db = fixture.Db();
        var session = await db.ChatSessions.IgnoreQueryFilters().SingleAsync(s => s.ChannelId == channel.Id);
        await WaitUntilAsync(async () => !await db.OutboundMessages.IgnoreQueryFilters().AnyAsync(o => o.SessionId == session.Id && o.Status == OutboundStatus.Pending));

        // A two-part bot message whose first part was being sent when the process died (written as the sender leaves it).
        var text = string.Join(" ", Enumerable.Range(1, 150).Select(i => $"Part sentence {i} with some words in it."));
        var last = await db.ChatMessages.IgnoreQueryFilters().Where(m => m.SessionId == session.Id).MaxAsync(m => m.Sequence);
        var message = new ChatMessage(bot.Access.TeamId, session.Id, last + 1, MessageRole.Ai, text);
        db.ChatMessages.Add(message);
        var row = new OutboundMessage(bot.Access.TeamId, session.Id, message.Id, channel.Id, DateTime.UtcNow.AddMinutes(-5))
        {
            Attempts = 1,
            PartInFlight = 0,
        };
        db.OutboundMessages.Add(row);
        await db.SaveChangesAsync();

        await fixture.App.Services.GetRequiredService<ChannelOutbox>().SweepAsync(CancellationToken.None);

        await WaitUntilAsync(async () => (await db.OutboundMessages.IgnoreQueryFilters().AsNoTracking().SingleAsync(o => o.Id == row.Id)).Status == OutboundStatus.Sent);
        var sent = fixture.Telegram.SentTo(chat);
        Assert.Equal(2, sent.Count);   // the first reply, then only the second part
        Assert.StartsWith("Part sentence", sent[1].Text);
        Assert.DoesNotContain("Part sentence 1 with", sent[1].Text);
        var stored = await db.OutboundMessages.IgnoreQueryFilters().AsNoTracking().SingleAsync(o => o.Id == row.Id);
        Assert.Contains("may not have arrived", stored.Error);
        Assert.Equal(2, stored.PartsSent);
    }

    [Fact]
    public async Task ADueScheduledMessage_ReachesTheTelegramChat_EvenAfterTheConversationEnded()
    {
        var (bot, telegramBot, channel) = await fixture.ConnectAsync();
        var chat = NewChat();
        await fixture.Telegram.SendUpdateAsync(telegramBot, fixture.Telegram.TextUpdate(chat, "Hi"));
        await fixture.Telegram.WaitForMessagesAsync(chat, 1);
        await using AppDbContext db = fixture.Db();
        var first = await db.ChatSessions.IgnoreQueryFilters().AsNoTracking().SingleAsync(s => s.ChannelId == channel.Id);
        await fixture.App.Services.GetRequiredService<ChatRuntime>().EndSessionAsync(bot.Access.TeamId, first.Id, SessionEndReasons.Bot, CancellationToken.None);
        var created = await fixture.App.Services.GetRequiredService<OpenChatStudio.Core.Scheduling.ScheduleService>().CreateAsync(bot.Access.TeamId, bot.Id,
            first.ParticipantId, new OpenChatStudio.Core.Scheduling.ScheduleRequest("check-in", "Ask how the week went", DateTime.UtcNow.AddSeconds(-1)),
            CancellationToken.None);
        Assert.True(created.Succeeded, created.Error);

        await fixture.App.Services.GetRequiredService<OpenChatStudio.Core.Scheduling.ScheduleDelivery>().DeliverDueAsync(CancellationToken.None);

        var sent = await fixture.Telegram.WaitForMessagesAsync(chat, 2);
        Assert.Contains("Ask how the week went", sent[1].Text);
        var sessions = await db.ChatSessions.IgnoreQueryFilters().AsNoTracking().Where(s => s.ParticipantId == first.ParticipantId).ToListAsync();
        Assert.Equal(2, sessions.Count);
        Assert.All(sessions, s => Assert.Equal(channel.Id, s.ChannelId));
    }

    [Fact]
    public async Task AMessageAcceptedJustBeforeACrash_IsAnsweredOnceAfterTheRestart_AndItsRedeliveryIsNot()
    {
        var (bot, telegramBot, channel) = await fixture.ConnectAsync();
        var chat = NewChat();
        await fixture.Telegram.SendUpdateAsync(telegramBot, fixture.Telegram.TextUpdate(chat, "Hi"));
        await fixture.Telegram.WaitForMessagesAsync(chat, 1);
        await using AppDbContext db = fixture.Db();
        var session = await db.ChatSessions.IgnoreQueryFilters().AsNoTracking().SingleAsync(s => s.ChannelId == channel.Id);

        // What the webhook stored before the process died: the inbox row, acknowledged to Telegram, never run.
        var update = fixture.Telegram.TextUpdate(chat, "Did you get this?");
        var updateId = update["update_id"]!.ToString();
        db.InboundMessages.Add(new InboundMessage(bot.Access.TeamId, session.Id, "Did you get this?", [], channel.Id, updateId, DateTime.UtcNow.AddMinutes(-1)));
        await db.SaveChangesAsync();

        var inbox = fixture.App.Services.GetRequiredService<ChatInbox>();
        Assert.Equal(1, await inbox.RecoverAsync(CancellationToken.None));
        var sent = await fixture.Telegram.WaitForMessagesAsync(chat, 2);
        Assert.Contains("Did you get this?", sent[1].Text);

        // Telegram redelivers the update (it never saw our 200) and the next start recovers again: still one answer.
        await inbox.WhenIdleAsync();
        Assert.Equal(HttpStatusCode.OK, (await fixture.Telegram.SendUpdateAsync(telegramBot, update)).StatusCode);
        Assert.Equal(0, await inbox.RecoverAsync(CancellationToken.None));
        await fixture.App.Services.GetRequiredService<ChannelOutbox>().SweepAsync(CancellationToken.None);
        await fixture.App.Services.GetRequiredService<ChannelOutbox>().WhenIdleAsync();
        Assert.Equal(2, fixture.Telegram.SentTo(chat).Count);
        Assert.Equal(1, await db.ChatMessages.IgnoreQueryFilters().CountAsync(m => m.SessionId == session.Id && m.Content == "Did you get this?"));
    }

    [Fact]
    public async Task AVoiceNote_IsTranscribedByTheChannelsProvider_StoredWithTheMessage_AndAnswered()
    {
        var (bot, telegramBot, channel) = await fixture.ConnectAsync();
        await using var openAi = await FakeOpenAiServer.StartAsync();
        var provider = (await fixture.App.Services.GetRequiredService<OpenChatStudio.Core.Providers.ProviderService>().CreateAsync(bot.Access,
            new OpenChatStudio.Core.Providers.ProviderInput("Whisper", OpenChatStudio.Core.Llm.LlmProviderType.OpenAICompatible, openAi.BaseUri.ToString(), "sk-voice"),
            CancellationToken.None));
        Assert.True(provider.Succeeded, provider.Error);
        var messaging = fixture.App.Services.GetRequiredService<MessagingChannelService>();
        var chat = NewChat();
        var voice = new JsonObject { ["voice"] = new JsonObject { ["file_id"] = "", ["file_unique_id"] = "v", ["duration"] = 3, ["mime_type"] = "audio/ogg" } };
        JsonObject VoiceUpdate(string says)
        {
            var fileId = $"voice-{Guid.NewGuid():N}";
            fixture.Telegram.AddFile(fileId, Encoding.UTF8.GetBytes(says));
            voice["voice"]!["file_id"] = fileId;
            return fixture.Telegram.MessageUpdate(chat, "Ada", voice);
        }

        // Without a provider: a plain answer, and the bot does not run.
        await fixture.Telegram.SendUpdateAsync(telegramBot, VoiceUpdate("I feel dizzy"));
        var sent = await fixture.Telegram.WaitForMessagesAsync(chat, 1);
        Assert.Equal(MessagingInbox.VoiceNotSupportedReply, sent[0].Text);

        Assert.True((await messaging.SetTranscriptionAsync(bot.Access, channel.Id, provider.Value!.Id, null, CancellationToken.None)).Succeeded);
        await fixture.Telegram.SendUpdateAsync(telegramBot, VoiceUpdate("I feel dizzy"));

        sent = await fixture.Telegram.WaitForMessagesAsync(chat, 2);
        Assert.Contains("you said &quot;I feel dizzy", sent[1].Text);
        var call = Assert.Single(openAi.Transcriptions);
        Assert.Equal((VoiceTranscriber.DefaultModel, "Bearer sk-voice"), (call.Model, call.Authorization));
        await using AppDbContext db = fixture.Db();
        var human = await db.ChatMessages.IgnoreQueryFilters().SingleAsync(m => m.Content == "I feel dizzy" && db.ChatSessions.Any(s => s.Id == m.SessionId && s.ChannelId == channel.Id));
        Assert.Equal("audio/ogg", (await db.ChatAttachments.IgnoreQueryFilters().SingleAsync(a => a.MessageId == human.Id)).ContentType);

        // A provider failure: a plain answer, never the provider's error text.
        await fixture.Telegram.SendUpdateAsync(telegramBot, VoiceUpdate("FAIL please"));
        sent = await fixture.Telegram.WaitForMessagesAsync(chat, 3);
        Assert.Equal(MessagingInbox.VoiceFailedReply, sent[2].Text);
    }

    [Fact]
    public async Task ConversationalConsent_AsksFirst_AndAnswersTheFirstMessageOnceTheParticipantAgrees()
    {
        var bot = await new Api.ChatApiTestKit(fixture.App).BotAsync(publish: false);
        var resources = fixture.App.Services.GetRequiredService<OpenChatStudio.Core.Chatbots.ResourceService>();
        var form = (await resources.CreateConsentFormAsync(bot.Access, new OpenChatStudio.Core.Chatbots.ConsentFormInput("Study consent",
            "This chat is part of a study. Your messages are stored for research.", false, "", "text", "I agree", false), CancellationToken.None)).Value!;
        var telegramBot = fixture.Telegram.AddBot();
        var messaging = fixture.App.Services.GetRequiredService<MessagingChannelService>();
        var channel = (await messaging.CreateAsync(bot.Access, bot.Id, ChannelKind.Telegram, null, new Dictionary<string, string>(),
            new Dictionary<string, string> { ["bot_token"] = telegramBot.Token }, fixture.App.BaseAddress.ToString(), CancellationToken.None)).Value!;
        var tooEarly = await messaging.SetConsentAsync(bot.Access, channel.Id, true, CancellationToken.None);
        Assert.False(tooEarly.Succeeded);
        Assert.Contains("consent form", tooEarly.Error);
        var chatbots = fixture.App.Services.GetRequiredService<OpenChatStudio.Core.Chatbots.ChatbotService>();
        Assert.True((await chatbots.UpdateSettingsAsync(bot.Access, bot.Id,
            new OpenChatStudio.Core.Chatbots.ChatbotSettings("Study bot", "", null, [], false, form.Id), CancellationToken.None)).Succeeded);
        Assert.True((await fixture.App.Services.GetRequiredService<OpenChatStudio.Core.Versions.VersionService>()
            .CreateAsync(bot.Access, bot.Id, "v1", true, "Tester", CancellationToken.None)).Succeeded);
        Assert.True((await messaging.SetConsentAsync(bot.Access, channel.Id, true, CancellationToken.None)).Succeeded);
        var chat = NewChat();

        await fixture.Telegram.SendUpdateAsync(telegramBot, fixture.Telegram.TextUpdate(chat, "What is the study about?"));
        var asked = await fixture.Telegram.WaitForMessagesAsync(chat, 1);
        Assert.Contains("This chat is part of a study.", asked[0].Text);
        Assert.Contains(MessagingInbox.ConsentQuestion, asked[0].Text);
        await fixture.Telegram.SendUpdateAsync(telegramBot, fixture.Telegram.TextUpdate(chat, "why?"));
        var reminded = await fixture.Telegram.WaitForMessagesAsync(chat, 2);
        Assert.Equal(MessagingInbox.ConsentReminder, reminded[1].Text);
        await using AppDbContext db = fixture.Db();
        var session = await db.ChatSessions.IgnoreQueryFilters().AsNoTracking().SingleAsync(s => s.ChannelId == channel.Id);
        Assert.Equal((SessionStatus.Pending, (DateTime?)null), (session.Status, session.ConsentedAt));

        await fixture.Telegram.SendUpdateAsync(telegramBot, fixture.Telegram.TextUpdate(chat, "1"));

        var answered = await fixture.Telegram.WaitForMessagesAsync(chat, 3);
        Assert.Contains("you said &quot;What is the study about?&quot;", answered[2].Text);
        session = await db.ChatSessions.IgnoreQueryFilters().AsNoTracking().SingleAsync(s => s.ChannelId == channel.Id);
        Assert.Equal(SessionStatus.Active, session.Status);
        Assert.NotNull(session.ConsentedAt);
        var humans = await db.ChatMessages.IgnoreQueryFilters().Where(m => m.SessionId == session.Id && m.Role == MessageRole.Human).Select(m => m.Content).ToListAsync();
        Assert.Equal(["What is the study about?"], humans);   // "why?" and "1" never reached the bot
    }

    private async Task<OutboundMessage> WaitForDeliveryAsync(Guid messageId)
    {
        await using AppDbContext db = fixture.Db();
        OutboundMessage? row = null;
        await WaitUntilAsync(async () =>
        {
            row = await db.OutboundMessages.IgnoreQueryFilters().AsNoTracking().SingleOrDefaultAsync(o => o.MessageId == messageId);
            return row is { Status: not OutboundStatus.Pending };
        });
        return row!;
    }

    private static async Task WaitUntilAsync(Func<Task<bool>> condition, int seconds = 30)
    {
        var until = DateTime.UtcNow.AddSeconds(seconds);
        while (!await condition())
        {
            Assert.True(DateTime.UtcNow < until, "The condition was not met in time.");
            await Task.Delay(50);
        }
    }
}
