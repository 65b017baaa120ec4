using System.Text.Json.Nodes;
using System.Text.RegularExpressions;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Playwright;
using OpenChatStudio.Core.Chat;
using OpenChatStudio.Core.Chatbots;
using OpenChatStudio.Core.Data;
using OpenChatStudio.Core.Pipelines.Graph;
using OpenChatStudio.Core.Teams;
using OpenChatStudio.Tests.TestSupport;
using static Microsoft.Playwright.Assertions;

namespace OpenChatStudio.Tests.E2E;

/// <summary>
/// In Chromium: a team edits a live chatbot. The public page keeps answering with the published version while the
/// designer's preview answers with the working version; once the team publishes the change on the Versions page, a new
/// public conversation uses it, and the transcripts show which version produced each bot message.
/// </summary>
public class VersionPublishingTests : IClassFixture<BrowserFixture>, IAsyncLifetime
{
    private const string Owner = "owner@example.test";
    private readonly BrowserFixture _browser;
    private readonly OcsAppFactory _app = new();
    private TeamAccess _access = default!;

    public VersionPublishingTests(BrowserFixture browser)
    {
        _browser = browser;
        // Replies run through the whole chat pipeline on a shared 2-core machine: wait up to 15 s for them (not a timing assertion).
        SetDefaultExpectTimeout(15_000);
    }

    public async Task InitializeAsync()
    {
        await ((IAsyncLifetime)_app).InitializeAsync();
        var user = await _app.CreateUserAsync(Owner);
        await _app.CreateTeamAsync(user.Id, "Lab");
        _access = (await _app.Services.GetRequiredService<TeamService>().GetAccessAsync(user.Id, "lab", CancellationToken.None))!;
    }

    public Task DisposeAsync() => ((IAsyncLifetime)_app).DisposeAsync();

    private ChatbotService Chatbots => _app.Services.GetRequiredService<ChatbotService>();

    /// <summary>Start → "Render a template" → End: the bot answers "{label} heard: {input}".</summary>
    private static PipelineGraph EchoGraph(string label) => new(
        [
            GraphNode.Create("start", "StartNode", "start"),
            new GraphNode("reply", "RenderTemplate", "reply", new JsonObject { ["template_string"] = label + " heard: {{ input }}" }),
            GraphNode.Create("end", "EndNode", "end"),
        ],
        [new GraphEdge("start", GraphEdge.DefaultPort, "reply"), new GraphEdge("reply", GraphEdge.DefaultPort, "end")]);

    private async Task<ChatbotDetails> BlankBotAsync(string label)
    {
        var bot = (await Chatbots.CreateAsync(_access, "Echo", ChatbotTemplates.Blank, default)).Value!;
        var layout = new Dictionary<string, NodePosition>(bot.Layout) { ["reply"] = new(300, 200) };
        var saved = await Chatbots.SavePipelineAsync(_access, bot.Id, EchoGraph(label), layout, bot.EditRevision, default);
        Assert.True(saved.Succeeded, saved.Error);
        return (await Chatbots.GetAsync(_access, bot.Id, default))!;
    }

    private async Task<IPage> SignInAsync()
    {
        var page = await _browser.NewPageAsync();
        await page.GotoAsync(new Uri(_app.BaseAddress, "/account/login").ToString());
        await page.FillAsync("#email", Owner);
        await page.FillAsync("#password", "password-123");
        await page.ClickAsync("button[type=submit]");
        await Expect(page).ToHaveURLAsync(new Regex("/t/lab$"));
        return page;
    }

    private async Task GotoInteractiveAsync(IPage page, string path)
    {
        await page.GotoAsync(new Uri(_app.BaseAddress, path).ToString());
        await page.Locator("#blazor-interactive").WaitForAsync(new() { State = WaitForSelectorState.Attached });
    }

    private static Task<string?> StoredSessionAsync(IPage page, Guid publicId) =>
        page.EvaluateAsync<string?>($"() => (JSON.parse(localStorage.getItem('ocs-chat:{publicId}') || '{{}}').sessionId) || null");

    /// <summary>Types and sends as soon as the chat is on screen (a quick visitor does not wait for the session to start).</summary>
    private static async Task SayOnPublicPageAsync(IPage page, string text, int expectedBotMessages)
    {
        await page.GetByLabel("Your message").FillAsync(text);
        await page.GetByRole(AriaRole.Button, new() { Name = "Send" }).ClickAsync();
        await Expect(page.GetByTestId("bot-message")).ToHaveCountAsync(expectedBotMessages);
    }

    private async Task<IReadOnlyList<int?>> BotVersionsAsync(string sessionId)
    {
        await using var db = await _app.Services.GetRequiredService<IDbContextFactory<AppDbContext>>().CreateForTeamAsync(_access.TeamId, default);
        return await db.ChatMessages.AsNoTracking().Where(m => m.SessionId == Guid.Parse(sessionId) && m.Role == MessageRole.Ai)
            .OrderBy(m => m.Sequence).Select(m => m.VersionNumber).ToListAsync();
    }

