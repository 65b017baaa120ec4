using System.Text.RegularExpressions;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Playwright;
using OpenChatStudio.Core.Chatbots;
using OpenChatStudio.Core.Teams;
using OpenChatStudio.Tests.Core.Sessions;
using OpenChatStudio.Tests.TestSupport;
using static Microsoft.Playwright.Assertions;

namespace OpenChatStudio.Tests.E2E;

/// <summary>
/// In Chromium, the way a user meets them: the studio defects found by trying the product (issue 14). Each test presses
/// the control that used to crash the circuit or lose an edit, then checks the page still works and nothing was lost.
/// </summary>
public class StudioDefectsTests : IClassFixture<BrowserFixture>, IAsyncLifetime
{
    private const string Email = "editor@example.test";
    private readonly BrowserFixture _browser;
    private readonly OcsAppFactory _app = new();
    private TeamAccess _access = default!;
    private Guid _chatbotId;

    public StudioDefectsTests(BrowserFixture browser) => _browser = browser;

    public async Task InitializeAsync()
    {
        await ((IAsyncLifetime)_app).InitializeAsync();
        var owner = await _app.CreateUserAsync("owner@example.test");
        await _app.CreateTeamAsync(owner.Id, "Lab");
        await _app.CreateTeamAsync(owner.Id, "Field Office");
        var editor = await _app.CreateUserAsync(Email);
        await _app.AddToTeamAsync(editor.Id, "lab", TeamRole.Editor);
        await _app.AddToTeamAsync(editor.Id, "field-office", TeamRole.Editor);
        _access = (await _app.Services.GetRequiredService<TeamService>().GetAccessAsync(editor.Id, "lab", default))!;
        var created = await Chatbots.CreateAsync(_access, "Helper", ChatbotTemplates.Blank, default);
        Assert.True(created.Succeeded, created.Error);
        _chatbotId = created.Value!.Id;
    }

    public async Task DisposeAsync() => await ((IAsyncLifetime)_app).DisposeAsync();

    private ChatbotService Chatbots => _app.Services.GetRequiredService<ChatbotService>();

    private string Url(string path) => new Uri(_app.BaseAddress, path).ToString();

    [Fact]
    public async Task DesignerExport_ShowsDownload_AndTheDesignerKeepsWorking()
    {
        var page = await OpenDesignerAsync();

        await page.GetByTestId("export").ClickAsync();
        var download = page.GetByTestId("export-download");
        await Expect(download).ToBeVisibleAsync();
        await Expect(download).ToHaveAttributeAsync("download", new Regex(@"\.json$"));
        await Expect(page.Locator("textarea[data-testid=export-text], [data-testid=export-text] textarea")).ToHaveValueAsync(new Regex("\"pipeline\""));
        await page.Locator(".mud-dialog").GetByRole(AriaRole.Button, new() { Name = "Close", Exact = true }).ClickAsync();
        await Expect(page.Locator(".mud-dialog")).ToHaveCountAsync(0);

        // The circuit is alive: an edit after the export is saved.
        await page.GetByTestId("palette-Passthrough").ClickAsync();
        await page.GetByTestId("save").ClickAsync();
        await Expect(page.GetByTestId("save-state")).ToHaveTextAsync("Saved");
        await WaitForStoredAsync(d => d.Pipeline.Nodes.Any(n => n.Type == "Passthrough"));
        await ExpectNoErrorScreenAsync(page);
    }

    [Fact]
    public async Task SessionsExportCsv_WhenFinished_OffersTheFileWithoutAReload()
    {
        var seeder = new SessionSeeder(_app.Services, _access);
        var participant = await seeder.ParticipantAsync("ana@example.test");
        await seeder.SessionAsync(_chatbotId, participant.Id, DateTime.UtcNow.AddMinutes(-5), exchange: ["how do I reset it?", "hold the button"]);
        var page = await SignInAsync();
        await StudioPages.OpenAsync(page, _app, "/t/lab/sessions");

        await page.GetByTestId("export-csv").ClickAsync();
        var link = page.GetByTestId("export-download");
        await Expect(link).ToBeVisibleAsync(new() { Timeout = 30_000 });
        await Expect(link).ToHaveAttributeAsync("download", new Regex(@"\.csv$"));
        await ExpectNoErrorScreenAsync(page);

        var response = await page.APIRequest.GetAsync(Url((await link.GetAttributeAsync("href"))!));
        Assert.Equal(200, response.Status);
        var csv = await response.TextAsync();
        Assert.Contains("hold the button", csv);
    }

