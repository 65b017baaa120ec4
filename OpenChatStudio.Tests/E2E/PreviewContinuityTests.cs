using System.Text.RegularExpressions;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Playwright;
using OpenChatStudio.Core.Chatbots;
using OpenChatStudio.Core.Data;
using OpenChatStudio.Core.Teams;
using OpenChatStudio.Tests.TestSupport;
using static Microsoft.Playwright.Assertions;

namespace OpenChatStudio.Tests.E2E;

/// <summary>
/// In Chromium: the designer's preview conversation survives a reload (Restart still starts a new one), and a reply's
/// trace says what the turn changed in participant data and session state, in the preview and in the transcript.
/// </summary>
public class PreviewContinuityTests : IClassFixture<BrowserFixture>, IAsyncLifetime
{
    private readonly BrowserFixture _browser;
    private readonly OcsAppFactory _app = new();
    private TeamAccess _access = default!;

    public PreviewContinuityTests(BrowserFixture browser) => _browser = browser;

    public async Task InitializeAsync()
    {
        await ((IAsyncLifetime)_app).InitializeAsync();
        var user = await _app.CreateUserAsync("tester@example.test");
        await _app.CreateTeamAsync(user.Id, "Lab");
        _access = (await _app.Services.GetRequiredService<TeamService>().GetAccessAsync(user.Id, "lab", CancellationToken.None))!;
    }

    public async Task DisposeAsync() => await ((IAsyncLifetime)_app).DisposeAsync();

    private ChatbotService Chatbots => _app.Services.GetRequiredService<ChatbotService>();

    private async Task<IPage> SignInAsync()
    {
        var page = await _browser.NewPageAsync();
        await page.GotoAsync(new Uri(_app.BaseAddress, "/account/login").ToString());
        await page.FillAsync("#email", "tester@example.test");
        await page.FillAsync("#password", "password-123");
        await page.ClickAsync("button[type=submit]");
        await Expect(page).ToHaveURLAsync(new Regex("/t/lab$"));
        return page;
    }

    private static async Task OpenPreviewTabAsync(IPage page)
    {
        await page.Locator("#blazor-interactive").WaitForAsync(new() { State = WaitForSelectorState.Attached });
        await page.GetByRole(AriaRole.Tab, new() { Name = "Preview" }).ClickAsync();
        await Expect(page.GetByTestId("chat-preview")).ToBeVisibleAsync();
    }

    private static async Task SendAsync(IPage page, string text)
    {
        var input = page.Locator("[data-testid=preview-input] textarea, textarea[data-testid=preview-input]").First;
        await Expect(input).ToBeEnabledAsync(new() { Timeout = 15_000 });
        await input.FillAsync(text);
        await page.GetByTestId("preview-send").ClickAsync();
    }

    private async Task<List<Guid>> PreviewSessionIdsAsync(Guid chatbotId)
    {
        await using var db = await _app.Services.GetRequiredService<IDbContextFactory<AppDbContext>>().CreateForTeamAsync(_access.TeamId, default);
        return await db.ChatSessions.Where(s => s.ChatbotId == chatbotId).OrderBy(s => s.CreatedAt).Select(s => s.Id).ToListAsync();
    }

