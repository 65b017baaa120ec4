using System.Text.RegularExpressions;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Playwright;
using OpenChatStudio.Core.Chatbots;
using OpenChatStudio.Core.Pipelines.Graph;
using OpenChatStudio.Core.Teams;
using OpenChatStudio.Tests.TestSupport;
using static Microsoft.Playwright.Assertions;

namespace OpenChatStudio.Tests.E2E;

/// <summary>
/// In Chromium: the inspector speaks in labels (enum options, the router's default route by name) and hides fields that
/// do not apply; edits the server never stored are offered back (Restore / Discard) when the designer opens again.
/// </summary>
public class DesignerInspectorAndDraftTests : IClassFixture<BrowserFixture>, IAsyncLifetime
{
    private readonly BrowserFixture _browser;
    private readonly OcsAppFactory _app = new();
    private TeamAccess _access = default!;

    public DesignerInspectorAndDraftTests(BrowserFixture browser) => _browser = browser;

    public async Task InitializeAsync()
    {
        await ((IAsyncLifetime)_app).InitializeAsync();
        var user = await _app.CreateUserAsync("editor@example.test");
        await _app.CreateTeamAsync(user.Id, "Lab");
        _access = (await _app.Services.GetRequiredService<TeamService>().GetAccessAsync(user.Id, "lab", CancellationToken.None))!;
    }

    public async Task DisposeAsync() => await ((IAsyncLifetime)_app).DisposeAsync();

    private ChatbotService Chatbots => _app.Services.GetRequiredService<ChatbotService>();

    private async Task<IPage> OpenDesignerAsync(Guid chatbotId)
    {
        var page = await _browser.NewPageAsync();
        await page.GotoAsync(new Uri(_app.BaseAddress, "/account/login").ToString());
        await page.FillAsync("#email", "editor@example.test");
        await page.FillAsync("#password", "password-123");
        await page.ClickAsync("button[type=submit]");
        await Expect(page).ToHaveURLAsync(new Regex("/t/lab$"));
        await page.GotoAsync(new Uri(_app.BaseAddress, $"/t/lab/chatbots/{chatbotId}").ToString());
        await WaitForDesignerAsync(page);
        return page;
    }

    private static async Task WaitForDesignerAsync(IPage page)
    {
        await page.Locator("#blazor-interactive").WaitForAsync(new() { State = WaitForSelectorState.Attached });
        await Expect(page.GetByTestId("node-start")).ToBeVisibleAsync();
    }

    private static async Task ChooseAsync(IPage page, string field, string option)
    {
        await page.Locator($"[data-testid=field-{field}] .mud-select").First.ClickAsync();
        await page.GetByRole(AriaRole.Option, new() { Name = option, Exact = true }).ClickAsync();
    }

    [Fact]
    public async Task Inspector_ShowsLabels_HidesFieldsThatDoNotApply_AndNamesTheDefaultRoute()
    {
        var bot = (await Chatbots.CreateAsync(_access, "Triage", ChatbotTemplates.RouterWithSpecialists, default)).Value!;
        var page = await OpenDesignerAsync(bot.Id);

        await page.Locator("[data-testid=node-router] .ocs-node-title").ClickAsync();
        await Expect(page.GetByTestId("node-inspector")).ToHaveAttributeAsync("data-node-id", "router");

        // Labels, not raw values.
        await Expect(page.Locator("[data-testid=field-history_type] input")).ToHaveValueAsync("This node's own exchanges");
        await Expect(page.Locator("[data-testid=field-history_mode] input")).ToHaveValueAsync("Keep the last N exchanges");
        // The default route, by name, marked in the route list.
        await Expect(page.Locator("[data-testid=field-default_keyword_index] input")).ToHaveValueAsync("SUPPORT");
        var routes = page.Locator("[data-testid=field-keywords] [data-testid=list-item]");
        await Expect(routes.Nth(0).GetByTestId("default-route-chip")).ToBeVisibleAsync();
        await Expect(routes.Nth(1).GetByTestId("default-route-chip")).ToHaveCountAsync(0);
        // A history name only for a named history; a token limit only when history is cut by tokens.
        await Expect(page.GetByTestId("field-history_name")).ToHaveCountAsync(0);
        await Expect(page.GetByTestId("field-user_max_token_limit")).ToHaveCountAsync(0);

        await ChooseAsync(page, "history_type", "A named history shared by nodes");
        await Expect(page.Locator("[data-testid=field-history_name] input")).ToBeVisibleAsync();
        await ChooseAsync(page, "history_type", "None (every message stands alone)");
        await Expect(page.GetByTestId("field-history_name")).ToHaveCountAsync(0);
        await Expect(page.GetByTestId("field-history_mode")).ToHaveCountAsync(0);
        await Expect(page.GetByTestId("field-max_history_length")).ToHaveCountAsync(0);

        await ChooseAsync(page, "default_keyword_index", "SALES");
        await Expect(routes.Nth(1).GetByTestId("default-route-chip")).ToBeVisibleAsync();
        await Expect(routes.Nth(0).GetByTestId("default-route-chip")).ToHaveCountAsync(0);
        await page.GetByTestId("save").ClickAsync();
        await Expect(page.GetByTestId("save-state")).ToHaveTextAsync("Saved", new() { Timeout = 15_000 });
        var router = (await Chatbots.GetAsync(_access, bot.Id, default))!.Pipeline.Nodes.Single(n => n.Id == "router");
        Assert.Equal(1, router.Params["default_keyword_index"]!.GetValue<int>());
        Assert.Equal("none", router.Params["history_type"]!.GetValue<string>());
    }

