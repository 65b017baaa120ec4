using Microsoft.Extensions.DependencyInjection;
using Microsoft.Playwright;
using OpenChatStudio.Core.Chatbots;
using OpenChatStudio.Core.Teams;
using OpenChatStudio.Core.Versions;
using OpenChatStudio.Tests.TestSupport;
using OpenChatStudio.Tests.TestSupport.Fakes;
using static Microsoft.Playwright.Assertions;

namespace OpenChatStudio.Tests.E2E;

/// <summary>
/// In Chromium, against a local fake of the Telegram Bot API: an admin connects a Telegram bot on the chatbot's channels
/// page (a wrong token is refused with the platform's verdict), tests the connection, a participant chats in Telegram,
/// the admin switches the channel off (the participant gets the off message) and removes it (the webhook is deleted).
/// </summary>
public class MessagingChannelsPageTests : IClassFixture<BrowserFixture>, IAsyncLifetime
{
    private readonly BrowserFixture _browser;
    private FakeTelegramServer _telegram = null!;
    private FakeTwilioServer _twilio = null!;
    private FakeMetaGraphServer _meta = null!;
    private readonly OcsAppFactory _app = new();

    public MessagingChannelsPageTests(BrowserFixture browser) => _browser = browser;

    public async Task InitializeAsync()
    {
        _telegram = await FakeTelegramServer.StartAsync();
        _twilio = await FakeTwilioServer.StartAsync();
        _meta = await FakeMetaGraphServer.StartAsync();
        _app.ExtraSettings["Channels:Telegram:ApiBaseUrl"] = _telegram.Root.ToString();
        _app.ExtraSettings["Channels:Twilio:ApiBaseUrl"] = _twilio.Root.ToString();
        _app.ExtraSettings["Channels:Meta:ApiBaseUrl"] = _meta.Root.ToString();
        await ((IAsyncLifetime)_app).InitializeAsync();
    }

    public async Task DisposeAsync()
    {
        await ((IAsyncLifetime)_app).DisposeAsync();
        await _telegram.DisposeAsync();
        await _twilio.DisposeAsync();
        await _meta.DisposeAsync();
    }

    private async Task<(IPage Page, Guid BotId)> OpenChannelsAsync(string email, string teamName)
    {
        var user = await _app.CreateUserAsync(email);
        var team = await _app.CreateTeamAsync(user.Id, teamName);
        var access = (await _app.Services.GetRequiredService<TeamService>().GetAccessAsync(user.Id, team.Slug, default))!;
        var bot = (await _app.Services.GetRequiredService<ChatbotService>().CreateAsync(access, "Helpline", ChatbotTemplates.SimpleAssistant, default)).Value!;
        Assert.True((await _app.Services.GetRequiredService<VersionService>().CreateAsync(access, bot.Id, "v1", true, "Admin", default)).Succeeded);
        var page = await _browser.NewPageAsync();
        await StudioPages.SignInAsync(page, _app, email, $"/t/{team.Slug}");
        await StudioPages.OpenAsync(page, _app, $"/t/{team.Slug}/chatbots/{bot.Id}/channels");
        return (page, bot.Id);
    }

    private static ILocator Field(IPage page, string key) =>
        page.Locator($"input[data-testid=field-{key}], [data-testid=field-{key}] input").First;

    [Fact]
    public async Task Admin_ConnectsWhatsAppThroughTwilio_AndAParticipantChatsOnWhatsApp()
    {
        var account = _twilio.AddAccount();
        var (page, _) = await OpenChannelsAsync("twilio-admin@example.test", "Helpline Twilio");

        await page.GetByTestId("connect-whatsapptwilio").ClickAsync();
        await Field(page, "account_sid").FillAsync(account.Sid);
        await Field(page, "auth_token").FillAsync("not-the-token");
        await Field(page, "number").FillAsync("+14155550123");
        await page.GetByTestId("connect-submit").ClickAsync();
        await Expect(page.GetByTestId("connect-error")).ToContainTextAsync("Twilio refused the Account SID and auth token");

        await Field(page, "auth_token").FillAsync(account.AuthToken);
        await page.GetByTestId("connect-submit").ClickAsync();
        var card = page.GetByTestId("messaging-channel");
        await Expect(card).ToContainTextAsync("WhatsApp (Twilio)");
        var webhook = await card.Locator("input[data-testid=webhook-url], [data-testid=webhook-url] input").First.InputValueAsync();
        Assert.Matches(@"/channels/twilio/[0-9a-f-]{36}$", webhook);
        await card.GetByTestId("test-connection").ClickAsync();
        await Expect(card.GetByTestId("connection-verdict")).ToContainTextAsync("Connected to the Twilio account");

        // The team pasted the webhook URL into Twilio's console; a participant writes on WhatsApp.
        await FakeTwilioServer.SendAsync(account, webhook,
            FakeTwilioServer.InboundForm(account, "whatsapp:+27821112233", "whatsapp:+14155550123", "Where is the nearest clinic?", "Lindiwe"));
        var sent = await _twilio.WaitForMessagesAsync("whatsapp:+27821112233", 1);
        Assert.Equal("whatsapp:+14155550123", sent[0].From);
        Assert.Contains("Where is the nearest clinic?", sent[0].Body);
    }

