using System.Text.Json.Nodes;
using System.Text.RegularExpressions;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Playwright;
using OpenChatStudio.Core.Chatbots;
using OpenChatStudio.Core.Llm;
using OpenChatStudio.Core.Providers;
using OpenChatStudio.Core.Teams;
using OpenChatStudio.Tests.TestSupport;
using OpenChatStudio.Tests.TestSupport.Fakes;
using static Microsoft.Playwright.Assertions;

namespace OpenChatStudio.Tests.E2E;

/// <summary>
/// In Chromium: a tester chats in the designer's preview — against a local server speaking the OpenAI wire protocol
/// (streamed), and with the built-in offline model through a router — and reads each reply's trace.
/// </summary>
public class PreviewTests : IClassFixture<BrowserFixture>, IAsyncLifetime
{
    private readonly BrowserFixture _browser;
    private readonly OcsAppFactory _app = new();
    private FakeOpenAiServer _openAi = default!;
    private TeamAccess _access = default!;

    public PreviewTests(BrowserFixture browser) => _browser = browser;

    public async Task InitializeAsync()
    {
        _openAi = await FakeOpenAiServer.StartAsync();
        await ((IAsyncLifetime)_app).InitializeAsync();
        var user = await _app.CreateUserAsync("tester@example.test");
        await _app.CreateTeamAsync(user.Id, "Lab");
        _access = (await _app.Services.GetRequiredService<TeamService>().GetAccessAsync(user.Id, "lab", CancellationToken.None))!;
    }

    public async Task DisposeAsync()
    {
        await ((IAsyncLifetime)_app).DisposeAsync();
        await _openAi.DisposeAsync();
    }

    private ChatbotService Chatbots => _app.Services.GetRequiredService<ChatbotService>();

    private async Task<IPage> OpenPreviewAsync(Guid chatbotId)
    {
        var page = await _browser.NewPageAsync();
        await page.GotoAsync(new Uri(_app.BaseAddress, "/account/login").ToString());
        await page.FillAsync("#email", "tester@example.test");
        await page.FillAsync("#password", "password-123");
        await page.ClickAsync("button[type=submit]");
        await Expect(page).ToHaveURLAsync(new Regex("/t/lab$"));
        await page.GotoAsync(new Uri(_app.BaseAddress, $"/t/lab/chatbots/{chatbotId}").ToString());
        await page.Locator("#blazor-interactive").WaitForAsync(new() { State = WaitForSelectorState.Attached });
        await page.GetByRole(AriaRole.Tab, new() { Name = "Preview" }).ClickAsync();
        await Expect(page.GetByTestId("chat-preview")).ToBeVisibleAsync();
        return page;
    }

    private static async Task SendAsync(IPage page, string text)
    {
        var input = page.Locator("[data-testid=preview-input] textarea, textarea[data-testid=preview-input]").First;
        await Expect(input).ToBeEnabledAsync();
        await input.FillAsync(text);
        await page.GetByTestId("preview-send").ClickAsync();
    }

    [Fact]
    public async Task Preview_SimpleAssistantOnOpenAiProvider_StreamsReply_AndShowsTrace()
    {
        var provider = (await _app.Services.GetRequiredService<ProviderService>().CreateAsync(_access,
            new ProviderInput("Local", LlmProviderType.OpenAICompatible, _openAi.BaseUri.ToString(), "sk-test-000000"), default)).Value!;
        var bot = (await Chatbots.CreateAsync(_access, "Assistant", ChatbotTemplates.SimpleAssistant, default)).Value!;
        var graph = bot.Pipeline with
        {
            Nodes = bot.Pipeline.Nodes.Select(n => n.Type != "LLMResponseWithPrompt" ? n : n with
            {
                Params = new JsonObject { ["llm_provider_id"] = provider.Id.ToString(), ["llm_model"] = "gpt-4o-mini", ["prompt"] = "Be kind.", ["history_type"] = "global" },
            }).ToList(),
        };
        Assert.True((await Chatbots.SavePipelineAsync(_access, bot.Id, graph, bot.Layout, bot.EditRevision, default)).Succeeded);
        _openAi.Enqueue(FakeReply.Say("Hello from the wire, nice to meet you."));
        var page = await OpenPreviewAsync(bot.Id);

        await SendAsync(page, "Hi!");

        await Expect(page.GetByTestId("msg-bot")).ToContainTextAsync("Hello from the wire, nice to meet you.");
        Assert.True(_openAi.Requests.Single().Body["stream"]?.GetValue<bool>());
        await page.GetByTestId("toggle-trace").ClickAsync();
        await Expect(page.GetByTestId("trace-node")).ToHaveTextAsync(["start", "assistant", "end"]);
        await Expect(page.GetByTestId("trace")).ToContainTextAsync("tokens");
    }

    [Fact]
    public async Task Preview_RouterTemplateWithOfflineModel_RoutesByKeyword_TraceShowsRoute()
    {
        var bot = (await Chatbots.CreateAsync(_access, "Triage", ChatbotTemplates.RouterWithSpecialists, default)).Value!;
        var page = await OpenPreviewAsync(bot.Id);

        await SendAsync(page, "I would like to talk to SALES about pricing");

        await Expect(page.GetByTestId("msg-bot")).ToContainTextAsync("Offline model");
        await page.GetByTestId("toggle-trace").ClickAsync();
        await Expect(page.GetByTestId("trace-node")).ToHaveTextAsync(["start", "router", "sales", "end"]);
        await Expect(page.GetByTestId("trace")).ToContainTextAsync("Model chose SALES");
    }
}
