using System.Text.RegularExpressions;
using Microsoft.Playwright;
using OpenChatStudio.Tests.TestSupport;
using static Microsoft.Playwright.Assertions;

namespace OpenChatStudio.Tests.E2E;

/// <summary>In Chromium: an admin creates a chatbot from a template, edits its settings, copies and archives it.</summary>
public class ChatbotsPageTests : IClassFixture<BrowserFixture>, IAsyncLifetime
{
    private readonly BrowserFixture _browser;
    private readonly OcsAppFactory _app = new();

    public ChatbotsPageTests(BrowserFixture browser) => _browser = browser;

    public Task InitializeAsync() => ((IAsyncLifetime)_app).InitializeAsync();

    public Task DisposeAsync() => ((IAsyncLifetime)_app).DisposeAsync();

    private string Url(string path) => new Uri(_app.BaseAddress, path).ToString();

    private static async Task WaitInteractiveAsync(IPage page) =>
        await page.Locator("#blazor-interactive").WaitForAsync(new() { State = WaitForSelectorState.Attached });

    [Fact]
    public async Task Admin_CreatesFromTemplate_EditsSettings_CopiesAndArchives()
    {
        var user = await _app.CreateUserAsync("admin@example.test");
        await _app.CreateTeamAsync(user.Id, "Lab");
        var page = await _browser.NewPageAsync();
        await page.GotoAsync(Url("/account/login"));
        await page.FillAsync("#email", "admin@example.test");
        await page.FillAsync("#password", "password-123");
        await page.ClickAsync("button[type=submit]");
        await Expect(page).ToHaveURLAsync(new Regex("/t/lab$"));
        await page.GotoAsync(Url("/t/lab/chatbots"));
        await WaitInteractiveAsync(page);

        // Empty state with a call to action.
        await Expect(page.GetByTestId("empty-state")).ToContainTextAsync("No chatbots yet");

        // Create from the router template: lands on the designer URL.
        await page.GetByTestId("empty-create-chatbot").ClickAsync();
        await page.Locator("input[data-testid=new-chatbot-name], [data-testid=new-chatbot-name] input").FillAsync("Triage desk");
        await page.GetByTestId("template-router-two-specialists").ClickAsync();
        await page.GetByTestId("confirm-create").ClickAsync();
        await Expect(page).ToHaveURLAsync(new Regex("/t/lab/chatbots/[0-9a-f-]{36}$"));

        // Back on the list it is there, with the template's description.
        await page.GotoAsync(Url("/t/lab/chatbots"));
        await WaitInteractiveAsync(page);
        var row = page.GetByTestId("chatbot-row").Filter(new() { HasText = "Triage desk" });
        await Expect(row).ToContainTextAsync("An LLM router sends each message");

        // Settings: paste an allowlist with a duplicate; three unique identifiers are saved and survive a reload.
        await row.GetByTestId("chatbot-settings").ClickAsync();
        await Expect(page).ToHaveURLAsync(new Regex("/t/lab/chatbots/[0-9a-f-]{36}/settings$"));
        var allowlist = page.Locator("textarea[data-testid=settings-allowlist], [data-testid=settings-allowlist] textarea");
        await allowlist.FillAsync("ann@example.org\nbob@example.org\nANN@example.org, +15550100");
        await Expect(page.GetByTestId("allowlist-count")).ToHaveTextAsync("3 unique identifiers allowed.");
        await page.GetByTestId("save-settings").ClickAsync();
        await Expect(page.GetByText("Settings saved.")).ToBeVisibleAsync();
        await page.ReloadAsync();
        await WaitInteractiveAsync(page);
        await Expect(page.GetByTestId("allowlist-count")).ToHaveTextAsync("3 unique identifiers allowed.");
        await Expect(allowlist).ToHaveValueAsync("ann@example.org\nbob@example.org\n+15550100");

        // Copy it.
        await page.GotoAsync(Url("/t/lab/chatbots"));
        await WaitInteractiveAsync(page);
        await page.GetByTestId("chatbot-row").Filter(new() { HasText = "Triage desk" }).GetByTestId("chatbot-copy").ClickAsync();
        var copyRow = page.GetByTestId("chatbot-row").Filter(new() { HasText = "Copy of Triage desk" });
        await Expect(copyRow).ToHaveCountAsync(1);
        await Expect(page.GetByTestId("chatbot-row")).ToHaveCountAsync(2);

        // Archive the copy after confirming; it disappears unless "Show archived" is on.
        await copyRow.GetByTestId("chatbot-archive").ClickAsync();
        await page.GetByRole(AriaRole.Button, new() { Name = "Archive", Exact = true }).ClickAsync();
        await Expect(copyRow).ToHaveCountAsync(0);
        await Expect(page.GetByTestId("chatbot-row")).ToHaveCountAsync(1);
        await page.GetByText("Show archived").ClickAsync();
        await Expect(page.GetByTestId("chatbot-row")).ToHaveCountAsync(2);
        await Expect(copyRow).ToContainTextAsync("Archived");
    }
}