    [Fact]
    public async Task Admin_ConnectsWhatsAppThroughMeta_CopiesTheVerifyToken_AndAParticipantChats()
    {
        var number = _meta.AddNumber();
        var (page, _) = await OpenChannelsAsync("meta-admin@example.test", "Helpline Meta");

        await page.GetByTestId("connect-whatsappmeta").ClickAsync();
        await Field(page, "phone_number_id").FillAsync(number.PhoneNumberId);
        await Field(page, "access_token").FillAsync(number.AccessToken);
        await Field(page, "app_secret").FillAsync(number.AppSecret);
        await Field(page, "template_name").FillAsync("ocs_followup");
        await page.GetByTestId("connect-submit").ClickAsync();
        await Expect(page.GetByTestId("connect-error")).ToContainTextAsync("template's language code");
        await Field(page, "template_language").FillAsync("en");
        await page.GetByTestId("connect-submit").ClickAsync();

        var card = page.GetByTestId("messaging-channel");
        await Expect(card).ToContainTextAsync("WhatsApp (Meta Cloud API)");
        var webhook = await card.Locator("input[data-testid=webhook-url], [data-testid=webhook-url] input").First.InputValueAsync();
        var verifyToken = await card.Locator("input[data-testid=generated-verify_token], [data-testid=generated-verify_token] input").First.InputValueAsync();
        Assert.False(string.IsNullOrEmpty(verifyToken));

        // Meta's console checks the callback URL with the verify token, then delivers messages.
        using var http = new HttpClient();
        var challenge = await http.GetStringAsync($"{webhook}?hub.mode=subscribe&hub.verify_token={Uri.EscapeDataString(verifyToken)}&hub.challenge=4711");
        Assert.Equal("4711", challenge);
        await _meta.DeliverAsync(number, webhook, FakeMetaGraphServer.Webhook(number, "27829998877", FakeMetaGraphServer.Text("Do you open on Sundays?")));
        var sent = await _meta.WaitForMessagesAsync("27829998877", 1);
        Assert.Contains("Do you open on Sundays?", sent[0].Text);
        Assert.DoesNotContain(number.AccessToken, await page.ContentAsync());
        Assert.DoesNotContain(number.AppSecret, await page.ContentAsync());
    }