    [Fact]
    public async Task TeamSwitcher_OpensWithMouseAndKeyboard_SwitchesTeams_AndOffersCreateTeam()
    {
        var page = await SignInAsync();
        var switcher = page.GetByRole(AriaRole.Button, new() { Name = "Team: Lab. Switch team" });
        await Expect(switcher).ToBeVisibleAsync();

        await switcher.ClickAsync();
        var fieldOffice = page.GetByRole(AriaRole.Menuitem, new() { Name = "Field Office" });
        await Expect(fieldOffice).ToBeVisibleAsync();
        await Expect(page.GetByRole(AriaRole.Menuitem, new() { Name = "Create team" })).ToBeVisibleAsync();
        await fieldOffice.ClickAsync();
        await Expect(page).ToHaveURLAsync(new Regex("/t/field-office$"));
        await Expect(page.GetByTestId("team-title")).ToHaveTextAsync("Field Office");

        // Keyboard only: focus the switcher, open it with Enter, reach "Create team".
        var keyboardSwitcher = page.GetByRole(AriaRole.Button, new() { Name = "Team: Field Office. Switch team" });
        await keyboardSwitcher.FocusAsync();
        await page.Keyboard.PressAsync("Enter");
        var create = page.GetByRole(AriaRole.Menuitem, new() { Name = "Create team" });
        await Expect(create).ToBeVisibleAsync();
        await create.FocusAsync();
        await page.Keyboard.PressAsync("Enter");
        await Expect(page).ToHaveURLAsync(new Regex("/teams/new$"));

        // The account button says what it is.
        await Expect(page.GetByRole(AriaRole.Button, new() { Name = $"Account: {Email}" })).ToBeVisibleAsync();
        await ExpectNoErrorScreenAsync(page);
    }

    [Fact]
    public async Task DesignerEdit_LeavingAtOnceForVersions_IsSavedFirst()
    {
        var page = await OpenDesignerAsync();

        await page.GetByTestId("palette-Passthrough").ClickAsync();
        await Expect(page.Locator("[data-node-name=do_nothing]")).ToBeVisibleAsync();
        await page.GetByTestId("versions-link").ClickAsync();   // well inside the autosave delay
        await Expect(page).ToHaveURLAsync(new Regex($"/chatbots/{_chatbotId}/versions$"));

        var stored = (await Chatbots.GetAsync(_access, _chatbotId, default))!;
        Assert.Contains(stored.Pipeline.Nodes, n => n.Type == "Passthrough");
        await page.GoBackAsync();
        await Expect(page.Locator("[data-node-name=do_nothing]")).ToBeVisibleAsync();
        await ExpectNoErrorScreenAsync(page);
    }

    [Fact]
    public async Task DesignerCtrlS_WhileTypingInThePrompt_SavesTheTextOnScreen()
    {
        var page = await OpenDesignerAsync();
        await page.GetByTestId("palette-LLMResponseWithPrompt").ClickAsync();
        await Expect(page.GetByTestId("node-inspector")).ToContainTextAsync("LLM");
        await Expect(page.GetByTestId("save-state")).ToHaveTextAsync("Saved");   // the new node is stored
        var prompt = page.Locator("[data-testid=field-prompt] textarea").First;
        await prompt.ClickAsync();
        await prompt.FillAsync("");
        await prompt.PressSequentiallyAsync("Answer like a pirate.");

        await prompt.PressAsync("Control+s");   // focus still in the prompt: no blur, no Tab

        // Without the commit the text never leaves the browser (no blur happens), so no later autosave can store it.
        await WaitForStoredAsync(d => d.Pipeline.Nodes.Any(n => n.Type == "LLMResponseWithPrompt" && n.Params["prompt"]?.GetValue<string>() == "Answer like a pirate."));
        await Expect(page.GetByTestId("save-state")).ToHaveTextAsync("Saved");
        await Expect(prompt).ToBeFocusedAsync();
    }

