using System.Text.RegularExpressions;
using Microsoft.Playwright;
using OpenChatStudio.Tests.TestSupport;
using static Microsoft.Playwright.Assertions;

namespace OpenChatStudio.Tests.E2E;

/// <summary>
/// In Chromium: first-run admin creation → team → invitation link → a second person joins → sees the team → signs out.
/// </summary>
public class OnboardingFlowTests : IClassFixture<BrowserFixture>, IAsyncLifetime
{
    private readonly BrowserFixture _browser;
    private readonly OcsAppFactory _app = new();

    public OnboardingFlowTests(BrowserFixture browser) => _browser = browser;

    public Task InitializeAsync() => ((IAsyncLifetime)_app).InitializeAsync();

    public Task DisposeAsync() => ((IAsyncLifetime)_app).DisposeAsync();

    private string Url(string path) => new Uri(_app.BaseAddress, path).ToString();

    private static Task WaitInteractiveAsync(IPage page) =>
        page.Locator("#blazor-interactive").WaitForAsync(new() { State = WaitForSelectorState.Attached });

    [Fact]
    public async Task FirstRun_Invite_SecondUserJoins_SeesTeam_SignsOut()
    {
        // First run: the admin creates their account and team.
        var admin = await _browser.NewPageAsync();
        await admin.GotoAsync(Url("/"));
        await Expect(admin).ToHaveURLAsync(new Regex("/setup$"));
        await admin.FillAsync("#display-name", "Ada Admin");
        await admin.FillAsync("#email", "ada@example.test");
        await admin.FillAsync("#password", "correct-horse");
        await admin.FillAsync("#confirm-password", "correct-horse");
        await admin.FillAsync("#team-name", "Research Lab");
        await admin.ClickAsync("button[type=submit]");
        await Expect(admin).ToHaveURLAsync(new Regex("/t/research-lab$"));
        await WaitInteractiveAsync(admin);
        await Expect(admin.GetByTestId("team-title")).ToHaveTextAsync("Research Lab");

        // The admin creates an invitation link from team settings (navigating through the drawer).
        await admin.GetByRole(AriaRole.Link, new() { Name = "Team settings" }).ClickAsync();
        await Expect(admin).ToHaveURLAsync(new Regex("/t/research-lab/settings$"));
        await admin.GetByTestId("create-invite").ClickAsync();
        var linkInput = admin.Locator("input[data-testid=invite-link], [data-testid=invite-link] input");
        await Expect(linkInput).ToHaveValueAsync(new Regex("/invite/"));
        var link = await linkInput.InputValueAsync();

        // A second person opens the link in their own browser and creates an account.
        var joiner = await _browser.NewPageAsync();
        await joiner.GotoAsync(link);
        await Expect(joiner.Locator("h5")).ToContainTextAsync("Research Lab");
        await joiner.FillAsync("#display-name", "Bea Builder");
        await joiner.FillAsync("#email", "bea@example.test");
        await joiner.FillAsync("#password", "another-horse");
        await joiner.FillAsync("#confirm-password", "another-horse");
        await joiner.GetByTestId("create-and-join").ClickAsync();
        await Expect(joiner).ToHaveURLAsync(new Regex("/t/research-lab$"));
        await WaitInteractiveAsync(joiner);
        await Expect(joiner.GetByTestId("team-title")).ToHaveTextAsync("Research Lab");
        await Expect(joiner.GetByText("You are Editor in this team.")).ToBeVisibleAsync();
        await Expect(joiner.GetByTestId("team-switcher")).ToContainTextAsync("Research Lab");

        // The admin sees the new member with the invited role.
        await admin.ReloadAsync();
        await WaitInteractiveAsync(admin);
        var row = admin.GetByTestId("members-table").Locator("tr", new() { HasText = "bea@example.test" });
        await Expect(row).ToContainTextAsync("Editor");

        // The second person signs out and can no longer open the team.
        await joiner.GetByTestId("account-menu").Locator("button").First.ClickAsync();
        await joiner.GetByTestId("sign-out").ClickAsync();
        await Expect(joiner).ToHaveURLAsync(new Regex("/account/login\\?signedOut=1$"));
        await Expect(joiner.GetByText("You are signed out.")).ToBeVisibleAsync();
        await joiner.GotoAsync(Url("/t/research-lab"));
        await Expect(joiner).ToHaveURLAsync(new Regex("/account/login\\?ReturnUrl="));
    }

    [Fact]
    public async Task DarkModeToggle_SwitchesThemeAndIsRemembered()
    {
        var user = await _app.CreateUserAsync("dark@example.test");
        await _app.CreateTeamAsync(user.Id, "Night Shift");
        var page = await _browser.NewPageAsync();
        await page.GotoAsync(Url("/account/login"));
        await page.FillAsync("#email", "dark@example.test");
        await page.FillAsync("#password", "password-123");
        await page.ClickAsync("button[type=submit]");
        await Expect(page).ToHaveURLAsync(new Regex("/t/night-shift$"));
        await WaitInteractiveAsync(page);

        const string BackgroundJs = "getComputedStyle(document.querySelector('.mud-main-content')).getPropertyValue('--mud-palette-background').trim() || getComputedStyle(document.body).backgroundColor";
        var before = await page.EvaluateAsync<string>(BackgroundJs);

        await page.GetByTestId("dark-mode-toggle").ClickAsync();
        await page.WaitForFunctionAsync($"(before) => ({BackgroundJs}) !== before", before);
        await page.WaitForFunctionAsync("() => localStorage.getItem('ocs-theme') === 'dark'");

        await page.ReloadAsync();
        await WaitInteractiveAsync(page);
        await page.WaitForFunctionAsync($"(before) => ({BackgroundJs}) !== before", before);
    }
}
