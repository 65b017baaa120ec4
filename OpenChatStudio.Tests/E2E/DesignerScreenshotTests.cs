using System.Text.Json.Nodes;
using System.Text.RegularExpressions;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Playwright;
using OpenChatStudio.Core.Chatbots;
using OpenChatStudio.Core.Llm;
using OpenChatStudio.Core.Pipelines.Graph;
using OpenChatStudio.Core.Teams;
using OpenChatStudio.Tests.TestSupport;
using static Microsoft.Playwright.Assertions;

namespace OpenChatStudio.Tests.E2E;

/// <summary>
/// The designer at 1280x800 (a common laptop) with a pipeline of several nodes and a router: every node fits on the
/// canvas beside the open inspector. It also takes the screenshot in docs/designer.md: run
/// <c>scripts/designer-screenshot.sh</c> (sets <c>OCS_SCREENSHOT_DIR=docs/images</c>); otherwise the picture goes to a temp file.
/// </summary>
public class DesignerScreenshotTests : IClassFixture<BrowserFixture>, IAsyncLifetime
{
    private readonly BrowserFixture _browser;
    private readonly OcsAppFactory _app = new();
    private TeamAccess _access = default!;

    public DesignerScreenshotTests(BrowserFixture browser) => _browser = browser;

    public async Task InitializeAsync()
    {
        await ((IAsyncLifetime)_app).InitializeAsync();
        var user = await _app.CreateUserAsync("editor@example.test");
        await _app.CreateTeamAsync(user.Id, "Acme Support");
        _access = (await _app.Services.GetRequiredService<TeamService>().GetAccessAsync(user.Id, "acme-support", CancellationToken.None))!;
    }

    public async Task DisposeAsync() => await ((IAsyncLifetime)_app).DisposeAsync();

    private static GraphNode Llm(string id, string prompt) => new(id, "LLMResponseWithPrompt", id, new JsonObject
    {
        ["llm_provider_id"] = OfflineModel.ProviderId.ToString(),
        ["llm_model"] = OfflineModel.ModelName,
        ["prompt"] = prompt,
        ["history_type"] = "global",
    });

    /// <summary>Start → remember name → triage router (support / sales / billing) → three answers → End.</summary>
    private static PipelineGraph HelpDesk() => new(
        [
            GraphNode.Create("start", "StartNode", "start"),
            new GraphNode("remember", "ExtractParticipantData", "remember", new JsonObject
            {
                ["llm_provider_id"] = OfflineModel.ProviderId.ToString(),
                ["llm_model"] = OfflineModel.ModelName,
                ["data_schema"] = "{\"name\": \"the customer's first name\", \"company\": \"their company\"}",
            }),
            new GraphNode("triage", "RouterNode", "triage", new JsonObject
            {
                ["llm_provider_id"] = OfflineModel.ProviderId.ToString(),
                ["llm_model"] = OfflineModel.ModelName,
                ["prompt"] = "Is this about a problem (SUPPORT), buying (SALES) or an invoice (BILLING)?",
                ["keywords"] = new JsonArray("SUPPORT", "SALES", "BILLING"),
                ["default_keyword_index"] = 0,
                ["history_type"] = "node",
            }),
            Llm("support", "You are a patient support engineer. Ask for the error message first."),
            Llm("sales", "You help customers pick a plan. Be brief and concrete."),
            new GraphNode("billing", "RenderTemplate", "billing", new JsonObject
            {
                ["template_string"] = "Thanks {{ participant_data.name }}, our billing team will reply by email within a day.",
            }),
            GraphNode.Create("end", "EndNode", "end"),
        ],
        [
            new GraphEdge("start", GraphEdge.DefaultPort, "remember"),
            new GraphEdge("remember", GraphEdge.DefaultPort, "triage"),
            new GraphEdge("triage", "output_0", "support"),
            new GraphEdge("triage", "output_1", "sales"),
            new GraphEdge("triage", "output_2", "billing"),
            new GraphEdge("support", GraphEdge.DefaultPort, "end"),
            new GraphEdge("sales", GraphEdge.DefaultPort, "end"),
            new GraphEdge("billing", GraphEdge.DefaultPort, "end"),
        ]);