    /// <summary>Someone else saves meanwhile, so this page's edits are refused: after a reload the designer offers them back.</summary>
    private async Task<IPage> EditThatIsNeverSavedAsync(Guid chatbotId)
    {
        var page = await OpenDesignerAsync(chatbotId);
        await Expect(page.GetByTestId("save-state")).ToHaveTextAsync("Saved");
        var stored = (await Chatbots.GetAsync(_access, chatbotId, default))!;
        var moved = stored.Layout.ToDictionary(p => p.Key, p => p.Key == "end" ? new NodePosition(p.Value.X + 40, p.Value.Y) : p.Value);
        Assert.True((await Chatbots.SavePipelineAsync(_access, chatbotId, stored.Pipeline, moved, stored.EditRevision, default)).Succeeded);

        await page.GetByTestId("palette-LLMResponseWithPrompt").ClickAsync();
        await Expect(page.Locator("[data-node-name=llm]")).ToBeVisibleAsync();
        await Expect(page.GetByTestId("save-error")).ToContainTextAsync("Someone else saved", new() { Timeout = 15_000 });

        // The browser asks before leaving a page with unsaved edits; the user leaves anyway.
        page.Dialog += (_, dialog) => _ = dialog.Type == "beforeunload" ? dialog.AcceptAsync() : dialog.DismissAsync();
        await page.ReloadAsync();
        await WaitForDesignerAsync(page);
        return page;
    }

    [Fact]
    public async Task Designer_EditsThatWereNotSaved_AreOfferedAfterAReload_AndRestoreSavesThem()
    {
        var bot = (await Chatbots.CreateAsync(_access, "Helper", ChatbotTemplates.Blank, default)).Value!;
        var page = await EditThatIsNeverSavedAsync(bot.Id);

        var offer = page.GetByTestId("unsaved-draft");
        await Expect(offer).ToContainTextAsync("were not saved", new() { Timeout = 15_000 });
        await Expect(offer).ToContainTextAsync(new Regex(@"\d{4}-\d{2}-\d{2} \d{2}:\d{2} UTC"));
        await Expect(page.Locator("[data-node-name=llm]")).ToHaveCountAsync(0);

        await page.GetByTestId("draft-restore").ClickAsync();

        await Expect(page.Locator("[data-node-name=llm]")).ToBeVisibleAsync();
        await Expect(offer).ToHaveCountAsync(0);
        await Expect(page.GetByTestId("save-state")).ToHaveTextAsync("Saved", new() { Timeout = 15_000 });
        Assert.Contains((await Chatbots.GetAsync(_access, bot.Id, default))!.Pipeline.Nodes, n => n.Type == "LLMResponseWithPrompt");
        Assert.Null(await page.EvaluateAsync<string?>($"localStorage.getItem('ocs-designer-draft:{bot.Id}')"));
    }

    [Fact]
    public async Task Designer_UnsavedEditsOffer_Discard_ForgetsThem()
    {
        var bot = (await Chatbots.CreateAsync(_access, "Helper", ChatbotTemplates.Blank, default)).Value!;
        var page = await EditThatIsNeverSavedAsync(bot.Id);
        await Expect(page.GetByTestId("unsaved-draft")).ToBeVisibleAsync(new() { Timeout = 15_000 });

        await page.GetByTestId("draft-discard").ClickAsync();

        await Expect(page.GetByTestId("unsaved-draft")).ToHaveCountAsync(0);
        await page.WaitForFunctionAsync($"localStorage.getItem('ocs-designer-draft:{bot.Id}') === null");
        await page.ReloadAsync();
        await WaitForDesignerAsync(page);
        await Expect(page.GetByTestId("save-state")).ToHaveTextAsync("Saved");
        await Expect(page.Locator("[data-node-name=llm]")).ToHaveCountAsync(0);
        Assert.DoesNotContain((await Chatbots.GetAsync(_access, bot.Id, default))!.Pipeline.Nodes, n => n.Type == "LLMResponseWithPrompt");
    }
}