    [Fact]
    public async Task Preview_AfterReload_ShowsTheSameConversation_AndContinuesIt_RestartStartsANewOne()
    {
        var bot = (await Chatbots.CreateAsync(_access, "Echo", ChatbotTemplates.Blank, default)).Value!;
        var page = await SignInAsync();
        await page.GotoAsync(new Uri(_app.BaseAddress, $"/t/lab/chatbots/{bot.Id}").ToString());
        await OpenPreviewTabAsync(page);
        await SendAsync(page, "first question");
        await Expect(page.GetByTestId("msg-bot")).ToContainTextAsync("first question", new() { Timeout = 15_000 });

        await page.ReloadAsync();
        await OpenPreviewTabAsync(page);

        // The same conversation, with the reply's trace, and it goes on in the same session.
        await Expect(page.GetByTestId("msg-human")).ToHaveTextAsync(["first question"], new() { Timeout = 15_000 });
        await Expect(page.GetByTestId("msg-bot")).ToHaveCountAsync(1);
        await page.GetByTestId("toggle-trace").ClickAsync();
        await Expect(page.GetByTestId("trace-node")).ToHaveTextAsync(["start", "end"]);
        await SendAsync(page, "second question");
        await Expect(page.GetByTestId("msg-bot").Nth(1)).ToContainTextAsync("second question", new() { Timeout = 15_000 });
        await Expect(page.GetByTestId("msg-human")).ToHaveTextAsync(["first question", "second question"]);
        Assert.Single(await PreviewSessionIdsAsync(bot.Id));

        // Restart starts a new session, and a reload then shows the new one, not the old conversation.
        await page.GetByTestId("preview-restart").ClickAsync();
        await Expect(page.GetByTestId("msg-human")).ToHaveCountAsync(0, new() { Timeout = 15_000 });
        await Expect(page.GetByTestId("chat-preview")).ToContainTextAsync("Session restarted");
        await SendAsync(page, "after restart");
        await Expect(page.GetByTestId("msg-bot").Last).ToContainTextAsync("after restart", new() { Timeout = 15_000 });
        await page.ReloadAsync();
        await OpenPreviewTabAsync(page);
        await Expect(page.GetByTestId("msg-human")).ToHaveTextAsync(["after restart"], new() { Timeout = 15_000 });
        await Expect(page.GetByTestId("chat-preview")).Not.ToContainTextAsync("first question");
        Assert.Equal(2, (await PreviewSessionIdsAsync(bot.Id)).Count);
    }

    [Fact]
    public async Task Trace_SaysWhatTheTurnChangedInParticipantData_InThePreviewAndTheTranscript()
    {
        var bot = (await Chatbots.CreateAsync(_access, "Intake", ChatbotTemplates.Intake, default)).Value!;
        var page = await SignInAsync();
        await page.GotoAsync(new Uri(_app.BaseAddress, $"/t/lab/chatbots/{bot.Id}").ToString());
        await OpenPreviewTabAsync(page);

        await SendAsync(page, "Hi, my name is Ada and I am 34 years old.");
        await Expect(page.GetByTestId("msg-bot").Last).ToContainTextAsync("Offline model", new() { Timeout = 15_000 });
        await page.GetByTestId("toggle-trace").ClickAsync();

        var turn = page.GetByTestId("trace-state-changes");
        await Expect(turn).ToContainTextAsync("What this turn changed");
        var name = page.Locator("[data-testid=trace-state-change][data-scope=participant_data]").Filter(new() { HasText = "name" });
        await Expect(name).ToHaveAttributeAsync("data-kind", "added");
        await Expect(name).ToContainTextAsync("\"Ada\"");
        var age = page.Locator("[data-testid=trace-state-change][data-scope=participant_data]").Filter(new() { HasText = "age" });
        await Expect(age).ToContainTextAsync("34");
        // The node that did it says so too.
        var intakeNode = page.Locator("ol[data-testid=trace] > li").Filter(new() { Has = page.GetByTestId("trace-node").GetByText("intake", new() { Exact = true }) });
        await Expect(intakeNode.GetByTestId("trace-node-state-change")).ToHaveCountAsync(2);
        await Expect(page.GetByTestId("trace-node-state-change")).ToHaveCountAsync(2);

        // The session transcript shows the same.
        var sessionId = (await PreviewSessionIdsAsync(bot.Id)).Single();
        await page.GotoAsync(new Uri(_app.BaseAddress, $"/t/lab/sessions/{sessionId}").ToString());
        await page.Locator("#blazor-interactive").WaitForAsync(new() { State = WaitForSelectorState.Attached });
        await page.GetByTestId("toggle-trace").ClickAsync();
        var stored = page.Locator("[data-testid=trace-state-change][data-scope=participant_data]").Filter(new() { HasText = "name" });
        await Expect(stored).ToContainTextAsync("\"Ada\"");
    }
}
