using Deque.AxeCore.Commons;
using Deque.AxeCore.Playwright;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Playwright;
using OpenChatStudio.Core.Chatbots;
using OpenChatStudio.Core.Data;
using OpenChatStudio.Core.Teams;
using OpenChatStudio.Core.Versions;
using OpenChatStudio.Tests.TestSupport;
using static Microsoft.Playwright.Assertions;

namespace OpenChatStudio.Tests.E2E;

/// <summary>
/// In Chromium, anonymously: the hosted chat page of a chatbot published on the Offline model, with a consent form, welcome
/// messages and starter questions — consent, streamed reply, reload, rating, end chat — without any Blazor circuit.
/// </summary>
public class PublicChatPageTests : IClassFixture<BrowserFixture>, IAsyncLifetime
{
    private const string Visitor = "visitor@example.test";
    private const string Starter = "What can you do?";
    private readonly BrowserFixture _browser;
    private readonly OcsAppFactory _app = new();
    private TeamAccess _access = default!;

    public PublicChatPageTests(BrowserFixture browser)
    {
        _browser = browser;
        // Replies run through the whole chat pipeline on a shared 2-core machine: wait up to 15 s for them (not a timing assertion).
        SetDefaultExpectTimeout(15_000);
    }

    public async Task InitializeAsync()
    {
        await ((IAsyncLifetime)_app).InitializeAsync();
        var user = await _app.CreateUserAsync("owner@example.test");
        await _app.CreateTeamAsync(user.Id, "Public");
        _access = (await _app.Services.GetRequiredService<TeamService>().GetAccessAsync(user.Id, "public", CancellationToken.None))!;
    }

    public Task DisposeAsync() => ((IAsyncLifetime)_app).DisposeAsync();

    private async Task<Guid> PublishedBotAsync(bool consent, bool publish = true)
    {
        var bots = _app.Services.GetRequiredService<ChatbotService>();
        var bot = (await bots.CreateAsync(_access, "Helper", ChatbotTemplates.SimpleAssistant, CancellationToken.None)).Value!;
        Guid? formId = null;
        if (consent)
        {
            var form = await _app.Services.GetRequiredService<ResourceService>().CreateConsentFormAsync(_access,
                new ConsentFormInput("Study consent", "We store this **conversation** for research.", true, "Email address", "email",
                    "Respond with '1' if you agree", false), CancellationToken.None);
            formId = form.Value!.Id;
        }
        var updated = await bots.UpdateSettingsAsync(_access, bot.Id, new ChatbotSettings(bot.Name, "", null, [], false, formId,
            ["Hi! I am the **helper** bot."], [Starter, "Tell me a joke"]), CancellationToken.None);
        Assert.True(updated.Succeeded, updated.Error);
        if (publish)
        {
            var version = await _app.Services.GetRequiredService<VersionService>().CreateAsync(_access, bot.Id, "v1", true, "Owner", CancellationToken.None);
            Assert.True(version.Succeeded, version.Error);
        }
        return bot.PublicId;
    }

    private async Task<AppDbContext> DbAsync() =>
        await _app.Services.GetRequiredService<IDbContextFactory<AppDbContext>>().CreateForTeamAsync(_access.TeamId, CancellationToken.None);

    private static async Task AssertAccessibleAsync(IPage page)
    {
        var results = await page.RunAxe(new AxeRunOptions { ResultTypes = [ResultType.Violations] });
        var serious = results.Violations.Where(v => v.Impact is "serious" or "critical").ToList();
        Assert.True(serious.Count == 0, string.Join("\n", serious.Select(v =>
            $"{v.Id} ({v.Impact}): {v.Help} — {string.Join(" | ", v.Nodes.Take(3).Select(n => n.Html))}")));
    }

    private static Task<string?> StoredSessionAsync(IPage page, Guid publicId) =>
        page.EvaluateAsync<string?>($"() => (JSON.parse(localStorage.getItem('ocs-chat:{publicId}') || '{{}}').sessionId) || null");

