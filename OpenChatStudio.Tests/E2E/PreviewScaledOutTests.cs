using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Playwright;
using OpenChatStudio.Core.Chatbots;
using OpenChatStudio.Core.Data;
using OpenChatStudio.Core.Teams;
using OpenChatStudio.Tests.TestSupport;
using static Microsoft.Playwright.Assertions;

namespace OpenChatStudio.Tests.E2E;

/// <summary>
/// In Chromium, with the app scaled out over a real Redis (issue 14, defect 6): a preview message with a file attached is
/// stored and answered. It used to vanish — the preview invented an inbox id, the runtime found no inbox row under the
/// Redis session lock and answered "already handled" with neither reply nor error.
/// </summary>
public class PreviewScaledOutTests : IClassFixture<BrowserFixture>, IAsyncLifetime
{
    private readonly BrowserFixture _browser;
    private readonly RedisServer _redis = new();
    private readonly OcsAppFactory _app = new();
    private TeamAccess _access = default!;

    public PreviewScaledOutTests(BrowserFixture browser) => _browser = browser;

    public async Task InitializeAsync()
    {
        await _redis.InitializeAsync();
        _app.ExtraSettings["Redis:Connection"] = _redis.Connection;
        await ((IAsyncLifetime)_app).InitializeAsync();
        var user = await _app.CreateUserAsync("scaled@example.test");
        await _app.CreateTeamAsync(user.Id, "Lab");
        _access = (await _app.Services.GetRequiredService<TeamService>().GetAccessAsync(user.Id, "lab", default))!;
    }

    public async Task DisposeAsync()
    {
        await ((IAsyncLifetime)_app).DisposeAsync();
        await _redis.DisposeAsync();
    }

    [Fact]
    public async Task PreviewWithRedis_MessageWithAttachment_IsStoredAndAnswered()
    {
        var chatbots = _app.Services.GetRequiredService<ChatbotService>();
        var bot = (await chatbots.CreateAsync(_access, "Files", ChatbotTemplates.Blank, default)).Value!;
        Assert.True((await chatbots.UpdateSettingsAsync(_access, bot.Id,
            new ChatbotSettings(bot.Name, bot.Description, bot.SeedMessage, bot.ParticipantAllowlist, FileUploadsEnabled: true, bot.ConsentFormId), default)).Succeeded);
        var page = await _browser.NewPageAsync();
        await StudioPages.SignInAsync(page, _app, "scaled@example.test", "/t/lab");
        await StudioPages.OpenDesignerAsync(page, _app, "lab", bot.Id);
        await page.GetByRole(AriaRole.Tab, new() { Name = "Preview" }).ClickAsync();
        await Expect(page.GetByTestId("preview-attach-button")).ToBeEnabledAsync();

        await page.Locator("[data-testid=preview-attach] input[type=file]").SetInputFilesAsync(new FilePayload
        {
            Name = "scan.txt",
            MimeType = "text/plain",
            Buffer = "Temperature 37.2"u8.ToArray(),
        });
        await Expect(page.GetByTestId("pending-attachment")).ToHaveTextAsync("scan.txt");
        var input = page.Locator("[data-testid=preview-input] textarea, textarea[data-testid=preview-input]").First;
        await input.FillAsync("My scan is attached");
        await page.GetByTestId("preview-send").ClickAsync();

        await Expect(page.GetByTestId("msg-bot")).ToContainTextAsync("My scan is attached");   // Blank echoes the message
        await Expect(page.GetByTestId("msg-error")).ToHaveCountAsync(0);
        await using var db = await _app.Services.GetRequiredService<IDbContextFactory<AppDbContext>>().CreateForTeamAsync(_access.TeamId, default);
        var file = await db.ChatAttachments.AsNoTracking().SingleAsync();
        var message = await db.ChatMessages.AsNoTracking().SingleAsync(m => m.Id == file.MessageId);
        Assert.Equal("My scan is attached", message.Content);
    }
}
