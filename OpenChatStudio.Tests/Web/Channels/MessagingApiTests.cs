using System.Net;
using System.Net.Http.Json;
using System.Text;
using System.Text.Json.Nodes;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.DependencyInjection;
using OpenChatStudio.Core.ApiKeys;
using OpenChatStudio.Core.Chat;
using OpenChatStudio.Core.Data;
using OpenChatStudio.Core.Participants;
using OpenChatStudio.Tests.Web.Api;

namespace OpenChatStudio.Tests.Web.Channels;

/// <summary>
/// The API channel (<c>/channels/api/{chatbot}/incoming_message</c>) and <c>/api/trigger_bot</c> over real HTTP: a program
/// chats synchronously, and another system makes the bot write first to a participant on Telegram or WhatsApp.
/// </summary>
public sealed class MessagingApiTests(MessagingFixture fixture) : IClassFixture<MessagingFixture>
{
    private async Task<string> KeyAsync(ChatApiTestKit.Bot bot, bool readOnly = false) =>
        (await fixture.App.Services.GetRequiredService<ApiKeyService>().CreateAsync(bot.Access, "tests", readOnly, CancellationToken.None)).Value!.Key;

    private HttpRequestMessage Post(string url, string? key, object body)
    {
        var request = new HttpRequestMessage(HttpMethod.Post, url) { Content = JsonContent.Create(body) };
        if (key is not null)
        {
            request.Headers.Add("X-api-key", key);
        }
        return request;
    }

    [Fact]
    public async Task TheApiChannel_AnswersSynchronously_AndContinuesTheKeysSession()
    {
        var bot = await new ChatApiTestKit(fixture.App).BotAsync();
        var key = await KeyAsync(bot);
        using var http = fixture.App.NewClient();
        var url = $"/channels/api/{bot.PublicId}/incoming_message";

        var first = await http.SendAsync(Post(url, key, new { message = "My name is Ada" }));
        Assert.Equal(HttpStatusCode.OK, first.StatusCode);
        var firstBody = (await first.Content.ReadFromJsonAsync<JsonObject>())!;
        Assert.Contains("My name is Ada", firstBody["response"]!.ToString());
        Assert.Empty(firstBody["attachments"]!.AsArray());
        var session = firstBody["session_id"]!.ToString();

        var second = (await (await http.SendAsync(Post(url, key, new { message = "Again" }))).Content.ReadFromJsonAsync<JsonObject>())!;
        Assert.Equal(session, second["session_id"]!.ToString());
        var third = await http.SendAsync(Post(url, key, new { message = "Named", session }));
        Assert.Equal(HttpStatusCode.OK, third.StatusCode);

        await using AppDbContext db = fixture.Db();
        var stored = await db.ChatMessages.IgnoreQueryFilters().Where(m => m.SessionId == Guid.Parse(session)).CountAsync();
        Assert.Equal(6, stored);
        var row = await db.ChatSessions.IgnoreQueryFilters().SingleAsync(s => s.Id == Guid.Parse(session));
        Assert.Equal(ParticipantPlatforms.Api, row.Platform);
        Assert.Null(row.ApiProof);   // the widget's chat API cannot reach it
    }

    [Fact]
    public async Task TheApiChannel_RefusesWhatItShould_With4xx()
    {
        var bot = await new ChatApiTestKit(fixture.App).BotAsync();
        var other = await new ChatApiTestKit(fixture.App).BotAsync();
        var key = await KeyAsync(bot);
        var otherKey = await KeyAsync(other);
        using var http = fixture.App.NewClient();
        var url = $"/channels/api/{bot.PublicId}/incoming_message";
        var started = (await (await http.SendAsync(Post(url, key, new { message = "hi" }))).Content.ReadFromJsonAsync<JsonObject>())!;

        Assert.Equal(HttpStatusCode.Unauthorized, (await http.SendAsync(Post(url, null, new { message = "hi" }))).StatusCode);
        Assert.Equal(HttpStatusCode.Forbidden, (await http.SendAsync(Post(url, await KeyAsync(bot, readOnly: true), new { message = "hi" }))).StatusCode);
        Assert.Equal(HttpStatusCode.NotFound, (await http.SendAsync(Post(url, otherKey, new { message = "hi" }))).StatusCode);
        Assert.Equal(HttpStatusCode.BadRequest, (await http.SendAsync(Post(url, key, new { text = "wrong field" }))).StatusCode);
        Assert.Equal(HttpStatusCode.BadRequest, (await http.SendAsync(Post(url, key, new { message = "hi", session = "nope" }))).StatusCode);
        Assert.Equal(HttpStatusCode.NotFound, (await http.SendAsync(Post(url, key, new { message = "hi", session = Guid.NewGuid() }))).StatusCode);
        Assert.Equal(HttpStatusCode.NotFound, (await http.SendAsync(Post($"/channels/api/{bot.PublicId}/v99/incoming_message", key, new { message = "hi" }))).StatusCode);
        var malformed = new HttpRequestMessage(HttpMethod.Post, url) { Content = new StringContent("{\"message\": \"a\", \"message\": \"b\"}", Encoding.UTF8, "application/json") };
        malformed.Headers.Add("X-api-key", key);
        Assert.Equal(HttpStatusCode.BadRequest, (await http.SendAsync(malformed)).StatusCode);
        // Another key of another team cannot continue this key's session even on its own chatbot.
        var foreign = await http.SendAsync(Post($"/channels/api/{other.PublicId}/incoming_message", otherKey, new { message = "hi", session = started["session_id"]!.ToString() }));
        Assert.Equal(HttpStatusCode.NotFound, foreign.StatusCode);
    }

