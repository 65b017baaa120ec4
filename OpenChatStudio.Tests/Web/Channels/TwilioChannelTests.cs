using System.Net;
using System.Text;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.DependencyInjection;
using OpenChatStudio.Core.Channels;
using OpenChatStudio.Core.Channels.Messaging;
using OpenChatStudio.Core.Chat;
using OpenChatStudio.Core.Data;
using OpenChatStudio.Core.Participants;
using OpenChatStudio.Tests.TestSupport.Fakes;

namespace OpenChatStudio.Tests.Web.Channels;

/// <summary>
/// WhatsApp and SMS through Twilio end to end: the real form-encoded webhook on Kestrel, checked with Twilio's signature
/// scheme, the offline model, and a fake of Twilio's REST API receiving the replies.
/// </summary>
public sealed class TwilioChannelTests(MessagingFixture fixture) : IClassFixture<MessagingFixture>
{
    private static string NewPhone() => "+2782" + Random.Shared.Next(1_000_000, 9_999_999).ToString(System.Globalization.CultureInfo.InvariantCulture);

    [Fact]
    public async Task AWhatsAppMessage_IsAnsweredFromTheTwilioNumber_AndTheParticipantIsAWhatsAppParticipant()
    {
        var twilio = await fixture.ConnectTwilioAsync(ChannelKind.WhatsAppTwilio);
        var phone = NewPhone();
        var form = FakeTwilioServer.InboundForm(twilio.Account, $"whatsapp:{phone}", $"whatsapp:{twilio.Number}", "Hello from WhatsApp", "Thandi");

        var response = await FakeTwilioServer.SendAsync(twilio.Account, twilio.WebhookUrl, form);

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        Assert.Contains("<Response></Response>", await response.Content.ReadAsStringAsync());
        var sent = await fixture.Twilio.WaitForMessagesAsync($"whatsapp:{phone}", 1);
        Assert.Equal($"whatsapp:{twilio.Number}", sent[0].From);
        Assert.Contains("you said \"Hello from WhatsApp\"", sent[0].Body);
        await using AppDbContext db = fixture.Db();
        var session = await db.ChatSessions.IgnoreQueryFilters().SingleAsync(s => s.ChannelId == twilio.Channel.Id);
        var participant = await db.Participants.IgnoreQueryFilters().SingleAsync(p => p.Id == session.ParticipantId);
        Assert.Equal((ParticipantPlatforms.WhatsApp, phone, "Thandi"), (participant.Platform, participant.Identifier, participant.Name));
        Assert.Equal(ParticipantPlatforms.WhatsApp, session.Platform);
    }

    [Fact]
    public async Task AnSms_IsAnsweredBySms_AndALongReplyIsSplitUnderTwiliosLimit()
    {
        var twilio = await fixture.ConnectTwilioAsync(ChannelKind.SmsTwilio);
        var phone = NewPhone();
        var text = string.Join(" ", Enumerable.Range(1, 40).Select(i => $"Line {i} of a long question about my medicine."));
        Assert.InRange(text.Length, 1700, 3000);

        await FakeTwilioServer.SendAsync(twilio.Account, twilio.WebhookUrl, FakeTwilioServer.InboundForm(twilio.Account, phone, twilio.Number, text));

        var sent = await fixture.Twilio.WaitForMessagesAsync(phone, 2);
        Assert.All(sent, m => Assert.True(m.Body.Length <= 1600));
        Assert.All(sent, m => Assert.Equal(twilio.Number, m.From));
        Assert.Contains("Line 40 of a long question", sent[^1].Body);
        await using AppDbContext db = fixture.Db();
        var session = await db.ChatSessions.IgnoreQueryFilters().SingleAsync(s => s.ChannelId == twilio.Channel.Id);
        Assert.Equal(ParticipantPlatforms.Sms, session.Platform);
    }

