using System.Text.RegularExpressions;
using Deque.AxeCore.Commons;
using Deque.AxeCore.Playwright;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Playwright;
using OpenChatStudio.Core.Chatbots;
using OpenChatStudio.Core.Teams;
using OpenChatStudio.Tests.TestSupport;
using static Microsoft.Playwright.Assertions;

namespace OpenChatStudio.Tests.E2E;

/// <summary>
/// axe-core in Chromium over the sign-in page, the whole designer, the preview, a session transcript and team settings:
/// no serious or critical violations. (The public chat page is checked at each step of PublicChatPageTests.)
/// </summary>
public class AccessibilityTests : IClassFixture<BrowserFixture>, IAsyncLifetime
{
    private readonly BrowserFixture _browser;
    private readonly OcsAppFactory _app = new();
    private Guid _chatbotId;
    private Guid _sessionId;

    public AccessibilityTests(BrowserFixture browser) => _browser = browser;

    public async Task InitializeAsync()
    {
        await ((IAsyncLifetime)_app).InitializeAsync();
        var user = await _app.CreateUserAsync("a11y@example.test");
        await _app.CreateTeamAsync(user.Id, "Lab");
        var access = (await _app.Services.GetRequiredService<TeamService>().GetAccessAsync(user.Id, "lab", CancellationToken.None))!;
        _chatbotId = (await _app.Services.GetRequiredService<ChatbotService>().CreateAsync(access, "A11y", ChatbotTemplates.SimpleAssistant, default)).Value!.Id;
        var seeder = new OpenChatStudio.Tests.Core.Sessions.SessionSeeder(_app.Services, access);
        var participant = await seeder.ParticipantAsync("reader@example.test", name: "Reader");
        _sessionId = await seeder.SessionAsync(_chatbotId, participant.Id, DateTime.UtcNow.AddMinutes(-3),
            exchange: ["What should I bring?", "Bring **your card** and:\n\n- a pen\n- [the form](https://example.org/form)"]);
    }

    public Task DisposeAsync() => ((IAsyncLifetime)_app).DisposeAsync();

    private static async Task AssertNoSeriousViolationsAsync(IPage page, string? within = null)
    {
        var options = new AxeRunOptions { ResultTypes = [ResultType.Violations] };
        var results = within is null ? await page.RunAxe(options) : await page.Locator(within).RunAxe(options);
        var serious = results.Violations.Where(v => v.Impact is "serious" or "critical").ToList();
        Assert.True(serious.Count == 0, string.Join("\n", serious.Select(v =>
            $"{v.Id} ({v.Impact}): {v.Help} — {string.Join(" | ", v.Nodes.Take(3).Select(n => n.Html))}")));
    }

    [Fact]
    public async Task SignInPage_HasNoSeriousViolations()
    {
        var page = await _browser.NewPageAsync();
        await page.GotoAsync(new Uri(_app.BaseAddress, "/account/login").ToString());
        await AssertNoSeriousViolationsAsync(page);
    }

    [Fact]
    public async Task DesignerPanelsAndPreview_HaveNoSeriousViolations()
    {
        var page = await _browser.NewPageAsync();
        await page.GotoAsync(new Uri(_app.BaseAddress, "/account/login").ToString());
        await page.FillAsync("#email", "a11y@example.test");
        await page.FillAsync("#password", "password-123");
        await page.ClickAsync("button[type=submit]");
        await Expect(page).ToHaveURLAsync(new Regex("/t/lab$"));
        await page.GotoAsync(new Uri(_app.BaseAddress, $"/t/lab/chatbots/{_chatbotId}").ToString());
        await page.Locator("#blazor-interactive").WaitForAsync(new() { State = WaitForSelectorState.Attached });
        await Expect(page.GetByTestId("node-start")).ToBeVisibleAsync();

        await page.Locator("[data-node-name=assistant] .ocs-node-title").ClickAsync();
        await Expect(page.GetByTestId("node-inspector")).ToBeVisibleAsync();
        await AssertNoSeriousViolationsAsync(page, "[data-testid=node-inspector]");

        await page.GetByRole(AriaRole.Tab, new() { Name = "Preview" }).ClickAsync();
        await Expect(page.GetByTestId("chat-preview")).ToBeVisibleAsync();
        await AssertNoSeriousViolationsAsync(page, "[data-testid=chat-preview]");
    }

    [Fact]
    public async Task WholeDesigner_Transcript_AndTeamSettings_HaveNoSeriousViolations()
    {
        var page = await _browser.NewPageAsync();
        await StudioPages.SignInAsync(page, _app, "a11y@example.test", "/t/lab");

        await StudioPages.OpenDesignerAsync(page, _app, "lab", _chatbotId);
        await AssertNoSeriousViolationsAsync(page);

        await StudioPages.OpenAsync(page, _app, $"/t/lab/sessions/{_sessionId}");
        await Expect(page.GetByTestId("msg-bot").Locator("strong")).ToHaveTextAsync("your card");   // markdown, rendered
        await AssertNoSeriousViolationsAsync(page);

        await StudioPages.OpenAsync(page, _app, "/t/lab/settings");
        await Expect(page.GetByTestId("members-table")).ToBeVisibleAsync();
        await AssertNoSeriousViolationsAsync(page);
    }
}