    [Fact]
    public async Task DesignerWithUnsavedEdits_AsksBeforeTheTabIsClosed()
    {
        var page = await OpenDesignerAsync();
        await page.GetByTestId("palette-Passthrough").ClickAsync();
        await Expect(page.GetByTestId("save-state")).ToHaveTextAsync("Unsaved changes");

        var asked = new TaskCompletionSource<string>();
        page.Dialog += (_, dialog) =>
        {
            asked.TrySetResult(dialog.Type);
            _ = dialog.DismissAsync();   // stay on the page
        };
        await page.CloseAsync(new() { RunBeforeUnload = true });

        Assert.Equal("beforeunload", await asked.Task.WaitAsync(TimeSpan.FromSeconds(10)));
        Assert.False(page.IsClosed);
    }

    [Fact]
    public async Task StudioPage_RefusesInjectedInlineScript_WhileItsOwnScriptsRun()
    {
        var page = await OpenDesignerAsync();   // the designer runs blazor.web.js, MudBlazor, the diagram library and designer.js
        var violations = new List<string>();
        page.Console += (_, message) =>
        {
            if (message.Text.Contains("Content Security Policy", StringComparison.Ordinal))
            {
                violations.Add(message.Text);
            }
        };

        // What markup injected into the page would do: an inline script. The page's policy refuses it.
        await Assert.ThrowsAnyAsync<PlaywrightException>(() => page.AddScriptTagAsync(new() { Content = "window.__injected = 1;" }));
        Assert.Equal("undefined", await page.EvaluateAsync<string>("typeof window.__injected"));

        // The app's own scripts keep working: an edit is saved over the live circuit, and nothing else was refused.
        await page.GetByTestId("palette-Passthrough").ClickAsync();
        await page.GetByTestId("save").ClickAsync();
        await Expect(page.GetByTestId("save-state")).ToHaveTextAsync("Saved");
        Assert.DoesNotContain(violations, v => !v.Contains("__injected", StringComparison.Ordinal) && !v.Contains("inline script", StringComparison.Ordinal));
    }

    private async Task<IPage> SignInAsync()
    {
        var page = await _browser.NewPageAsync();
        await StudioPages.SignInAsync(page, _app, Email, "/t/(lab|field-office)");   // lands on one of the editor's teams
        await StudioPages.OpenAsync(page, _app, "/t/lab");
        return page;
    }

    private async Task<IPage> OpenDesignerAsync()
    {
        var page = await _browser.NewPageAsync();
        await StudioPages.SignInAsync(page, _app, Email, "/t/(lab|field-office)");
        await StudioPages.OpenDesignerAsync(page, _app, "lab", _chatbotId);
        await Expect(page.GetByTestId("save-state")).ToHaveTextAsync("Saved");
        return page;
    }

    /// <summary>Neither the circuit's error screen nor the studio's error boundary is showing.</summary>
    private static async Task ExpectNoErrorScreenAsync(IPage page)
    {
        await Expect(page.Locator("#blazor-error-ui")).ToBeHiddenAsync();
        await Expect(page.GetByTestId("app-error")).ToHaveCountAsync(0);
    }

    private async Task<ChatbotDetails> WaitForStoredAsync(Func<ChatbotDetails, bool> done)
    {
        for (var i = 0; i < 100; i++)
        {
            var details = (await Chatbots.GetAsync(_access, _chatbotId, default))!;
            if (done(details))
            {
                return details;
            }
            await Task.Delay(100);
        }
        var last = (await Chatbots.GetAsync(_access, _chatbotId, default))!;
        Assert.Fail($"The stored pipeline never matched: {last.Pipeline.ToJson()}");
        return last;
    }
}
