using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Playwright;
using OpenChatStudio.Core.Chat;
using OpenChatStudio.Core.Data;
using OpenChatStudio.Core.Llm;
using OpenChatStudio.Tests.TestSupport;
using OpenChatStudio.Tests.Web.Api;
using static Microsoft.Playwright.Assertions;

namespace OpenChatStudio.Tests.E2E;

/// <summary>
/// The official <c>open-chat-studio-widget@0.6.0</c> (installed from npm at test time, unchanged) on a third-party page
/// served from another port, talking to our chat API in Chromium.
/// </summary>
public class WidgetTests : IClassFixture<BrowserFixture>, IAsyncLifetime
{
    private readonly BrowserFixture _browser;
    private readonly OcsAppFactory _app = new();
    private ThirdPartySite _site = default!;
    private ChatApiTestKit _kit = default!;

    public WidgetTests(BrowserFixture browser) => _browser = browser;

    public async Task InitializeAsync()
    {
        var dist = WidgetPackage.DistFolder();
        await ((IAsyncLifetime)_app).InitializeAsync();
        _site = await ThirdPartySite.StartAsync(dist);
        _kit = new ChatApiTestKit(_app);
    }

    public async Task DisposeAsync()
    {
        await _site.DisposeAsync();
        await ((IAsyncLifetime)_app).DisposeAsync();
    }

    private string ApiBase => _app.BaseAddress.ToString().TrimEnd('/');

    private string Page(ChatApiTestKit.Bot bot, string? embedKey = null, bool attachments = false)
    {
        var attributes = new Dictionary<string, string?>
        {
            ["chatbot-id"] = bot.PublicId.ToString(),
            ["api-base-url"] = ApiBase,
            ["button-text"] = "Chat with us",
            ["header-text"] = "Shop assistant",
        };
        if (embedKey is not null)
        {
            attributes["embed-key"] = embedKey;
        }
        if (attachments)
        {
            attributes["allow-attachments"] = null;
        }
        return _site.AddPage(attributes);
    }

    private static ILocator Users(IPage page) => page.Locator(".message-bubble-user");

    private static ILocator Assistants(IPage page) => page.Locator(".message-bubble-assistant");

    private static async Task SendAsync(IPage page, string text)
    {
        var input = page.Locator("textarea.message-textarea");
        await Expect(input).ToBeEnabledAsync();
        await input.FillAsync(text);
        await page.Locator("button.send-button").ClickAsync();
    }

    private static async Task OpenAsync(IPage page) => await page.Locator("button.chat-btn-text").ClickAsync();

    /// <summary>Sends a message and waits until the widget rendered the reply and finished its follow-up poll.</summary>
    private static async Task SendAndWaitForReplyAsync(IPage page, string text, int expectedAssistants)
    {
        var followUp = page.WaitForResponseAsync(r => r.Url.Contains("/poll/?since=", StringComparison.Ordinal), new() { Timeout = 60_000 });
        await SendAsync(page, text);
        await Expect(Assistants(page).Or(page.Locator(".message-bubble-system"))).ToHaveCountAsync(expectedAssistants, new() { Timeout = 60_000 });
        await Expect(page.Locator(".message-bubble-system")).ToHaveCountAsync(0);
        await followUp;
    }

    private static async Task ReloadAndReopenAsync(IPage page)
    {
        await page.ReloadAsync();
        var poll = page.WaitForResponseAsync(r => r.Url.Contains("/poll/", StringComparison.Ordinal));
        await OpenAsync(page);
        Assert.True((await poll).Ok);
        // Let the widget apply the poll result before counting.
        await page.EvaluateAsync("() => new Promise(r => requestAnimationFrame(() => setTimeout(r, 0)))");
    }

