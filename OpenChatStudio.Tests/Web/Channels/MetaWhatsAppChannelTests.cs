using System.Net;
using System.Text;
using System.Text.Json.Nodes;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.DependencyInjection;
using OpenChatStudio.Core.Channels.Messaging;
using OpenChatStudio.Core.Chat;
using OpenChatStudio.Core.Data;
using OpenChatStudio.Core.Participants;
using OpenChatStudio.Tests.TestSupport.Fakes;

namespace OpenChatStudio.Tests.Web.Channels;

/// <summary>
/// WhatsApp through Meta's Cloud API end to end: the verify-token challenge, signed webhook calls on Kestrel, the offline
/// model, and a fake Graph API that enforces the 24-hour customer service window (error 131047) as Meta does.
/// </summary>
public sealed class MetaWhatsAppChannelTests(MessagingFixture fixture) : IClassFixture<MessagingFixture>
{
    private static string NewWaId() => "2782" + Random.Shared.Next(1_000_000, 9_999_999).ToString(System.Globalization.CultureInfo.InvariantCulture);

    [Fact]
    public async Task MetasVerifyChallenge_IsAnsweredOnlyWithTheChannelsToken()
    {
        var meta = await fixture.ConnectMetaAsync();
        var token = meta.Channel.Settings!["verify_token"];
        Assert.False(string.IsNullOrEmpty(token));
        using var http = new HttpClient();

        var ok = await http.GetAsync($"{meta.WebhookUrl}?hub.mode=subscribe&hub.verify_token={Uri.EscapeDataString(token)}&hub.challenge=1158201444");
        Assert.Equal(HttpStatusCode.OK, ok.StatusCode);
        Assert.Equal("1158201444", await ok.Content.ReadAsStringAsync());

        var wrong = await http.GetAsync($"{meta.WebhookUrl}?hub.mode=subscribe&hub.verify_token=guess&hub.challenge=1158201444");
        Assert.Equal(HttpStatusCode.Forbidden, wrong.StatusCode);
        Assert.DoesNotContain("1158201444", await wrong.Content.ReadAsStringAsync());
    }

    [Fact]
    public async Task ATextMessage_IsAnsweredInsideTheWindow_AsText()
    {
        var meta = await fixture.ConnectMetaAsync();
        var waId = NewWaId();

        var response = await fixture.Meta.DeliverAsync(meta.Number, meta.WebhookUrl,
            FakeMetaGraphServer.Webhook(meta.Number, waId, FakeMetaGraphServer.Text("Sawubona")));

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        var sent = await fixture.Meta.WaitForMessagesAsync(waId, 1);
        Assert.Equal("text", sent[0].Type);
        Assert.Contains("you said \"Sawubona\"", sent[0].Text);
        await using AppDbContext db = fixture.Db();
        var session = await db.ChatSessions.IgnoreQueryFilters().SingleAsync(s => s.ChannelId == meta.Channel.Id);
        var participant = await db.Participants.IgnoreQueryFilters().SingleAsync(p => p.Id == session.ParticipantId);
        Assert.Equal((ParticipantPlatforms.WhatsApp, waId, "Thandi"), (participant.Platform, participant.Identifier, participant.Name));
    }

    [Fact]
    public async Task AScheduledMessageOutsideTheWindow_GoesOutAsTheTemplate()
    {
        var meta = await fixture.ConnectMetaAsync();
        var waId = NewWaId();
        await fixture.Meta.DeliverAsync(meta.Number, meta.WebhookUrl, FakeMetaGraphServer.Webhook(meta.Number, waId, FakeMetaGraphServer.Text("Hi")));
        await fixture.Meta.WaitForMessagesAsync(waId, 1);
        await using AppDbContext db = fixture.Db();
        var session = await db.ChatSessions.IgnoreQueryFilters().SingleAsync(s => s.ChannelId == meta.Channel.Id);

        // Two days later (as Meta sees it, and as our transcript says), a scheduled check-in falls due.
        FakeMetaGraphServer.CloseWindow(meta.Number, waId);
        await db.ChatMessages.IgnoreQueryFilters().Where(m => m.SessionId == session.Id)
            .ExecuteUpdateAsync(s => s.SetProperty(m => m.CreatedAt, DateTime.UtcNow.AddDays(-2)));
        var turn = await fixture.App.Services.GetRequiredService<ChatRuntime>()
            .SendBotMessageAsync(meta.Bot.Access.TeamId, session.Id, "Ask whether the pills are helping", "schedule", CancellationToken.None);
        Assert.Null(turn.Error);

        var sent = await fixture.Meta.WaitForMessagesAsync(waId, 2);
        Assert.Equal(("template", "ocs_followup"), (sent[1].Type, sent[1].Template));
        Assert.Contains("Ask whether the pills are helping", sent[1].Text);
    }

