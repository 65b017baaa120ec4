using System.Text.Json.Nodes;
using System.Text.RegularExpressions;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.DependencyInjection;
using OpenChatStudio.Core.Chat;
using OpenChatStudio.Core.Data;
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

        await Expect(page.GetByTestId("msg-bot")).ToContainTextAsync("Hello from the wire, nice to meet you.", new() { Timeout = 15_000 });
        Assert.True(_openAi.Requests.Single().Body["stream"]?.GetValue<bool>());
        await page.GetByTestId("toggle-trace").ClickAsync();
        await Expect(page.GetByTestId("trace-node")).ToHaveTextAsync(["start", "assistant", "end"]);
        await Expect(page.GetByTestId("trace")).ToContainTextAsync("tokens");

        // What the model saw: the rendered system prompt and the messages, the same as went over the wire.
        var prompt = page.GetByTestId("trace-prompt");
        await Expect(prompt).ToHaveCountAsync(1);
        await prompt.Locator("summary").ClickAsync();
        var messages = page.GetByTestId("trace-prompt-message");
        var sent = _openAi.Requests.Single().Body["messages"]!.AsArray();
        await Expect(messages).ToHaveCountAsync(sent.Count);
        await Expect(messages.Nth(0)).ToHaveAttributeAsync("data-role", "system");
        Assert.Equal(sent[0]!["content"]!.GetValue<string>(), await messages.Nth(0).Locator("pre").InnerTextAsync());
        Assert.Contains("Be kind.", sent[0]!["content"]!.GetValue<string>());
        await Expect(messages.Last).ToHaveAttributeAsync("data-role", "user");
        await Expect(messages.Last).ToContainTextAsync("Hi!");
    }

    [Fact]
    public async Task Preview_RouterTemplateWithOfflineModel_RoutesByKeyword_TraceShowsRoute()
    {
        var bot = (await Chatbots.CreateAsync(_access, "Triage", ChatbotTemplates.RouterWithSpecialists, default)).Value!;
        var page = await OpenPreviewAsync(bot.Id);

        await SendAsync(page, "I would like to talk to SALES about pricing");

        await Expect(page.GetByTestId("msg-bot")).ToContainTextAsync("Offline model", new() { Timeout = 15_000 });
        await page.GetByTestId("toggle-trace").ClickAsync();
        await Expect(page.GetByTestId("trace-node")).ToHaveTextAsync(["start", "router", "sales", "end"]);
        await Expect(page.GetByTestId("trace")).ToContainTextAsync("Model chose SALES");
        await Expect(page.GetByTestId("trace-route")).ToHaveTextAsync(new Regex(@"route\s+SALES$")); // the route's name, not "output_1"
    }

    [Fact]
    public async Task Preview_FileUploadsEnabled_AttachesAFile_LinkedToTheSentMessage_DisabledShowsNoButton()
    {
        var off = (await Chatbots.CreateAsync(_access, "No files", ChatbotTemplates.Blank, default)).Value!;
        var page = await OpenPreviewAsync(off.Id);
        await Expect(page.GetByTestId("preview-input")).ToBeVisibleAsync();
        await Expect(page.GetByTestId("preview-attach")).ToHaveCountAsync(0);

        var bot = (await Chatbots.CreateAsync(_access, "Files", ChatbotTemplates.Blank, default)).Value!;
        var enabled = await Chatbots.UpdateSettingsAsync(_access, bot.Id,
            new ChatbotSettings(bot.Name, bot.Description, bot.SeedMessage, bot.ParticipantAllowlist, FileUploadsEnabled: true, bot.ConsentFormId), default);
        Assert.True(enabled.Succeeded, enabled.Error);
        page = await OpenPreviewAsync(bot.Id);
        await Expect(page.GetByTestId("preview-attach-button")).ToBeEnabledAsync(new() { Timeout = 15_000 });

        await page.Locator("[data-testid=preview-attach] input[type=file]").SetInputFilesAsync(new FilePayload
        {
            Name = "notes.txt",
            MimeType = "text/plain",
            Buffer = "Blood pressure 120/80"u8.ToArray(),
        });
        await Expect(page.GetByTestId("pending-attachment")).ToHaveTextAsync("notes.txt", new() { Timeout = 15_000 });
        await SendAsync(page, "Here are my notes");

        await Expect(page.GetByTestId("msg-human")).ToContainTextAsync("Here are my notes", new() { Timeout = 15_000 });
        await Expect(page.GetByTestId("msg-attachment")).ToHaveTextAsync("notes.txt");
        await Expect(page.GetByTestId("msg-bot")).ToContainTextAsync("Here are my notes", new() { Timeout = 15_000 }); // Blank echoes the message
        await Expect(page.GetByTestId("pending-attachment")).ToHaveCountAsync(0);
        await Expect(page.GetByTestId("preview-attach")).Not.ToContainTextAsync("notes.txt"); // the picker is cleared for the next file

        // Stored as the chat API stores uploads, and linked to the human message the runtime wrote.
        await using var db = await _app.Services.GetRequiredService<IDbContextFactory<AppDbContext>>().CreateForTeamAsync(_access.TeamId, default);
        var file = await db.ChatAttachments.AsNoTracking().SingleAsync();
        Assert.Equal("notes.txt", file.Name);
        Assert.NotNull(file.MessageId);
        var message = await db.ChatMessages.AsNoTracking().SingleAsync(m => m.Id == file.MessageId);
        Assert.Equal(MessageRole.Human, message.Role);
        Assert.Equal("Here are my notes", message.Content);
        Assert.Contains(file.Id.ToString(), message.MetadataJson);
    }
}