    [Fact]
    public async Task TriggerBot_SendsTextAsItIs_ToATelegramParticipant_AndStoresTheData()
    {
        var (bot, telegramBot, channel) = await fixture.ConnectAsync();
        var key = await KeyAsync(bot);
        using var http = fixture.App.NewClient();

        var response = await http.SendAsync(Post("/api/trigger_bot", key, new
        {
            identifier = "777001",
            platform = "telegram",
            experiment = bot.PublicId,
            message_text = "Your appointment is tomorrow at 9.",
            session_data = new { campaign = "reminders" },
            participant_data = new { clinic = "Soweto" },
        }));

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        var body = (await response.Content.ReadFromJsonAsync<JsonObject>())!;
        Assert.Equal("telegram", body["channel"]!.ToString());
        var sent = await fixture.Telegram.WaitForMessagesAsync(777001, 1);
        Assert.Equal("Your appointment is tomorrow at 9.", sent[0].Text);
        await using AppDbContext db = fixture.Db();
        var session = await db.ChatSessions.IgnoreQueryFilters().SingleAsync(s => s.Id == Guid.Parse(body["session_id"]!.ToString()));
        Assert.Equal(channel.Id, session.ChannelId);
        Assert.Contains("reminders", session.StateJson);
        var data = await fixture.App.Services.GetRequiredService<ParticipantDirectory>()
            .GetAsync(bot.Access, session.ParticipantId, CancellationToken.None);
        Assert.Contains("Soweto", System.Text.Json.JsonSerializer.Serialize(data));

        // The participant answers in Telegram: the same session continues.
        await fixture.Telegram.SendUpdateAsync(telegramBot, fixture.Telegram.TextUpdate(777001, "Can I come at 10?"));
        await fixture.Telegram.WaitForMessagesAsync(777001, 2);
        Assert.Equal(1, await db.ChatSessions.IgnoreQueryFilters().CountAsync(s => s.ChannelId == channel.Id));
    }

    [Fact]
    public async Task TriggerBot_WithAPrompt_LetsTheBotWrite_AndOnWhatsAppOutsideTheWindowUsesTheTemplate()
    {
        var meta = await fixture.ConnectMetaAsync();
        var key = await KeyAsync(meta.Bot);
        using var http = fixture.App.NewClient();

        var response = await http.SendAsync(Post("/api/v2/trigger_bot/", key, new
        {
            identifier = "+27 82 555 0101",
            platform = "whatsapp",
            experiment = meta.Bot.PublicId,
            prompt_text = "Ask how the first week of treatment went",
        }));

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        var sent = await fixture.Meta.WaitForMessagesAsync("27825550101", 1);
        Assert.Equal(("template", "ocs_followup"), (sent[0].Type, sent[0].Template));   // the participant never wrote: no open window
        Assert.Contains("Ask how the first week of treatment went", sent[0].Text);
    }

    [Fact]
    public async Task TriggerBot_RefusesUnclearRequests_With400()
    {
        var (bot, _, _) = await fixture.ConnectAsync();
        var key = await KeyAsync(bot);
        using var http = fixture.App.NewClient();

        async Task<string> RefusedAsync(object body)
        {
            var response = await http.SendAsync(Post("/api/trigger_bot", key, body));
            Assert.Equal(HttpStatusCode.BadRequest, response.StatusCode);
            return await response.Content.ReadAsStringAsync();
        }

        Assert.Contains("not both", await RefusedAsync(new { identifier = "1", platform = "telegram", experiment = bot.PublicId, prompt_text = "a", message_text = "b" }));
        Assert.Contains("not both", await RefusedAsync(new { identifier = "1", platform = "telegram", experiment = bot.PublicId }));
        Assert.Contains("no sms channel", await RefusedAsync(new { identifier = "+27825550101", platform = "sms", experiment = bot.PublicId, message_text = "hi" }));
        Assert.Contains("platform must be", await RefusedAsync(new { identifier = "1", platform = "carrier-pigeon", experiment = bot.PublicId, message_text = "hi" }));
        Assert.Contains("experiment", await RefusedAsync(new { identifier = "1", platform = "telegram", experiment = "x", message_text = "hi" }));
        var unknown = await http.SendAsync(Post("/api/trigger_bot", key, new { identifier = "1", platform = "telegram", experiment = Guid.NewGuid(), message_text = "hi" }));
        Assert.Equal(HttpStatusCode.NotFound, unknown.StatusCode);
    }
}