    [Fact]
    public async Task BadWebhookCalls_Get4xx_AndStoreNothing()
    {
        var twilio = await fixture.ConnectTwilioAsync(ChannelKind.WhatsAppTwilio);
        var phone = NewPhone();
        var form = FakeTwilioServer.InboundForm(twilio.Account, $"whatsapp:{phone}", $"whatsapp:{twilio.Number}", "hi");

        var wrongToken = await FakeTwilioServer.SendAsync(twilio.Account, twilio.WebhookUrl, form,
            FakeTwilioServer.Sign("not-the-token", twilio.WebhookUrl, form));
        Assert.Equal(HttpStatusCode.Forbidden, wrongToken.StatusCode);
        var otherUrl = await FakeTwilioServer.SendAsync(twilio.Account, twilio.WebhookUrl, form,
            FakeTwilioServer.Sign(twilio.Account.AuthToken, "https://elsewhere.example/channels/twilio/x", form));
        Assert.Equal(HttpStatusCode.Forbidden, otherUrl.StatusCode);
        var tampered = new Dictionary<string, string>(form) { ["Body"] = "tampered" };
        Assert.Equal(HttpStatusCode.Forbidden,
            (await FakeTwilioServer.SendAsync(twilio.Account, twilio.WebhookUrl, tampered, FakeTwilioServer.Sign(twilio.Account.AuthToken, twilio.WebhookUrl, form))).StatusCode);
        var noSid = new Dictionary<string, string>(form);
        noSid.Remove("MessageSid");
        Assert.Equal(HttpStatusCode.BadRequest, (await FakeTwilioServer.SendAsync(twilio.Account, twilio.WebhookUrl, noSid)).StatusCode);
        using var http = new HttpClient();
        var json = await http.PostAsync(twilio.WebhookUrl, new StringContent("{\"Body\":\"hi\"}", Encoding.UTF8, "application/json"));
        Assert.Equal(HttpStatusCode.BadRequest, json.StatusCode);
        var telegramPath = await http.PostAsync(twilio.WebhookUrl.Replace("/twilio/", "/telegram/"), new FormUrlEncodedContent(form));
        Assert.Equal(HttpStatusCode.NotFound, telegramPath.StatusCode);

        await using AppDbContext db = fixture.Db();
        Assert.False(await db.InboundMessages.IgnoreQueryFilters().AnyAsync(m => m.ChannelId == twilio.Channel.Id));
        Assert.Empty(fixture.Twilio.SentTo($"whatsapp:{phone}"));
    }

    [Fact]
    public async Task ARedeliveredMessageSid_IsAnsweredOnce()
    {
        var twilio = await fixture.ConnectTwilioAsync(ChannelKind.SmsTwilio);
        var phone = NewPhone();
        var form = FakeTwilioServer.InboundForm(twilio.Account, phone, twilio.Number, "Once");

        var responses = await Task.WhenAll(Enumerable.Range(0, 20).Select(_ => FakeTwilioServer.SendAsync(twilio.Account, twilio.WebhookUrl, form)));

        Assert.All(responses, r => Assert.Equal(HttpStatusCode.OK, r.StatusCode));
        await fixture.Twilio.WaitForMessagesAsync(phone, 1);
        // Every turn and delivery this process started has finished: a second reply would be stored and sent by now.
        await fixture.App.Services.GetRequiredService<ChatInbox>().WhenIdleAsync();
        await fixture.App.Services.GetRequiredService<ChannelOutbox>().WhenIdleAsync();
        await using AppDbContext db = fixture.Db();
        Assert.Equal(1, await db.InboundMessages.IgnoreQueryFilters().CountAsync(m => m.ChannelId == twilio.Channel.Id));
        Assert.Equal(1, await db.OutboundMessages.IgnoreQueryFilters().CountAsync(o => o.ChannelId == twilio.Channel.Id));
        Assert.Single(fixture.Twilio.SentTo(phone));
    }

