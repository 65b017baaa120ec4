using System.Text.RegularExpressions;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Playwright;
using OpenChatStudio.Core.Chatbots;
using OpenChatStudio.Core.Teams;
using OpenChatStudio.Tests.TestSupport;
using static Microsoft.Playwright.Assertions;

namespace OpenChatStudio.Tests.E2E;

/// <summary>
/// In Chromium: build start → LLM → end in the designer and save it; a stale second editor's save is refused.
/// Connections here use the inspector's "Connect to…" actions (the keyboard path); DesignerCanvasTests drags between ports.
/// </summary>
public class DesignerTests : IClassFixture<BrowserFixture>, IAsyncLifetime
{
    private readonly BrowserFixture _browser;
    private readonly OcsAppFactory _app = new();
    private TeamAccess _access = default!;
    private Guid _chatbotId;

    public DesignerTests(BrowserFixture browser) => _browser = browser;

    public async Task InitializeAsync()
    {
        await ((IAsyncLifetime)_app).InitializeAsync();
        var user = await _app.CreateUserAsync("editor@example.test");
        await _app.CreateTeamAsync(user.Id, "Lab");
        _access = (await _app.Services.GetRequiredService<TeamService>().GetAccessAsync(user.Id, "lab", CancellationToken.None))!;
        var created = await Chatbots.CreateAsync(_access, "Helper", ChatbotTemplates.Blank, CancellationToken.None);
        Assert.True(created.Succeeded, created.Error);
        _chatbotId = created.Value!.Id;
    }

    public async Task DisposeAsync() => await ((IAsyncLifetime)_app).DisposeAsync();

    private ChatbotService Chatbots => _app.Services.GetRequiredService<ChatbotService>();

    [Fact]
    public async Task Designer_AddLlmConnectEditPromptSave_StoresStartLlmEnd()
    {
        var page = await OpenDesignerAsync();

        await page.GetByTestId("palette-LLMResponseWithPrompt").ClickAsync();
        var llm = page.Locator("[data-node-name=llm]");
        await Expect(llm).ToBeVisibleAsync();
        await Expect(page.GetByTestId("node-inspector")).ToContainTextAsync("LLM");

        // llm → end, and its prompt.
        await ConnectAsync(page, "output", "end");
        var prompt = page.Locator("[data-testid=field-prompt] textarea").First;
        await prompt.FillAsync("You answer in one short haiku.");
        await prompt.PressAsync("Tab");

        // start → llm instead of start → end.
        await page.Locator("[data-testid=node-start] .ocs-node-title").ClickAsync();
        await Expect(page.GetByTestId("node-inspector")).ToHaveAttributeAsync("data-node-id", "start");
        await page.GetByTestId("connection-end").Locator(".mud-chip-close-button").ClickAsync();
        await Expect(page.GetByTestId("connection-end")).ToHaveCountAsync(0);
        await ConnectAsync(page, "output", "llm");

        await page.GetByTestId("save").ClickAsync();
        await Expect(page.GetByTestId("save-state")).ToHaveTextAsync("Saved", new() { Timeout = 15_000 });

        var stored = await WaitForStoredAsync(d => d.Pipeline.Nodes.Any(n => n.Name == "llm") && d.Pipeline.Edges.Count == 2 &&
                                                   d.Pipeline.FindNode(d.Pipeline.Nodes.First(n => n.Name == "llm").Id)!.Params["prompt"]?.GetValue<string>() == "You answer in one short haiku.");
        var llmNode = stored.Pipeline.Nodes.Single(n => n.Name == "llm");
        Assert.Equal("LLMResponseWithPrompt", llmNode.Type);
        Assert.Equal("You answer in one short haiku.", llmNode.Params["prompt"]!.GetValue<string>());
        Assert.Contains(stored.Pipeline.Edges, e => e.Source == "start" && e.Target == llmNode.Id);
        Assert.Contains(stored.Pipeline.Edges, e => e.Source == llmNode.Id && e.Target == "end");
        Assert.DoesNotContain(stored.Pipeline.Edges, e => e.Source == "start" && e.Target == "end");
        Assert.Contains(llmNode.Id, stored.Layout.Keys);
    }

    [Fact]
    public async Task Designer_StaleSecondEditorSaves_ConflictAlertWithReloadAndFirstSaveKept()
    {
        var first = await OpenDesignerAsync();
        var second = await OpenDesignerAsync();

        await first.GetByTestId("palette-Passthrough").ClickAsync();
        await Expect(first.Locator("[data-node-name=do_nothing]")).ToBeVisibleAsync();
        await first.GetByTestId("save").ClickAsync();
        await Expect(first.GetByTestId("save-state")).ToHaveTextAsync("Saved", new() { Timeout = 15_000 });
        await WaitForStoredAsync(d => d.Pipeline.Nodes.Any(n => n.Type == "Passthrough"));

        await second.GetByTestId("palette-LLMResponseWithPrompt").ClickAsync();
        await Expect(second.Locator("[data-node-name=llm]")).ToBeVisibleAsync();
        await second.GetByTestId("save").ClickAsync();

        await Expect(second.GetByTestId("save-error")).ToContainTextAsync("Someone else saved", new() { Timeout = 15_000 });
        await Expect(second.GetByTestId("reload")).ToBeVisibleAsync();
        var stored = (await Chatbots.GetAsync(_access, _chatbotId, CancellationToken.None))!;
        Assert.Contains(stored.Pipeline.Nodes, n => n.Type == "Passthrough");
        Assert.DoesNotContain(stored.Pipeline.Nodes, n => n.Type == "LLMResponseWithPrompt");
    }

    private async Task<IPage> OpenDesignerAsync()
    {
        var page = await _browser.NewPageAsync();
        await page.GotoAsync(new Uri(_app.BaseAddress, "/account/login").ToString());
        await page.FillAsync("#email", "editor@example.test");
        await page.FillAsync("#password", "password-123");
        await page.ClickAsync("button[type=submit]");
        await Expect(page).ToHaveURLAsync(new Regex("/t/lab$"));
        await page.GotoAsync(new Uri(_app.BaseAddress, $"/t/lab/chatbots/{_chatbotId}").ToString());
        await page.Locator("#blazor-interactive").WaitForAsync(new() { State = WaitForSelectorState.Attached });
        await Expect(page.GetByTestId("node-start")).ToBeVisibleAsync();
        await Expect(page.GetByTestId("save-state")).ToHaveTextAsync("Saved");
        return page;
    }

    private static async Task ConnectAsync(IPage page, string port, string targetName)
    {
        await page.GetByTestId($"connect-{port}").ClickAsync();
        await page.GetByRole(AriaRole.Option, new() { Name = targetName, Exact = true }).ClickAsync();
        await Expect(page.GetByTestId($"connection-{targetName}")).ToBeVisibleAsync();
    }

    private async Task<ChatbotDetails> WaitForStoredAsync(Func<ChatbotDetails, bool> done)
    {
        for (var i = 0; i < 100; i++)
        {
            var details = (await Chatbots.GetAsync(_access, _chatbotId, CancellationToken.None))!;
            if (done(details))
            {
                return details;
            }
            await Task.Delay(100);
        }
        var last = (await Chatbots.GetAsync(_access, _chatbotId, CancellationToken.None))!;
        Assert.Fail($"The stored pipeline never matched: {last.Pipeline.ToJson()}");
        return last;
    }
}