    [Fact]
    public async Task Keyless_PublicChatbot_FullConversation_AndReloadRestoresHistoryWithoutDuplicates()
    {
        var bot = await _kit.BotAsync();
        var page = await _browser.NewPageAsync();
        await page.GotoAsync(Page(bot));

        await OpenAsync(page);
        await Expect(page.Locator("#ocs-chat-window")).ToBeVisibleAsync();
        await SendAndWaitForReplyAsync(page, "hello from the shop", 1);

        await Expect(Users(page)).ToHaveCountAsync(1);
        await Expect(Users(page)).ToContainTextAsync("hello from the shop");
        await Expect(Assistants(page)).ToContainTextAsync(OfflineModel.ReplyPrefix.Trim());

        await SendAndWaitForReplyAsync(page, "second question", 2);
        await Expect(Users(page)).ToHaveCountAsync(2);

        await ReloadAndReopenAsync(page);
        await Expect(Users(page)).ToHaveCountAsync(2);
        await Expect(Assistants(page)).ToHaveCountAsync(2);

        // The server holds the same conversation.
        await using var db = await _app.Services.GetRequiredService<IDbContextFactory<AppDbContext>>().CreateForTeamAsync(bot.Access.TeamId, default);
        var humans = await db.ChatMessages.Where(m => m.Role == MessageRole.Human).OrderBy(m => m.Sequence).Select(m => m.Content).ToListAsync();
        Assert.Equal(["hello from the shop", "second question"], humans);
    }

    [Fact]
    public async Task EmbedKey_NonPublicChatbot_ChatsFromAllowedDomain()
    {
        var bot = await _kit.BotAsync(allowlist: ["only-this-person@example.test"], widgetDomains: ["127.0.0.1"]);
        var page = await _browser.NewPageAsync();
        await page.GotoAsync(Page(bot, bot.Widget!.EmbedKey));

        await OpenAsync(page);
        await SendAndWaitForReplyAsync(page, "hi with a key", 1);

        await Expect(Users(page)).ToHaveCountAsync(1);
        await Expect(page.Locator(".message-bubble-system")).ToHaveCountAsync(0);
        await using var db = await _app.Services.GetRequiredService<IDbContextFactory<AppDbContext>>().CreateForTeamAsync(bot.Access.TeamId, default);
        Assert.Equal("widget", (await db.ChatSessions.SingleAsync()).Platform);
    }

    [Fact]
    public async Task Upload_WithAllowAttachments_SendsTheFileWithTheMessage()
    {
        var bot = await _kit.BotAsync(uploads: true, widgetDomains: ["127.0.0.1"]);
        var page = await _browser.NewPageAsync();
        await page.GotoAsync(Page(bot, bot.Widget!.EmbedKey, attachments: true));

        await OpenAsync(page);
        await page.Locator("#ocs-file-input").SetInputFilesAsync(new FilePayload
        {
            Name = "order-1234.txt",
            MimeType = "text/plain",
            Buffer = "Order 1234: two blue mugs"u8.ToArray(),
        });
        await SendAndWaitForReplyAsync(page, "about my order", 1);

        await Expect(page.Locator(".message-attachment-name")).ToHaveTextAsync("order-1234.txt");
        await using var db = await _app.Services.GetRequiredService<IDbContextFactory<AppDbContext>>().CreateForTeamAsync(bot.Access.TeamId, default);
        var file = await db.ChatAttachments.SingleAsync();
        Assert.Equal("order-1234.txt", file.Name);
        var human = await db.ChatMessages.SingleAsync(m => m.Role == MessageRole.Human);
        Assert.Equal(human.Id, file.MessageId);
        Assert.Equal("Order 1234: two blue mugs", System.Text.Encoding.UTF8.GetString(file.Content));
    }

    [Fact]
    public async Task DisallowedOrigin_WidgetShowsItsFailureBubble()
    {
        var bot = await _kit.BotAsync(widgetDomains: ["shop.example.com"]);
        var page = await _browser.NewPageAsync();
        await page.GotoAsync(Page(bot, bot.Widget!.EmbedKey));

        await OpenAsync(page);
        await SendAsync(page, "let me in");

        await Expect(page.Locator(".message-bubble-system")).ToContainTextAsync("Failed to start chat session", new() { Timeout = 30_000 });
        await Expect(Assistants(page)).ToHaveCountAsync(0);
        await using var db = await _app.Services.GetRequiredService<IDbContextFactory<AppDbContext>>().CreateForTeamAsync(bot.Access.TeamId, default);
        Assert.False(await db.ChatSessions.AnyAsync());
    }
}
