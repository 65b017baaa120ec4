using System.Text.Json.Nodes;
using System.Text.RegularExpressions;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Playwright;
using OpenChatStudio.Core.Chatbots;
using OpenChatStudio.Core.Events;
using OpenChatStudio.Core.Teams;
using OpenChatStudio.Tests.TestSupport;
using static Microsoft.Playwright.Assertions;

namespace OpenChatStudio.Tests.E2E;

/// <summary>
/// Issue 7's "done when", in Chromium: in the preview a tester asks the offline model for a reminder; it is listed, the real
/// Quartz delivery sends it and it arrives live in the preview; a timeout follow-up arrives after silence; the chatbot's
/// Events page shows both firings.
/// </summary>
public class ReminderPreviewTests : IClassFixture<BrowserFixture>, IAsyncLifetime
{
    private readonly BrowserFixture _browser;
    private readonly OcsAppFactory _app = new();
    private TeamAccess _access = default!;

    public ReminderPreviewTests(BrowserFixture browser) => _browser = browser;

    public async Task InitializeAsync()
    {
        await ((IAsyncLifetime)_app).InitializeAsync();
        var user = await _app.CreateUserAsync("tester@example.test");
        await _app.CreateTeamAsync(user.Id, "Lab");
        _access = (await _app.Services.GetRequiredService<TeamService>().GetAccessAsync(user.Id, "lab", CancellationToken.None))!;
    }

    public async Task DisposeAsync() => await ((IAsyncLifetime)_app).DisposeAsync();

    [Fact]
    public async Task Preview_RemindMe_IsListed_ArrivesLive_TimeoutFollowUpArrives_AndTheEventsPageShowsBoth()
    {
        var chatbots = _app.Services.GetRequiredService<ChatbotService>();
        var bot = (await chatbots.CreateAsync(_access, "Reminder bot", ChatbotTemplates.SimpleAssistant, default)).Value!;
        var graph = bot.Pipeline with
        {
            Nodes = bot.Pipeline.Nodes.Select(n => n.Type != "LLMResponseWithPrompt" ? n : n with
            {
                Params = ((JsonObject)n.Params.DeepClone()).Also(p => p["tools"] = new JsonArray("one-off-reminder", "list-reminders")),
            }).ToList(),
        };
        Assert.True((await chatbots.SavePipelineAsync(_access, bot.Id, graph, bot.Layout, bot.EditRevision, default)).Succeeded);
        var timeout = new EventTrigger
        {
            Kind = TriggerKind.Timeout,
            DelaySeconds = 3,
            TotalFires = 1,
            Action = new EventAction { Type = EventActionType.SendMessage, Prompt = "Are you still there?" },
        };
        Assert.True((await _app.Services.GetRequiredService<TriggerService>().SaveAsync(_access, bot.Id, timeout, default))!.Succeeded);

        var page = await _browser.NewPageAsync();
        await page.GotoAsync(new Uri(_app.BaseAddress, "/account/login").ToString());
        await page.FillAsync("#email", "tester@example.test");
        await page.FillAsync("#password", "password-123");
        await page.ClickAsync("button[type=submit]");
        await Expect(page).ToHaveURLAsync(new Regex("/t/lab$"));
        await page.GotoAsync(new Uri(_app.BaseAddress, $"/t/lab/chatbots/{bot.Id}").ToString());
        await page.Locator("#blazor-interactive").WaitForAsync(new() { State = WaitForSelectorState.Attached });
        await page.GetByRole(AriaRole.Tab, new() { Name = "Preview" }).ClickAsync();
        await Expect(page.GetByTestId("chat-preview")).ToBeVisibleAsync();
        var input = page.Locator("[data-testid=preview-input] textarea, textarea[data-testid=preview-input]").First;
        await Expect(input).ToBeEnabledAsync();

        await input.FillAsync("remind me in 5 seconds to stretch");
        await page.GetByTestId("preview-send").ClickAsync();

        // Generous waits: the machine running the suite is shared (speed is measured in bench/, not here).
        var slow = new LocatorAssertionsToContainTextOptions { Timeout = 60_000 };
        await Expect(page.GetByTestId("msg-bot").First).ToContainTextAsync("OK, I will remind you: stretch", slow);
        await page.GetByTestId("preview-tools").ClickAsync();
        await Expect(page.GetByTestId("preview-playground")).ToContainTextAsync("stretch", slow);
        await Expect(page.GetByTestId("preview-playground")).ToContainTextAsync("once at");
        // The timeout follow-up (3 s of silence) and the reminder (5 s), delivered by Quartz and pushed to the open preview.
        await Expect(page.GetByTestId("preview-messages")).ToContainTextAsync("Offline model: Are you still there?", slow);
        await Expect(page.GetByTestId("preview-messages")).ToContainTextAsync("Offline model: stretch", slow);

        await page.GotoAsync(new Uri(_app.BaseAddress, $"/t/lab/chatbots/{bot.Id}/events").ToString());
        var log = page.GetByTestId("event-log");
        await Expect(log).ToContainTextAsync("Timeout 3 s", slow);
        await Expect(log).ToContainTextAsync("Scheduled message: stretch");
        await Expect(page.GetByTestId("log-row")).ToHaveCountAsync(2);
    }
}

internal static class JsonObjectExtensions
{
    public static JsonObject Also(this JsonObject o, Action<JsonObject> change)
    {
        change(o);
        return o;
    }
}
