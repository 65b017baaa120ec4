using System.Text.RegularExpressions;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Playwright;
using OpenChatStudio.Core.Chatbots;
using OpenChatStudio.Core.Teams;
using OpenChatStudio.Tests.TestSupport;
using static Microsoft.Playwright.Assertions;

namespace OpenChatStudio.Tests.E2E;

/// <summary>In Chromium: undo/redo, delete (Start protected), import with a bad and a good file, not-found, viewers read-only.</summary>
public class DesignerEditingTests : IClassFixture<BrowserFixture>, IAsyncLifetime
{
    private readonly BrowserFixture _browser;
    private readonly OcsAppFactory _app = new();
    private TeamAccess _access = default!;
    private Guid _chatbotId;

    public DesignerEditingTests(BrowserFixture browser) => _browser = browser;

    public async Task InitializeAsync()
    {
        await ((IAsyncLifetime)_app).InitializeAsync();
        var user = await _app.CreateUserAsync("editor@example.test");
        await _app.CreateTeamAsync(user.Id, "Lab");
        _access = (await _app.Services.GetRequiredService<TeamService>().GetAccessAsync(user.Id, "lab", CancellationToken.None))!;
        _chatbotId = (await Chatbots.CreateAsync(_access, "Editing", ChatbotTemplates.Blank, default)).Value!.Id;
    }

    public Task DisposeAsync() => ((IAsyncLifetime)_app).DisposeAsync();

    private ChatbotService Chatbots => _app.Services.GetRequiredService<ChatbotService>();

    private async Task<IPage> OpenAsync(string email, Guid chatbotId)
    {
        var page = await _browser.NewPageAsync();
        await page.GotoAsync(new Uri(_app.BaseAddress, "/account/login").ToString());
        await page.FillAsync("#email", email);
        await page.FillAsync("#password", "password-123");
        await page.ClickAsync("button[type=submit]");
        await Expect(page).ToHaveURLAsync(new Regex("/t/lab$"));
        await page.GotoAsync(new Uri(_app.BaseAddress, $"/t/lab/chatbots/{chatbotId}").ToString());
        await page.Locator("#blazor-interactive").WaitForAsync(new() { State = WaitForSelectorState.Attached });
        return page;
    }

    [Fact]
    public async Task Designer_AddUndoRedoDelete_StartIsProtected()
    {
        var page = await OpenAsync("editor@example.test", _chatbotId);
        await Expect(page.GetByTestId("node-start")).ToBeVisibleAsync();

        await page.GetByTestId("palette-RenderTemplate").ClickAsync();
        var template = page.Locator("[data-node-name^=render]");
        await Expect(template).ToHaveCountAsync(1);
        await page.GetByTestId("undo").ClickAsync();
        await Expect(template).ToHaveCountAsync(0);
        await page.GetByTestId("redo").ClickAsync();
        await Expect(template).ToHaveCountAsync(1);

        await template.Locator(".ocs-node-title").ClickAsync();
        await page.GetByTestId("delete-node").ClickAsync();
        await Expect(template).ToHaveCountAsync(0);

        await page.Locator("[data-testid=node-start] .ocs-node-title").ClickAsync();
        await Expect(page.GetByTestId("node-inspector")).ToHaveAttributeAsync("data-node-id", "start");
        await Expect(page.GetByTestId("delete-node")).ToHaveCountAsync(0);
    }

    [Fact]
    public async Task Designer_Import_BadJsonShowsError_GoodJsonReplacesPipeline_AndSaves()
    {
        var page = await OpenAsync("editor@example.test", _chatbotId);
        await Expect(page.GetByTestId("node-start")).ToBeVisibleAsync();

        await page.GetByTestId("import").ClickAsync();
        await page.Locator("[data-testid=import-text] textarea, textarea[data-testid=import-text]").First.FillAsync("{\"nodes\": [");
        await page.GetByTestId("import-confirm").ClickAsync();
        await Expect(page.GetByTestId("import-error")).ToBeVisibleAsync();

        var router = ChatbotTemplates.Find(ChatbotTemplates.RouterWithSpecialists)!.Build();
        await page.Locator("[data-testid=import-text] textarea, textarea[data-testid=import-text]").First.FillAsync(router.ToJson());
        await page.GetByTestId("import-confirm").ClickAsync();
        await Expect(page.Locator("[data-node-name=router]")).ToBeVisibleAsync();
        await Expect(page.Locator("[data-node-name=sales]")).ToBeVisibleAsync();

        await page.GetByTestId("save").ClickAsync();
        await Expect(page.GetByTestId("save-state")).ToHaveTextAsync("Saved", new() { Timeout = 15_000 });
        var stored = (await Chatbots.GetAsync(_access, _chatbotId, default))!;
        Assert.True(stored.Pipeline.SameAs(router), stored.Pipeline.ToJson());
    }