    [Fact]
    public async Task Designer_At1280x800_ShowsARouterPipelineWhole_BesideTheInspector()
    {
        var chatbots = _app.Services.GetRequiredService<ChatbotService>();
        var bot = (await chatbots.CreateAsync(_access, "Help desk", ChatbotTemplates.Blank, default)).Value!;
        var saved = await chatbots.SavePipelineAsync(_access, bot.Id, HelpDesk(), new Dictionary<string, NodePosition>
        {
            ["start"] = new(0, 250), ["remember"] = new(260, 250), ["triage"] = new(580, 240),
            ["support"] = new(920, 40), ["sales"] = new(920, 250), ["billing"] = new(920, 460), ["end"] = new(1240, 250),
        }, bot.EditRevision, default);
        Assert.True(saved.Succeeded, saved.Error);

        var context = await _browser.Browser.NewContextAsync(new BrowserNewContextOptions { ViewportSize = new ViewportSize { Width = 1280, Height = 800 } });
        context.SetDefaultTimeout(15_000);
        var page = await context.NewPageAsync();
        await page.GotoAsync(new Uri(_app.BaseAddress, "/account/login").ToString());
        await page.FillAsync("#email", "editor@example.test");
        await page.FillAsync("#password", "password-123");
        await page.ClickAsync("button[type=submit]");
        await Expect(page).ToHaveURLAsync(new Regex("/t/acme-support$"));
        await page.GotoAsync(new Uri(_app.BaseAddress, $"/t/acme-support/chatbots/{bot.Id}").ToString());
        await page.Locator("#blazor-interactive").WaitForAsync(new() { State = WaitForSelectorState.Attached });
        await Expect(page.GetByTestId("node-triage")).ToBeVisibleAsync();

        // Fold the palette, select the router, fit: the room a tester has to work in.
        await page.GetByTestId("toggle-palette").ClickAsync();
        await Expect(page.GetByTestId("toggle-palette")).ToHaveAttributeAsync("aria-pressed", "false");
        await page.Locator("[data-testid=node-triage] .ocs-node-title").ClickAsync();
        await Expect(page.Locator("[data-testid=field-default_keyword_index] input")).ToHaveValueAsync("SUPPORT");
        await page.GetByTestId("zoom-fit-canvas").ClickAsync();

        var canvas = (await page.GetByTestId("canvas").BoundingBoxAsync())!;
        foreach (var id in new[] { "start", "remember", "triage", "support", "sales", "billing", "end" })
        {
            var node = page.GetByTestId($"node-{id}");
            await Expect(node).ToBeVisibleAsync();
            var box = (await node.BoundingBoxAsync())!;
            Assert.True(box.X >= canvas.X && box.Y >= canvas.Y && box.X + box.Width <= canvas.X + canvas.Width + 1 && box.Y + box.Height <= canvas.Y + canvas.Height + 1,
                $"node {id} at {box.X},{box.Y} {box.Width}x{box.Height} is not inside the canvas {canvas.X},{canvas.Y} {canvas.Width}x{canvas.Height}");
        }
        await Expect(page.Locator("[data-testid=node-triage] .ocs-port-label")).ToHaveTextAsync(["SUPPORT", "SALES", "BILLING"]);
        Assert.True(canvas.Width >= 700, $"the canvas is {canvas.Width} px wide");

        var folder = Environment.GetEnvironmentVariable("OCS_SCREENSHOT_DIR") ?? Path.GetTempPath();
        var file = Path.Combine(folder, "designer-1280x800.png");
        await page.ScreenshotAsync(new() { Path = file });
        Assert.True(new FileInfo(file).Length > 10_000);
        await context.CloseAsync();
    }
}
