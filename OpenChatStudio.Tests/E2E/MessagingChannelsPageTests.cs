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
    private readonly OcsAppFactory _app = new();

    public MessagingChannelsPageTests(BrowserFixture browser) => _browser = browser;

    public async Task InitializeAsync()
    {
        _telegram = await FakeTelegramServer.StartAsync();
        _app.ExtraSettings["Channels:Telegram:ApiBaseUrl"] = _telegram.Root.ToString();
        await ((IAsyncLifetime)_app).InitializeAsync();
    }

    public async Task DisposeAsync()
    {
        await ((IAsyncLifetime)_app).DisposeAsync();
        await _telegram.DisposeAsync();
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

        // Off: the participant is told so, and the bot does not run.
        await card.Locator("input[data-testid=messaging-enabled], [data-testid=messaging-enabled] input").First.ClickAsync();
        await Expect(card.GetByTestId("messaging-state")).ToHaveTextAsync("Off");
        await _telegram.SendUpdateAsync(telegramBot, _telegram.TextUpdate(4242, "Hello?"));
        var offAnswer = await _telegram.WaitForMessagesAsync(4242, 2);
        Assert.Equal(OpenChatStudio.Core.Channels.ChatbotChannel.DefaultDisabledMessage, offAnswer[1].Text);

        // Removed after confirming: Telegram is told to stop sending.
        await card.GetByTestId("delete-messaging").ClickAsync();
        await page.Locator(".mud-dialog").GetByRole(AriaRole.Button, new() { Name = "Remove" }).ClickAsync();
        await Expect(page.GetByTestId("no-messaging")).ToBeVisibleAsync();
        Assert.Null(telegramBot.WebhookUrl);
        Assert.Contains("deleteWebhook", _telegram.Calls);
    }
}