    [Fact]
    public async Task Designer_ImportLargePipeline_ByPasteAndByFile_KeepsTheConnection_AndSaves()
    {
        // Over SignalR's 32 KB default: a paste this size used to drop the connection, and every later edit was lost.
        var router = ChatbotTemplates.Find(ChatbotTemplates.RouterWithSpecialists)!.Build();
        var longPrompt = string.Concat(Enumerable.Repeat("Answer kindly and precisely, in the participant's language. ", 300));
        var big = router with
        {
            Nodes = router.Nodes.Select(n => n.Params.ContainsKey("prompt")
                ? n with { Params = WithPrompt(n.Params, longPrompt + n.Name) }
                : n).ToList(),
        };
        var json = big.ToJson();
        Assert.True(json.Length > 40_000, $"{json.Length} characters");
        var page = await OpenAsync("editor@example.test", _chatbotId);
        await Expect(page.GetByTestId("node-start")).ToBeVisibleAsync();

        await page.GetByTestId("import").ClickAsync();
        await page.Locator("[data-testid=import-text] textarea, textarea[data-testid=import-text]").First.FillAsync(json);
        await page.GetByTestId("import-confirm").ClickAsync();
        await Expect(page.Locator("[data-node-name=router]")).ToBeVisibleAsync();
        await page.GetByTestId("save").ClickAsync();
        await Expect(page.GetByTestId("save-state")).ToHaveTextAsync("Saved", new() { Timeout = 15_000 });
        Assert.True((await Chatbots.GetAsync(_access, _chatbotId, default))!.Pipeline.SameAs(big));

        // The same pipeline as a file; then a file over the limit is refused with a message, and nothing is lost.
        var blank = ChatbotTemplates.Find(ChatbotTemplates.Blank)!.Build();
        await page.GetByTestId("import").ClickAsync();
        await ChooseFileAsync(page, new FilePayload
        {
            Name = "blank-pipeline.json", MimeType = "application/json", Buffer = System.Text.Encoding.UTF8.GetBytes(blank.ToJson()),
        }, page.Locator("[data-node-name=router]"), expectedCount: 0);
        await page.GetByTestId("import").ClickAsync();
        await ChooseFileAsync(page, new FilePayload
        {
            Name = "huge.json", MimeType = "application/json", Buffer = new byte[6 * 1024 * 1024],
        }, page.GetByTestId("import-error"), expectedCount: 1);
        await Expect(page.GetByTestId("import-error")).ToContainTextAsync("a pipeline file may be at most 5 MB");
        await page.GetByRole(AriaRole.Button, new() { Name = "Cancel" }).ClickAsync();
        await page.GetByTestId("save").ClickAsync();
        await Expect(page.GetByTestId("save-state")).ToHaveTextAsync("Saved", new() { Timeout = 15_000 });
        Assert.True((await Chatbots.GetAsync(_access, _chatbotId, default))!.Pipeline.SameAs(blank));
    }

    /// <summary>
    /// Chooses a file in the import dialog and waits for what it makes appear. Blazor's InputFile listens for the choice
    /// only once its script has initialised after the dialog rendered (a round trip later): a choice made before that is
    /// not seen, so it is made again until the page shows the outcome (choosing the same file twice is harmless).
    /// </summary>
    private static async Task ChooseFileAsync(IPage page, FilePayload file, ILocator outcome, int expectedCount)
    {
        for (var attempt = 1; ; attempt++)
        {
            await page.GetByTestId("import-file").SetInputFilesAsync(file);
            try
            {
                await Expect(outcome).ToHaveCountAsync(expectedCount, new() { Timeout = 5_000 });
                return;
            }
            catch (PlaywrightException) when (attempt < 3)
            {
                // The choice came before InputFile was listening: choose again.
            }
        }
    }

    private static System.Text.Json.Nodes.JsonObject WithPrompt(System.Text.Json.Nodes.JsonObject parameters, string prompt)
    {
        var copy = (System.Text.Json.Nodes.JsonObject)parameters.DeepClone();
        copy["prompt"] = prompt;
        return copy;
    }

    [Fact]
    public async Task Designer_UnknownChatbot_ShowsNotFound()
    {
        var page = await OpenAsync("editor@example.test", Guid.NewGuid());
        await Expect(page.GetByTestId("designer-not-found")).ToBeAttachedAsync();
        await Expect(page.GetByText("Chatbot not found")).ToBeVisibleAsync();
    }

    [Fact]
    public async Task Designer_Viewer_SeesReadOnly_CannotDelete()
    {
        var viewer = await _app.CreateUserAsync("viewer@example.test");
        var invitation = (await _app.Services.GetRequiredService<InvitationService>().CreateAsync(_access, null, TeamRole.Viewer, default)).Value!;
        Assert.True((await _app.Services.GetRequiredService<InvitationService>().AcceptAsync(invitation.Token, viewer.Id, "viewer@example.test", default)).Succeeded);

        var page = await OpenAsync("viewer@example.test", _chatbotId);

        await Expect(page.GetByTestId("read-only")).ToBeVisibleAsync();
        await page.Locator("[data-testid=node-end] .ocs-node-title").ClickAsync();
        await Expect(page.GetByTestId("node-inspector")).ToBeVisibleAsync();
        await Expect(page.GetByTestId("delete-node")).ToHaveCountAsync(0);
    }
}