    [Fact]
    public async Task WhenMetaSaysTheWindowIsClosed_TheTemplateIsSent_AndALongMessageIsSplitIntoTemplateParameters()
    {
        var meta = await fixture.ConnectMetaAsync();
        var waId = NewWaId();
        var question = string.Join(" ", Enumerable.Range(1, 40).Select(i => $"Point {i} of my long question."));
        Assert.InRange(question.Length, 974, 3000);
        await using AppDbContext db = fixture.Db();

        // Our transcript thinks the window is open (the participant just wrote), Meta does not: Meta wins.
        var body = FakeMetaGraphServer.Webhook(meta.Number, waId, FakeMetaGraphServer.Text(question));
        var sendOnce = fixture.Meta.DeliverAsync(meta.Number, meta.WebhookUrl, body);
        FakeMetaGraphServer.CloseWindow(meta.Number, waId);
        Assert.Equal(HttpStatusCode.OK, (await sendOnce).StatusCode);

        var sent = await fixture.Meta.WaitForMessagesAsync(waId, 2);
        Assert.All(sent, m => Assert.Equal("template", m.Type));
        Assert.All(sent, m => Assert.True(m.Text.Length <= MetaWhatsAppPlatformLimit));
        Assert.Contains("Point 40 of my long question", sent[^1].Text);
    }

    private const int MetaWhatsAppPlatformLimit = OpenChatStudio.Core.Channels.Meta.MetaWhatsAppPlatform.TemplateParameterLength;

    [Fact]
    public async Task WithoutATemplate_AMessageOutsideTheWindow_FailsWithAPlainReason()
    {
        var meta = await fixture.ConnectMetaAsync(withTemplate: false);
        var waId = NewWaId();
        await fixture.Meta.DeliverAsync(meta.Number, meta.WebhookUrl, FakeMetaGraphServer.Webhook(meta.Number, waId, FakeMetaGraphServer.Text("Hi")));
        await fixture.Meta.WaitForMessagesAsync(waId, 1);
        await using AppDbContext db = fixture.Db();
        var session = await db.ChatSessions.IgnoreQueryFilters().SingleAsync(s => s.ChannelId == meta.Channel.Id);
        FakeMetaGraphServer.CloseWindow(meta.Number, waId);

        var turn = await fixture.App.Services.GetRequiredService<ChatRuntime>()
            .SendBotMessageAsync(meta.Bot.Access.TeamId, session.Id, "Check in", "schedule", CancellationToken.None);

        var until = DateTime.UtcNow.AddSeconds(30);
        OutboundMessage? row = null;
        while (row is not { Status: OutboundStatus.Failed })
        {
            Assert.True(DateTime.UtcNow < until, "The delivery did not fail in time.");
            await Task.Delay(50);
            row = await db.OutboundMessages.IgnoreQueryFilters().AsNoTracking().SingleOrDefaultAsync(o => o.MessageId == turn.Reply!.MessageId);
        }
        Assert.Contains("has not written in the last 24 hours", row.Error);
        Assert.Single(fixture.Meta.SentTo(waId));
    }

