using System.Text.RegularExpressions;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Playwright;
using OpenChatStudio.Core.Channels;
using OpenChatStudio.Core.Chatbots;
using OpenChatStudio.Core.Teams;
using OpenChatStudio.Tests.TestSupport;
using static Microsoft.Playwright.Assertions;

namespace OpenChatStudio.Tests.E2E;

/// <summary>In Chromium: an admin opens a chatbot's channels, adds a widget channel, edits its domains and regenerates the key.</summary>
public class ChannelsPageTests : IClassFixture<BrowserFixture>, IAsyncLifetime
{
    private readonly BrowserFixture _browser;
    private readonly OcsAppFactory _app = new();

    public ChannelsPageTests(BrowserFixture browser) => _browser = browser;

    public Task InitializeAsync() => ((IAsyncLifetime)_app).InitializeAsync();

    public Task DisposeAsync() => ((IAsyncLifetime)_app).DisposeAsync();

    private string Url(string path) => new Uri(_app.BaseAddress, path).ToString();

    [Fact]
    public async Task PublicPage_IsFramedOnlyBySitesTheAdminLists()
    {
        var user = await _app.CreateUserAsync("framing@example.test");
        await _app.CreateTeamAsync(user.Id, "Lab");
        var access = (await _app.Services.GetRequiredService<TeamService>().GetAccessAsync(user.Id, "lab", default))!;
        var bot = (await _app.Services.GetRequiredService<ChatbotService>().CreateAsync(access, "Embedded bot", ChatbotTemplates.SimpleAssistant, default)).Value!;
        await using var site = await ThirdPartySite.StartAsync(Path.GetTempPath());   // another origin (its own port)
        var embedding = site.AddRawPage($"<h1>Partner site</h1><iframe title=\"chat\" src=\"{Url($"/chat/{bot.PublicId}")}\" width=\"600\" height=\"400\"></iframe>");

        // Not listed: the browser refuses to show the page inside the other site.
        var visitor = await _browser.NewPageAsync();
        var refused = visitor.WaitForConsoleMessageAsync(new() { Predicate = m => m.Text.Contains("frame-ancestors", StringComparison.Ordinal) });
        await visitor.GotoAsync(embedding);
        await refused;
        await Expect(visitor.FrameLocator("iframe").GetByTestId("chat-not-published")).ToHaveCountAsync(0);

        // The admin lists the site on the channels page.
        var admin = await _browser.NewPageAsync();
        await StudioPages.SignInAsync(admin, _app, "framing@example.test", "/t/lab");
        await StudioPages.OpenAsync(admin, _app, $"/t/lab/chatbots/{bot.Id}/channels");
        await admin.GetByTestId("add-hosted").ClickAsync();
        var sites = admin.Locator("textarea[data-testid=hosted-embed-sites], [data-testid=hosted-embed-sites] textarea");
        await sites.FillAsync(site.BaseUri.Host);
        await admin.GetByTestId("hosted-embed-save").ClickAsync();
        await Expect(admin.GetByText($"Saved: {site.BaseUri.Host} may embed the public page.")).ToBeVisibleAsync();

        // Listed: the page shows inside the partner site (this chatbot is not published yet, and says so there).
        await visitor.ReloadAsync();
        await Expect(visitor.FrameLocator("iframe").GetByTestId("chat-not-published")).ToBeVisibleAsync();
    }

    [Fact]
    public async Task Admin_AddsWidgetChannel_ValidatesDomains_CopiesSnippet_RegeneratesKey()
    {
        var user = await _app.CreateUserAsync("channels@example.test");
        await _app.CreateTeamAsync(user.Id, "Lab");
        var access = (await _app.Services.GetRequiredService<TeamService>().GetAccessAsync(user.Id, "lab", default))!;
        var bot = (await _app.Services.GetRequiredService<ChatbotService>().CreateAsync(access, "Shop bot", ChatbotTemplates.SimpleAssistant, default)).Value!;
        var page = await _browser.NewPageAsync();
        await StudioPages.SignInAsync(page, _app, "channels@example.test", "/t/lab");

        // From the settings page to the channels page.
        await StudioPages.OpenAsync(page, _app, $"/t/lab/chatbots/{bot.Id}/settings");
        await page.GetByTestId("open-channels").ClickAsync();
        await Expect(page).ToHaveURLAsync(new Regex($"/t/lab/chatbots/{bot.Id}/channels$"));
        await Expect(page.Locator("input[data-testid=public-url], [data-testid=public-url] input")).ToHaveValueAsync(new Regex($"/chat/{bot.PublicId}$"));
        await Expect(page.GetByTestId("no-widgets")).ToBeVisibleAsync();

        await page.GetByTestId("add-widget").ClickAsync();
        await Expect(page.GetByTestId("widget-channel")).ToHaveCountAsync(1);
        var keyInput = page.Locator("input[data-testid=embed-key], [data-testid=embed-key] input");
        var key = await keyInput.InputValueAsync();
        Assert.False(string.IsNullOrEmpty(key));
        await Expect(page.GetByTestId("embed-snippet")).ToContainTextAsync("open-chat-studio-widget@0.6.0");
        await Expect(page.GetByTestId("embed-snippet")).ToContainTextAsync($"embed-key=\"{key}\"");
        await Expect(page.GetByTestId("embed-snippet")).ToContainTextAsync($"chatbot-id=\"{bot.PublicId}\"");

        // A URL instead of a host is explained and cannot be saved; a valid list is saved.
        var domains = page.Locator("textarea[data-testid=widget-domains], [data-testid=widget-domains] textarea");
        await domains.FillAsync("https://shop.example.com");
        await Expect(page.GetByText("no https://")).ToBeVisibleAsync();
        await Expect(page.GetByTestId("save-widget")).ToBeDisabledAsync();
        await domains.FillAsync("shop.example.com\n*.Example.org");
        await Expect(page.GetByTestId("save-widget")).ToBeEnabledAsync();
        await page.GetByTestId("save-widget").ClickAsync();
        await Expect(page.GetByText("Widget channel saved.")).ToBeVisibleAsync();
        var channels = _app.Services.GetRequiredService<ChannelService>();
        Assert.Equal(["shop.example.com", "*.example.org"], (await channels.ListAsync(access, bot.Id, default)).Single().AllowedDomains);

        // Regenerate asks first, then replaces the key.
        await page.GetByTestId("regenerate-key").ClickAsync();
        await page.Locator(".mud-dialog").GetByRole(AriaRole.Button, new() { Name = "Regenerate" }).ClickAsync();
        await Expect(keyInput).Not.ToHaveValueAsync(key);
        var stored = (await channels.ListAsync(access, bot.Id, default)).Single().EmbedKey;
        Assert.NotEqual(key, stored);
        await Expect(keyInput).ToHaveValueAsync(stored!);
    }
}