    [Fact]
    public async Task Admin_ConnectsTelegram_AParticipantChats_ThenTheAdminSwitchesItOffAndRemovesIt()
    {
        var user = await _app.CreateUserAsync("telegram-admin@example.test");
        await _app.CreateTeamAsync(user.Id, "Clinic");
        var access = (await _app.Services.GetRequiredService<TeamService>().GetAccessAsync(user.Id, "clinic", default))!;
        var bot = (await _app.Services.GetRequiredService<ChatbotService>().CreateAsync(access, "Nurse bot", ChatbotTemplates.SimpleAssistant, default)).Value!;
        Assert.True((await _app.Services.GetRequiredService<VersionService>().CreateAsync(access, bot.Id, "v1", true, "Admin", default)).Succeeded);
        var telegramBot = _telegram.AddBot("nurse_bot");
        var whisper = (await _app.Services.GetRequiredService<OpenChatStudio.Core.Providers.ProviderService>().CreateAsync(access,
            new OpenChatStudio.Core.Providers.ProviderInput("Whisper", OpenChatStudio.Core.Llm.LlmProviderType.OpenAICompatible, "https://stt.example.org/v1", "sk-x"),
            default)).Value!;

        var page = await _browser.NewPageAsync();
        await StudioPages.SignInAsync(page, _app, "telegram-admin@example.test", "/t/clinic");
        await StudioPages.OpenAsync(page, _app, $"/t/clinic/chatbots/{bot.Id}/channels");
        await Expect(page.GetByTestId("no-messaging")).ToBeVisibleAsync();

        await page.GetByTestId("connect-telegram").ClickAsync();
        var token = page.Locator("input[data-testid=field-bot_token], [data-testid=field-bot_token] input").First;
        await token.FillAsync("123456789:AAEwrongwrongwrongwrongwrongwrong");
        await page.GetByTestId("connect-submit").ClickAsync();
        await Expect(page.GetByTestId("connect-error")).ToContainTextAsync("Telegram refused the bot token");

        await token.FillAsync(telegramBot.Token);
        await page.GetByTestId("connect-submit").ClickAsync();
        var card = page.GetByTestId("messaging-channel");
        await Expect(card).ToBeVisibleAsync();
        await Expect(page.GetByTestId("connect-form")).ToHaveCountAsync(0);
        var webhook = await card.Locator("input[data-testid=webhook-url], [data-testid=webhook-url] input").First.InputValueAsync();
        Assert.Matches(@"/channels/telegram/[0-9a-f-]{36}$", webhook);
        Assert.Equal(webhook, telegramBot.WebhookUrl);
        Assert.DoesNotContain(telegramBot.Token, await page.ContentAsync());   // never shown again

        await card.GetByTestId("test-connection").ClickAsync();
        await Expect(card.GetByTestId("connection-verdict")).ToContainTextAsync("Connected to the Telegram bot @nurse_bot");

        // A participant writes to the bot in Telegram and is answered there.
        await _telegram.SendUpdateAsync(telegramBot, _telegram.TextUpdate(4242, "Is the clinic open today?"));
        var answered = await _telegram.WaitForMessagesAsync(4242, 1);
        Assert.Contains("Is the clinic open today?", answered[0].Text);

        // Consent needs a consent form on the published version: the switch says so and stays off.
        await card.Locator("input[data-testid=messaging-consent], [data-testid=messaging-consent] input").First.ClickAsync();
        await Expect(page.GetByText("Choose a consent form in the chatbot's settings")).ToBeVisibleAsync();
        await Expect(card.Locator("input[data-testid=messaging-consent], [data-testid=messaging-consent] input").First).Not.ToBeCheckedAsync();

        // Voice messages: transcribed by one of the team's OpenAI-compatible providers.
        await card.Locator(".mud-select:has([data-testid=messaging-voice]), [data-testid=messaging-voice] .mud-select").First.ClickAsync();
        await page.GetByRole(AriaRole.Option, new() { Name = "Transcribed by Whisper", Exact = true }).ClickAsync();
        await Expect(page.GetByText("Voice messages are transcribed.")).ToBeVisibleAsync();
        var stored = await _app.Services.GetRequiredService<OpenChatStudio.Core.Channels.ChannelService>().ListAsync(access, bot.Id, default);
        Assert.Equal(whisper.Id.ToString(), stored.Single(c => c.Kind == OpenChatStudio.Core.Channels.ChannelKind.Telegram).Settings!["stt_provider_id"]);

        // Off, with the team's own message: the participant is told so, and the bot does not run.
        await card.Locator("input[data-testid=messaging-off-message], [data-testid=messaging-off-message] input").First
            .FillAsync("The nurse line is closed until Monday.");
        await card.GetByTestId("messaging-off-save").ClickAsync();
        await Expect(page.GetByText("Message saved.")).ToBeVisibleAsync();
        await card.Locator("input[data-testid=messaging-enabled], [data-testid=messaging-enabled] input").First.ClickAsync();
        await Expect(card.GetByTestId("messaging-state")).ToHaveTextAsync("Off");
        await _telegram.SendUpdateAsync(telegramBot, _telegram.TextUpdate(4242, "Hello?"));
        var offAnswer = await _telegram.WaitForMessagesAsync(4242, 2);
        Assert.Equal("The nurse line is closed until Monday.", offAnswer[1].Text);

        // Removed after confirming: Telegram is told to stop sending.
        await card.GetByTestId("delete-messaging").ClickAsync();
        await page.Locator(".mud-dialog").GetByRole(AriaRole.Button, new() { Name = "Remove" }).ClickAsync();
        await Expect(page.GetByTestId("no-messaging")).ToBeVisibleAsync();
        Assert.Null(telegramBot.WebhookUrl);
        Assert.Contains("deleteWebhook", _telegram.Calls);
    }
}