    [Fact]
    public async Task BadCalls_StatusCallbacks_AndOtherNumbers_StoreNothing()
    {
        var meta = await fixture.ConnectMetaAsync();
        var waId = NewWaId();

        var forged = await fixture.Meta.DeliverAsync(meta.Number, meta.WebhookUrl,
            FakeMetaGraphServer.Webhook(meta.Number, waId, FakeMetaGraphServer.Text("hi")), appSecretOverride: "guess");
        Assert.Equal(HttpStatusCode.Forbidden, forged.StatusCode);

        var statuses = new JsonObject
        {
            ["object"] = "whatsapp_business_account",
            ["entry"] = new JsonArray(new JsonObject
            {
                ["id"] = "WABA-1",
                ["changes"] = new JsonArray(new JsonObject
                {
                    ["field"] = "messages",
                    ["value"] = new JsonObject
                    {
                        ["metadata"] = new JsonObject { ["phone_number_id"] = meta.Number.PhoneNumberId },
                        ["statuses"] = new JsonArray(new JsonObject { ["id"] = "wamid.x", ["status"] = "delivered", ["recipient_id"] = waId }),
                    },
                }),
            }),
        };
        Assert.Equal(HttpStatusCode.OK, (await fixture.Meta.DeliverAsync(meta.Number, meta.WebhookUrl, statuses)).StatusCode);

        var otherNumber = FakeMetaGraphServer.Webhook(meta.Number, waId, FakeMetaGraphServer.Text("for another number"));
        otherNumber["entry"]![0]!["changes"]![0]!["value"]!["metadata"]!["phone_number_id"] = "999";
        Assert.Equal(HttpStatusCode.OK, (await fixture.Meta.DeliverAsync(meta.Number, meta.WebhookUrl, otherNumber)).StatusCode);

        using var http = new HttpClient();
        var bytes = Encoding.UTF8.GetBytes("{\"entry\": [");
        using var malformed = new HttpRequestMessage(HttpMethod.Post, meta.WebhookUrl) { Content = new ByteArrayContent(bytes) };
        malformed.Headers.Add("X-Hub-Signature-256", "sha256=" + Convert.ToHexStringLower(
            System.Security.Cryptography.HMACSHA256.HashData(Encoding.UTF8.GetBytes(meta.Number.AppSecret), bytes)));
        Assert.Equal(HttpStatusCode.BadRequest, (await http.SendAsync(malformed)).StatusCode);

        foreach (var oddShape in new[]
                 {
                     "{\"entry\": [{\"changes\": [{\"value\": {\"metadata\": \"x\", \"messages\": [{\"id\": 1}]}}]}]}",
                     "{\"entry\": [{\"changes\": \"none\"}]}",
                     "{\"entry\": 5}",
                     "[]",
                 })
        {
            var oddBytes = Encoding.UTF8.GetBytes(oddShape);
            using var odd = new HttpRequestMessage(HttpMethod.Post, meta.WebhookUrl) { Content = new ByteArrayContent(oddBytes) };
            odd.Headers.Add("X-Hub-Signature-256", "sha256=" + Convert.ToHexStringLower(
                System.Security.Cryptography.HMACSHA256.HashData(Encoding.UTF8.GetBytes(meta.Number.AppSecret), oddBytes)));
            var answer = await http.SendAsync(odd);
            Assert.True(answer.StatusCode is HttpStatusCode.BadRequest or HttpStatusCode.OK, $"{oddShape}: {answer.StatusCode}");
        }

        await using AppDbContext db = fixture.Db();
        Assert.False(await db.InboundMessages.IgnoreQueryFilters().AnyAsync(m => m.ChannelId == meta.Channel.Id));
        Assert.False(await db.ChatSessions.IgnoreQueryFilters().AnyAsync(s => s.ChannelId == meta.Channel.Id));
    }

    [Fact]
    public async Task AnImage_IsFetchedThroughTheGraphApi_AndAVoiceNoteGetsAPlainAnswer()
    {
        var meta = await fixture.ConnectMetaAsync();
        var waId = NewWaId();
        var mediaId = fixture.Meta.AddMedia([1, 2, 3, 4]);
        var image = new JsonObject { ["type"] = "image", ["image"] = new JsonObject { ["id"] = mediaId, ["mime_type"] = "image/jpeg", ["caption"] = "Is this swollen?" } };

        await fixture.Meta.DeliverAsync(meta.Number, meta.WebhookUrl, FakeMetaGraphServer.Webhook(meta.Number, waId, image));
        await fixture.Meta.WaitForMessagesAsync(waId, 1);
        var voice = new JsonObject { ["type"] = "audio", ["audio"] = new JsonObject { ["id"] = fixture.Meta.AddMedia([9]), ["mime_type"] = "audio/ogg" } };
        await fixture.Meta.DeliverAsync(meta.Number, meta.WebhookUrl, FakeMetaGraphServer.Webhook(meta.Number, waId, voice));

        var sent = await fixture.Meta.WaitForMessagesAsync(waId, 2);
        Assert.Equal(MessagingInbox.VoiceNotSupportedReply, sent[1].Text);
        await using AppDbContext db = fixture.Db();
        var session = await db.ChatSessions.IgnoreQueryFilters().SingleAsync(s => s.ChannelId == meta.Channel.Id);
        var file = await db.ChatAttachments.IgnoreQueryFilters().SingleAsync(a => a.SessionId == session.Id);
        Assert.Equal((4L, "image/jpeg"), (file.Size, file.ContentType));
        var human = await db.ChatMessages.IgnoreQueryFilters().SingleAsync(m => m.Id == file.MessageId);
        Assert.Equal("Is this swollen?", human.Content);
    }
}
