using Microsoft.Extensions.DependencyInjection;
using OpenChatStudio.Core.Chatbots;
using OpenChatStudio.Core.Teams;
using OpenChatStudio.Core.Versions;
using OpenChatStudio.Tests.TestSupport;
using static Microsoft.Playwright.Assertions;

namespace OpenChatStudio.Tests.E2E;

/// <summary>The hosted page tells a visitor who hits the session rate limit when to try again, and keeps their text.</summary>
public class PublicChatRateLimitTests : IClassFixture<BrowserFixture>, IAsyncLifetime
{
    private readonly BrowserFixture _browser;
    private readonly OcsAppFactory _app = new();
    private Guid _publicId;

    public PublicChatRateLimitTests(BrowserFixture browser)
    {
        _browser = browser;
        // A turn uses about five session requests (message, stream, poll, rendered); a few messages reach the limit.
        _app.ExtraSettings["ChatApi:SessionRequestsPerWindow"] = "5";
        _app.ExtraSettings["ChatApi:WindowSeconds"] = "3600";
        SetDefaultExpectTimeout(15_000);
    }

    public async Task InitializeAsync()
    {
        await ((IAsyncLifetime)_app).InitializeAsync();
        var user = await _app.CreateUserAsync("owner@example.test");
        await _app.CreateTeamAsync(user.Id, "Limits");
        var access = (await _app.Services.GetRequiredService<TeamService>().GetAccessAsync(user.Id, "limits", CancellationToken.None))!;
        var bot = (await _app.Services.GetRequiredService<ChatbotService>().CreateAsync(access, "Busy", ChatbotTemplates.SimpleAssistant, default)).Value!;
        Assert.True((await _app.Services.GetRequiredService<VersionService>().CreateAsync(access, bot.Id, "v1", true, "Owner", default)).Succeeded);
        _publicId = bot.PublicId;
    }

    public Task DisposeAsync() => ((IAsyncLifetime)_app).DisposeAsync();

    [Fact]
    public async Task SecondMessage_OverTheLimit_ShowsTryAgainIn_AndKeepsTheText()
    {
        var page = await _browser.NewPageAsync();
        await page.GotoAsync(new Uri(_app.BaseAddress, $"/chat/{_publicId}").ToString());
        await Expect(page.GetByTestId("end-chat")).ToBeVisibleAsync();
        var input = page.GetByLabel("Your message");
        await input.FillAsync("first");
        await input.PressAsync("Enter");
        await Expect(page.GetByTestId("bot-message")).ToHaveCountAsync(1);
        await Expect(page.GetByTestId("rate-up")).ToHaveCountAsync(1);

        // Keep writing until the limit is hit (within a few messages; the exact request count per turn does not matter).
        var sent = 1;
        var limited = false;
        while (!limited && sent < 5)
        {
            await Expect(page.Locator("#pc-send")).ToBeEnabledAsync(); // the previous turn has finished
            await input.FillAsync("message " + (sent + 1));
            await input.PressAsync("Enter");
            sent++;
            await page.WaitForFunctionAsync("n => !document.getElementById('pc-error').hidden || " +
                "document.querySelectorAll('[data-testid=bot-message]').length >= n", sent);
            limited = await page.Locator("#pc-error").IsVisibleAsync();
        }
        Assert.True(limited, "the session rate limit was never reached");

        await Expect(page.Locator("#pc-error")).ToContainTextAsync(new System.Text.RegularExpressions.Regex(@"Too many messages, try again in \d+ s\."));
        await Expect(page.Locator("#pc-retry")).ToBeVisibleAsync();
        await Expect(input).ToHaveValueAsync("message " + sent);
        await Expect(page.GetByTestId("user-message")).ToHaveCountAsync(sent - 1);
    }
}