    [Fact]
    public async Task AnUnsubscribedRecipient_IsMarkedUnreachable_AndTheTranscriptSaysWhy()
    {
        var twilio = await fixture.ConnectTwilioAsync(ChannelKind.SmsTwilio);
        var phone = NewPhone();
        fixture.Twilio.FailNext(400, 21610, "Attempt to send to unsubscribed recipient");

        await FakeTwilioServer.SendAsync(twilio.Account, twilio.WebhookUrl, FakeTwilioServer.InboundForm(twilio.Account, phone, twilio.Number, "STOP maybe"));

        await using AppDbContext db = fixture.Db();
        var until = DateTime.UtcNow.AddSeconds(30);
        OutboundMessage? outbound = null;
        while (outbound is not { Status: OutboundStatus.Failed })
        {
            Assert.True(DateTime.UtcNow < until, "The delivery did not fail in time.");
            await Task.Delay(50);
            outbound = await db.OutboundMessages.IgnoreQueryFilters().AsNoTracking().FirstOrDefaultAsync(o => o.ChannelId == twilio.Channel.Id);
        }
        Assert.Equal(ChannelOutbox.UnreachableError, outbound.Error);
        var session = await db.ChatSessions.IgnoreQueryFilters().SingleAsync(s => s.ChannelId == twilio.Channel.Id);
        Assert.NotNull((await db.Participants.IgnoreQueryFilters().AsNoTracking().SingleAsync(p => p.Id == session.ParticipantId)).UnreachableSince);
        Assert.Empty(fixture.Twilio.SentTo(phone));
    }

    [Fact]
    public async Task AnMmsImage_IsStoredWithTheMessage()
    {
        var twilio = await fixture.ConnectTwilioAsync(ChannelKind.WhatsAppTwilio);
        var phone = NewPhone();
        var url = fixture.Twilio.AddMedia([0xFF, 0xD8, 0xFF, 0xE0, 9, 9]);

        await FakeTwilioServer.SendAsync(twilio.Account, twilio.WebhookUrl,
            FakeTwilioServer.InboundForm(twilio.Account, $"whatsapp:{phone}", $"whatsapp:{twilio.Number}", "My rash", media: [(url, "image/jpeg")]));

        await fixture.Twilio.WaitForMessagesAsync($"whatsapp:{phone}", 1);
        await using AppDbContext db = fixture.Db();
        var session = await db.ChatSessions.IgnoreQueryFilters().SingleAsync(s => s.ChannelId == twilio.Channel.Id);
        var file = await db.ChatAttachments.IgnoreQueryFilters().SingleAsync(a => a.SessionId == session.Id);
        Assert.Equal(("image/jpeg", 6L), (file.ContentType, file.Size));
        Assert.NotNull(file.MessageId);
    }

    [Fact]
    public async Task WrongTwilioCredentials_AreRefusedWithAPlainReason()
    {
        var bot = await new Api.ChatApiTestKit(fixture.App).BotAsync();
        var account = fixture.Twilio.AddAccount();
        var service = fixture.App.Services.GetRequiredService<MessagingChannelService>();

        var wrongToken = await service.CreateAsync(bot.Access, bot.Id, ChannelKind.SmsTwilio, null,
            new Dictionary<string, string> { ["account_sid"] = account.Sid, ["number"] = "+14155550100" },
            new Dictionary<string, string> { ["auth_token"] = "wrong" }, null, CancellationToken.None);
        Assert.False(wrongToken.Succeeded);
        Assert.Contains("Twilio refused the Account SID and auth token", wrongToken.Error);

        var badNumber = await service.CreateAsync(bot.Access, bot.Id, ChannelKind.SmsTwilio, null,
            new Dictionary<string, string> { ["account_sid"] = account.Sid, ["number"] = "0821234567" },
            new Dictionary<string, string> { ["auth_token"] = account.AuthToken }, null, CancellationToken.None);
        Assert.False(badNumber.Succeeded);
        Assert.Contains("international format", badNumber.Error);
    }
}
