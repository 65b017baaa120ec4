using System.Text.RegularExpressions;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Playwright;
using OpenChatStudio.Core.Chat;
using OpenChatStudio.Core.Chatbots;
using OpenChatStudio.Core.Participants;
using OpenChatStudio.Core.Teams;
using OpenChatStudio.Core.Versions;
using OpenChatStudio.Tests.TestSupport;
using static Microsoft.Playwright.Assertions;

namespace OpenChatStudio.Tests.E2E;

/// <summary>
/// In Chromium: the Overview is a getting-started checklist (chatbot → preview → publish → share) whose next step is one
/// click away, with counts and recent conversations that leave team members' preview chats out.
/// </summary>
public class OverviewTests : IClassFixture<BrowserFixture>, IAsyncLifetime
{
    private readonly BrowserFixture _browser;
    private readonly OcsAppFactory _app = new();
    private TeamAccess _access = default!;

    public OverviewTests(BrowserFixture browser) => _browser = browser;

    public async Task InitializeAsync()
    {
        await ((IAsyncLifetime)_app).InitializeAsync();
        var user = await _app.CreateUserAsync("overview@example.test");
        await _app.CreateTeamAsync(user.Id, "Outreach");
        _access = (await _app.Services.GetRequiredService<TeamService>().GetAccessAsync(user.Id, "outreach", default))!;
    }

    public Task DisposeAsync() => ((IAsyncLifetime)_app).DisposeAsync();

    [Fact]
    public async Task Checklist_LeadsToTheNextStep_AndFillsUp_RecentConversationsLeaveThePreviewOut()
    {
        var page = await _browser.NewPageAsync();
        await StudioPages.SignInAsync(page, _app, "overview@example.test", "/t/outreach");
        await page.Locator("#blazor-interactive").WaitForAsync(new() { State = WaitForSelectorState.Attached });

        await Expect(page.GetByTestId("getting-started-progress")).ToHaveTextAsync("0 of 4 done");
        await Expect(page.GetByTestId("step-chatbot")).ToHaveAttributeAsync("data-done", "false");
        await Expect(page.GetByTestId("recent-empty")).ToBeVisibleAsync();
        await page.GetByTestId("step-chatbot-action").ClickAsync();
        await Expect(page).ToHaveURLAsync(new Regex("/t/outreach/chatbots$"));

        // A team member tests in the preview, publishes, and a participant talks to the public version.
        var bot = (await _app.Services.GetRequiredService<ChatbotService>().CreateAsync(_access, "Helper", ChatbotTemplates.SimpleAssistant, default)).Value!;
        var runtime = _app.Services.GetRequiredService<ChatRuntime>();
        var tester = await runtime.ParticipantIdAsync(_access.TeamId, ParticipantPlatforms.Preview, "user:tester", "Tess Tester", default);
        var previewSession = (await runtime.StartSessionAsync(_access.TeamId, bot.Id, tester, ParticipantPlatforms.Preview, null, default)).SessionId;
        await runtime.SendAsync(_access.TeamId, previewSession, "testing", null, default);
        await page.GotoAsync(new Uri(_app.BaseAddress, "/t/outreach").ToString());
        await Expect(page.GetByTestId("getting-started-progress")).ToHaveTextAsync("2 of 4 done");
        await page.GetByTestId("step-publish-action").ClickAsync();
        await Expect(page).ToHaveURLAsync(new Regex($"/t/outreach/chatbots/{bot.Id}/versions$"));

        Assert.True((await _app.Services.GetRequiredService<VersionService>().CreateAsync(_access, bot.Id, "v1", true, "Ed", default)).Succeeded);
        var grace = await runtime.ParticipantIdAsync(_access.TeamId, ParticipantPlatforms.Web, "grace@example.test", "Grace", default);
        var publicSession = (await runtime.StartSessionAsync(_access.TeamId, bot.Id, grace, ParticipantPlatforms.Web, null, default, VersionChoice.Published)).SessionId;
        await runtime.SendAsync(_access.TeamId, publicSession, "hello", null, default);

        await page.GotoAsync(new Uri(_app.BaseAddress, "/t/outreach").ToString());
        await Expect(page.GetByTestId("getting-started-progress")).ToHaveTextAsync("4 of 4 done");
        await Expect(page.GetByTestId("count-chatbots")).ToHaveTextAsync("1");
        await Expect(page.GetByTestId("count-participants")).ToHaveTextAsync("1");   // the tester is not a participant
        var recent = page.GetByTestId("recent-session");
        await Expect(recent).ToHaveCountAsync(1);
        await Expect(recent).ToContainTextAsync("Grace");
        await Expect(recent).ToContainTextAsync("Helper");
        await page.Locator("#blazor-interactive").WaitForAsync(new() { State = WaitForSelectorState.Attached });
        await recent.ClickAsync();
        await Expect(page).ToHaveURLAsync(new Regex($"/t/outreach/sessions/{publicSession}$"));
    }
}