    [Fact]
    public async Task Visitor_Consents_AsksStarter_GetsStreamedReply_Reloads_Rates_AndEnds_WithoutCircuit()
    {
        var publicId = await PublishedBotAsync(consent: true);
        var page = await _browser.NewPageAsync();
        var sockets = new List<string>();
        var blazorRequests = new List<string>();
        page.WebSocket += (_, ws) => sockets.Add(ws.Url);
        page.Request += (_, r) =>
        {
            if (r.Url.Contains("_blazor", StringComparison.Ordinal) || r.Url.Contains("blazor.web.js", StringComparison.Ordinal))
            {
                blazorRequests.Add(r.Url);
            }
        };
        var url = new Uri(_app.BaseAddress, $"/chat/{publicId}").ToString();
        await page.GotoAsync(url);

        // Consent first: the email is required.
        await Expect(page.GetByTestId("consent")).ToBeVisibleAsync();
        await Expect(page.GetByTestId("consent").Locator("strong")).ToHaveTextAsync("conversation");
        await AssertAccessibleAsync(page);
        await page.GetByTestId("consent-accept").ClickAsync();
        await Expect(page.Locator("#pc-identifier-error")).ToBeVisibleAsync();
        await page.GetByLabel("Email address").FillAsync(Visitor);
        await page.GetByTestId("consent-accept").ClickAsync();

        // Welcome message and starter questions; the starter is sent and the reply streams in.
        await Expect(page.GetByTestId("welcome-message")).ToContainTextAsync("I am the helper bot.");
        await Expect(page.GetByTestId("welcome-message").Locator("strong")).ToHaveTextAsync("helper");
        await Expect(page.GetByTestId("end-chat")).ToBeVisibleAsync();
        await AssertAccessibleAsync(page);
        await page.GetByTestId("starter-question").First.ClickAsync();
        await Expect(page.GetByTestId("user-message")).ToHaveTextAsync("You said:" + Starter);
        var reply = page.GetByTestId("bot-message");
        await Expect(reply).ToHaveCountAsync(1);
        await Expect(page.GetByTestId("bot-streaming")).ToHaveCountAsync(0);
        var deltas = int.Parse(await reply.GetAttributeAsync("data-stream-deltas") ?? "0");
        Assert.True(deltas > 1, $"the reply arrived in {deltas} SSE token deltas; expected several before the final message");
        await Expect(page.Locator("#pc-starters")).ToBeHiddenAsync();
        await Expect(page.Locator("#pc-live")).ToContainTextAsync("Helper:");
        await AssertAccessibleAsync(page);
        var sessionId = await StoredSessionAsync(page, publicId);
        Assert.NotNull(sessionId);

        // The participant is the identifier captured on the consent screen.
        await using (var db = await DbAsync())
        {
            var session = await db.ChatSessions.AsNoTracking().SingleAsync(s => s.Id == Guid.Parse(sessionId));
            var identifier = await db.Participants.Where(p => p.Id == session.ParticipantId).Select(p => p.Identifier).SingleAsync();
            Assert.Equal(Visitor, identifier);
            Assert.Equal("web", session.Platform);
        }

        // Reload: same session, the history once, no consent screen.
        await page.ReloadAsync();
        await Expect(page.GetByTestId("end-chat")).ToBeVisibleAsync();
        await Expect(page.GetByTestId("consent")).ToBeHiddenAsync();
        await Expect(page.GetByTestId("rate-up")).ToHaveCountAsync(1);
        await Expect(page.GetByTestId("user-message")).ToHaveCountAsync(1);
        await Expect(page.GetByTestId("bot-message")).ToHaveCountAsync(1);
        Assert.Equal(sessionId, await StoredSessionAsync(page, publicId));

        // Keyboard: Shift+Enter is a new line, Enter sends.
        var input = page.GetByLabel("Your message");
        await input.FocusAsync();
        await page.Keyboard.TypeAsync("First line");
        await page.Keyboard.PressAsync("Shift+Enter");
        await page.Keyboard.TypeAsync("second line");
        Assert.Equal("First line\nsecond line", await input.InputValueAsync());
        await page.Keyboard.PressAsync("Enter");
        await Expect(page.GetByTestId("bot-message")).ToHaveCountAsync(2);
        await Expect(page.GetByTestId("user-message")).ToHaveCountAsync(2);

        // The end of the last reply is above the sticky message box, not hidden under it.
        var lastReply = (await page.GetByTestId("bot-message").Last.BoundingBoxAsync())!;
        var messageBox = (await page.Locator("#pc-form").BoundingBoxAsync())!;
        Assert.True(lastReply.Y + lastReply.Height <= messageBox.Y + 1,
            $"the last reply ends at {lastReply.Y + lastReply.Height} px, the message box starts at {messageBox.Y} px");

        // 👍/👎 are comfortable targets (WCAG 2.2 asks at least 24 px; they are 44).
        foreach (var target in await page.Locator("[data-testid=rate-up], [data-testid=rate-down]").AllAsync())
        {
            var box = (await target.BoundingBoxAsync())!;
            Assert.True(box.Width >= 44 && box.Height >= 44, $"a rating button is {box.Width}x{box.Height} px");
        }

        // 👍 on the first reply is stored on the message.
        var up = page.GetByTestId("rate-up").First;
        await up.ClickAsync();
        await Expect(up).ToHaveAttributeAsync("aria-pressed", "true");
        await using (var db = await DbAsync())
        {
            var ratings = await db.ChatMessages.AsNoTracking().Where(m => m.SessionId == Guid.Parse(sessionId) && m.Rating != null)
                .Select(m => new { m.Sequence, m.Rating, m.Content }).ToListAsync();
            var rated = Assert.Single(ratings);
            Assert.Equal(OpenChatStudio.Core.Sessions.MessageRating.Up, rated.Rating);
        }

        // End chat (once the turn has finished), then a new chat gets a new session.
        await Expect(page.Locator("#pc-send")).ToBeEnabledAsync();
        await page.GetByTestId("end-chat").ClickAsync();
        await Expect(page.GetByTestId("chat-ended")).ToBeVisibleAsync();
        await Expect(page.Locator("#pc-form")).ToBeHiddenAsync();
        await using (var db = await DbAsync())
        {
            var session = await db.ChatSessions.AsNoTracking().SingleAsync(s => s.Id == Guid.Parse(sessionId));
            Assert.True(session.IsEnded);
            Assert.Equal("user", session.EndReason);
        }
        await page.GetByTestId("new-chat").ClickAsync();
        await Expect(page.Locator("#pc-form")).ToBeVisibleAsync();
        await Expect(page.GetByTestId("bot-message")).ToHaveCountAsync(0);
        await Expect(page.GetByTestId("starter-question").First).ToBeVisibleAsync();
        await Expect(page.GetByTestId("end-chat")).ToBeVisibleAsync();
        var newSession = await StoredSessionAsync(page, publicId);
        Assert.NotNull(newSession);
        Assert.NotEqual(sessionId, newSession);

        Assert.Empty(sockets);
        Assert.Empty(blazorRequests);
    }