    [Fact]
    public async Task PublicPage_ServesPublished_PreviewServesWorking_PublishingV2_ReachesNewConversations_AndTranscripts()
    {
        var bot = await BlankBotAsync("v1");
        var team = await SignInAsync();

        // The team creates the first version on the Versions page: it is published automatically.
        await GotoInteractiveAsync(team, $"/t/lab/chatbots/{bot.Id}/versions");
        await Expect(team.GetByTestId("unpublished-warning")).ToBeVisibleAsync();
        await team.GetByTestId("create-version").ClickAsync();
        await team.Locator("[data-testid=version-description] textarea, textarea[data-testid=version-description]").First.FillAsync("First release");
        await team.GetByTestId("create-version-confirm").ClickAsync();
        await Expect(team.GetByTestId("published-badge")).ToHaveCountAsync(1);
        await Expect(team.GetByTestId("unpublished-warning")).ToHaveCountAsync(0);

        // A visitor chats on the public page: v1 answers.
        var visitor = await _browser.NewPageAsync();
        await visitor.GotoAsync(new Uri(_app.BaseAddress, $"/chat/{bot.PublicId}").ToString());
        await SayOnPublicPageAsync(visitor, "hello", 1);
        await Expect(visitor.GetByTestId("bot-message").Last).ToContainTextAsync("v1 heard: hello");
        var firstSession = (await StoredSessionAsync(visitor, bot.PublicId))!;

        // The team edits the working version in the designer (import + save): "v2".
        await GotoInteractiveAsync(team, $"/t/lab/chatbots/{bot.Id}");
        await Expect(team.GetByTestId("node-start")).ToBeVisibleAsync();
        await team.GetByTestId("import").ClickAsync();
        await team.Locator("[data-testid=import-text] textarea, textarea[data-testid=import-text]").First.FillAsync(EchoGraph("v2").ToJson());
        await team.GetByTestId("import-confirm").ClickAsync();
        await team.GetByTestId("save").ClickAsync();
        await Expect(team.GetByTestId("save-state")).ToHaveTextAsync("Saved");

        // The public page still answers with the published v1 …
        await SayOnPublicPageAsync(visitor, "still there?", 2);
        await Expect(visitor.GetByTestId("bot-message").Last).ToContainTextAsync("v1 heard: still there?");

        // … while the preview answers with the working version, under its banner.
        await team.GetByRole(AriaRole.Tab, new() { Name = "Preview" }).ClickAsync();
        await Expect(team.GetByTestId("preview-banner")).ToContainTextAsync("Working version (unreleased)");
        var input = team.Locator("[data-testid=preview-input] textarea, textarea[data-testid=preview-input]").First;
        await Expect(input).ToBeEnabledAsync();
        await input.FillAsync("try the change");
        await team.GetByTestId("preview-send").ClickAsync();
        await Expect(team.GetByTestId("msg-bot").Last).ToContainTextAsync("v2 heard: try the change");

        // The team publishes the change as v2 on the Versions page.
        await GotoInteractiveAsync(team, $"/t/lab/chatbots/{bot.Id}/versions");
        await Expect(team.GetByTestId("version-row")).ToHaveCountAsync(1);
        await team.GetByTestId("create-version").ClickAsync();
        await team.Locator("[data-testid=version-description] textarea, textarea[data-testid=version-description]").First.FillAsync("Says v2");
        // "Publish this version" is on by default; the team keeps v2 back and publishes it from its row.
        var publishNow = team.Locator("[data-testid=version-publish] input, input[data-testid=version-publish]").First;
        await Expect(publishNow).ToBeCheckedAsync();
        await publishNow.UncheckAsync();
        await team.GetByTestId("create-version-confirm").ClickAsync();
        await Expect(team.GetByTestId("version-row")).ToHaveCountAsync(2);
        await team.GetByTestId("publish-2").ClickAsync();
        await team.GetByTestId("confirm-yes").ClickAsync();
        await Expect(team.GetByTestId("publish-1")).ToBeVisibleAsync();
        await Expect(team.GetByTestId("publish-2")).ToHaveCountAsync(0);

        // A new public conversation answers with v2.
        await visitor.GetByTestId("end-chat").ClickAsync();
        await visitor.GetByTestId("new-chat").ClickAsync();
        await Expect(visitor.GetByTestId("bot-message")).ToHaveCountAsync(0);
        await SayOnPublicPageAsync(visitor, "and now?", 1);
        await Expect(visitor.GetByTestId("bot-message").Last).ToContainTextAsync("v2 heard: and now?");
        var secondSession = (await StoredSessionAsync(visitor, bot.PublicId))!;
        Assert.NotEqual(firstSession, secondSession);
        Assert.Equal([1, 1], await BotVersionsAsync(firstSession));
        Assert.Equal([2], await BotVersionsAsync(secondSession));

        // The transcripts show the version on each bot message.
        await GotoInteractiveAsync(team, $"/t/lab/sessions/{firstSession}");
        await Expect(team.GetByTestId("msg-bot")).ToHaveCountAsync(2);
        await Expect(team.GetByTestId("msg-version")).ToHaveTextAsync([" · v1", " · v1"]);
        await GotoInteractiveAsync(team, $"/t/lab/sessions/{secondSession}");
        await Expect(team.GetByTestId("msg-bot")).ToContainTextAsync("v2 heard: and now?");
        await Expect(team.GetByTestId("msg-version")).ToHaveTextAsync([" · v2"]);
    }
}