    [Fact]
    public async Task UnpublishedChatbot_SaysNotAvailableYet_AndIsAccessible()
    {
        var publicId = await PublishedBotAsync(consent: false, publish: false);
        var page = await _browser.NewPageAsync();

        await page.GotoAsync(new Uri(_app.BaseAddress, $"/chat/{publicId}").ToString());

        await Expect(page.GetByTestId("chat-not-published")).ToContainTextAsync("not available yet");
        await AssertAccessibleAsync(page);
    }

    [Fact]
    public async Task NoConsentForm_ChatsStraightAway_AsAnonymousParticipant_KeptAcrossChats()
    {
        var publicId = await PublishedBotAsync(consent: false);
        var page = await _browser.NewPageAsync();

        await page.GotoAsync(new Uri(_app.BaseAddress, $"/chat/{publicId}").ToString());
        await Expect(page.GetByTestId("end-chat")).ToBeVisibleAsync();
        await page.GetByLabel("Your message").FillAsync("Hello **there**");
        await page.GetByRole(AriaRole.Button, new() { Name = "Send" }).ClickAsync();
        await Expect(page.GetByTestId("bot-message")).ToHaveCountAsync(1);

        var sessionId = await StoredSessionAsync(page, publicId);
        await using var db = await DbAsync();
        var session = await db.ChatSessions.AsNoTracking().SingleAsync(s => s.Id == Guid.Parse(sessionId!));
        var identifier = await db.Participants.Where(p => p.Id == session.ParticipantId).Select(p => p.Identifier).SingleAsync();
        Assert.StartsWith("anon:", identifier);
        var stored = await page.EvaluateAsync<string>($"() => JSON.parse(localStorage.getItem('ocs-chat:{publicId}')).remoteId");
        Assert.Equal(identifier, stored);
    }

    /// <summary>
    /// Regression: the chat is on screen while start/ is still running. A message sent in that moment used to go to
    /// <c>/api/chat/undefined/message/</c> and show "No session matches the given query."; it now waits for the session.
    /// </summary>
    [Fact]
    public async Task MessageSentBeforeSessionStarted_WaitsForTheSession_AndIsAnswered()
    {
        var publicId = await PublishedBotAsync(consent: false);
        var page = await _browser.NewPageAsync();
        var startHeld = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        var release = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        var sessionPaths = new List<string>();
        page.Request += (_, r) =>
        {
            var path = new Uri(r.Url).AbsolutePath;
            if (path.StartsWith("/api/chat/", StringComparison.Ordinal) && path != "/api/chat/start/")
            {
                sessionPaths.Add(path);
            }
        };
        await page.RouteAsync("**/api/chat/start/", async route =>
        {
            startHeld.TrySetResult();
            await release.Task;
            await route.ContinueAsync();
        });

        await page.GotoAsync(new Uri(_app.BaseAddress, $"/chat/{publicId}").ToString());
        await startHeld.Task.WaitAsync(TimeSpan.FromSeconds(30));
        await page.GetByLabel("Your message").FillAsync("Quick question");
        await page.GetByRole(AriaRole.Button, new() { Name = "Send" }).ClickAsync();
        await Expect(page.Locator(".pc-pending")).ToHaveTextAsync("You said:Quick question");
        Assert.Empty(sessionPaths);
        release.SetResult();

        await Expect(page.GetByTestId("bot-message")).ToHaveCountAsync(1);
        await Expect(page.GetByTestId("user-message")).ToHaveTextAsync("You said:Quick question");
        await Expect(page.Locator("#pc-error")).ToBeHiddenAsync();
        var sessionId = await StoredSessionAsync(page, publicId);
        Assert.NotNull(sessionId);
        Assert.All(sessionPaths, p => Assert.StartsWith($"/api/chat/{sessionId}/", p));
        await using var db = await DbAsync();
        Assert.Equal(1, await db.ChatSessions.CountAsync());
    }
}
