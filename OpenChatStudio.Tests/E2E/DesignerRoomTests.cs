using System.Text.RegularExpressions;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Playwright;
using OpenChatStudio.Core.Chatbots;
using OpenChatStudio.Core.Teams;
using OpenChatStudio.Core.Versions;
using OpenChatStudio.Tests.TestSupport;
using static Microsoft.Playwright.Assertions;

namespace OpenChatStudio.Tests.E2E;

/// <summary>
/// In Chromium at 1280x800 (a common laptop): the designer gives the canvas the room — the app drawer is closed there,
/// palette and inspector fold away and stay folded, zoom buttons, a minimap, and the wheel zooms in when rolled up.
/// </summary>
public class DesignerRoomTests : IClassFixture<BrowserFixture>, IAsyncLifetime
{
    private readonly BrowserFixture _browser;
    private readonly OcsAppFactory _app = new();
    private Guid _chatbotId;
    private Guid _owner;

    public DesignerRoomTests(BrowserFixture browser) => _browser = browser;

    public async Task InitializeAsync()
    {
        await ((IAsyncLifetime)_app).InitializeAsync();
        var user = await _app.CreateUserAsync("room@example.test");
        _owner = user.Id;
        await _app.CreateTeamAsync(user.Id, "Lab");
        var access = (await _app.Services.GetRequiredService<TeamService>().GetAccessAsync(user.Id, "lab", default))!;
        var created = await _app.Services.GetRequiredService<ChatbotService>().CreateAsync(access, "Helper", ChatbotTemplates.Blank, default);
        Assert.True(created.Succeeded, created.Error);
        _chatbotId = created.Value!.Id;
    }

    public async Task DisposeAsync() => await ((IAsyncLifetime)_app).DisposeAsync();

    [Fact]
    public async Task Designer_At1280x800_DrawerClosed_PanelsFoldAndStayFolded_CanvasGetsTheWidth()
    {
        var page = await OpenDesignerAsync();
        await CanvasAtLeastAsync(page, 600);   // with both panels open (it was 366 px with the app drawer beside them)
        await Expect(page.GetByTestId("toggle-drawer")).ToHaveAttributeAsync("aria-expanded", "false");

        await page.GetByTestId("toggle-palette").ClickAsync();
        await page.GetByTestId("toggle-inspector").ClickAsync();
        await Expect(page.GetByTestId("node-inspector")).ToHaveCountAsync(0);
        await Expect(page.GetByTestId("palette-Passthrough")).ToHaveCountAsync(0);
        await CanvasAtLeastAsync(page, 1150);

        // Remembered in this browser; the app drawer elsewhere is open as before.
        await page.ReloadAsync();
        await page.Locator("#blazor-interactive").WaitForAsync(new() { State = WaitForSelectorState.Attached });
        await Expect(page.GetByTestId("toggle-inspector")).ToHaveAttributeAsync("aria-pressed", "false");
        await Expect(page.GetByTestId("palette-Passthrough")).ToHaveCountAsync(0);
        await page.GetByTestId("toggle-palette").ClickAsync();
        await Expect(page.GetByTestId("palette-Passthrough")).ToBeVisibleAsync();
        await page.GetByTestId("versions-link").ClickAsync();
        await Expect(page.GetByTestId("toggle-drawer")).ToHaveAttributeAsync("aria-expanded", "true");
    }

    [Fact]
    public async Task Designer_ZoomButtons_WheelUpZoomsIn_MinimapShown_FirstFitStaysReadable()
    {
        var page = await OpenDesignerAsync();
        var level = page.GetByTestId("zoom-level");
        var first = await ZoomAsync(level);
        Assert.InRange(first, 75, 100);
        await Expect(page.Locator(".ocs-minimap")).ToBeVisibleAsync();

        await page.GetByTestId("zoom-in").ClickAsync();
        var zoomedIn = await ZoomUntilAsync(level, z => z > first, $"zoom in from {first}%");

        // Two clicks: each is applied by its own server round trip, so wait for the level both of them make.
        await page.GetByTestId("zoom-out").ClickAsync();
        await page.GetByTestId("zoom-out").ClickAsync();
        var zoomedOut = await ZoomUntilAsync(level, z => z < first, $"zoom out twice from {zoomedIn}%");

        var box = (await page.GetByTestId("canvas").BoundingBoxAsync())!;
        await page.Mouse.MoveAsync(box.X + box.Width / 2, box.Y + 40);
        await page.Mouse.WheelAsync(0, -120);   // wheel rolled up
        await ZoomUntilAsync(level, z => z > zoomedOut, $"rolling the wheel up from {zoomedOut}%");
    }

    /// <summary>Polls the zoom label until it satisfies the condition (5 s), failing with the last level seen.</summary>
    private static async Task<int> ZoomUntilAsync(ILocator level, Func<int, bool> condition, string what)
    {
        var deadline = DateTime.UtcNow.AddSeconds(5);
        var seen = await ZoomAsync(level);
        while (!condition(seen))
        {
            if (DateTime.UtcNow > deadline)
            {
                Assert.Fail($"{what}: the zoom level stayed at {seen}%");
            }
            await Task.Delay(50);
            seen = await ZoomAsync(level);
        }
        return seen;
    }

    [Fact]
    public async Task Designer_EditAfterPublishing_ShowsUnpublishedChanges_PublishFromTheDesigner()
    {
        var access = (await _app.Services.GetRequiredService<TeamService>().GetAccessAsync(_owner, "lab", default))!;
        var first = await _app.Services.GetRequiredService<VersionService>().CreateAsync(access, _chatbotId, "v1", true, "room", default);
        Assert.True(first.Succeeded, first.Error);
        var page = await OpenDesignerAsync();
        await Expect(page.GetByTestId("unpublished-changes")).ToHaveCountAsync(0);
        await Expect(page.GetByTestId("publish-working")).ToBeDisabledAsync();

        await page.GetByTestId("palette-Passthrough").ClickAsync();
        await page.GetByTestId("save").ClickAsync();
        await Expect(page.GetByTestId("unpublished-changes")).ToBeVisibleAsync();
        await page.GetByTestId("publish-working").ClickAsync();
        await page.Locator(".mud-dialog").GetByRole(AriaRole.Button, new() { Name = "Publish", Exact = true }).ClickAsync();

        await Expect(page.GetByText("Version 2 published.")).ToBeVisibleAsync();
        await Expect(page.GetByTestId("unpublished-changes")).ToHaveCountAsync(0);
        var versions = await _app.Services.GetRequiredService<VersionService>().ListAsync(access, _chatbotId, default);
        Assert.Equal(2, versions.Single(v => v.IsPublished).Number);
    }

    /// <summary>Waits until the canvas is at least this wide (layout settles after the drawer and panels move).</summary>
    private static async Task CanvasAtLeastAsync(IPage page, int width)
    {
        try
        {
            await page.WaitForFunctionAsync($"() => document.querySelector('[data-testid=canvas]').getBoundingClientRect().width >= {width}",
                null, new() { Timeout = 5_000 });
        }
        catch (TimeoutException)
        {
            var actual = (await page.GetByTestId("canvas").BoundingBoxAsync())?.Width;
            Assert.Fail($"The canvas is {actual} px wide; expected at least {width} px.");
        }
    }

    private static async Task<int> ZoomAsync(ILocator level) =>
        int.Parse(Regex.Match(await level.InnerTextAsync(), @"\d+").Value);

    private async Task<IPage> OpenDesignerAsync()
    {
        var context = await _browser.Browser.NewContextAsync(new() { ViewportSize = new() { Width = 1280, Height = 800 } });
        context.SetDefaultTimeout(15_000);
        var page = await context.NewPageAsync();
        await StudioPages.SignInAsync(page, _app, "room@example.test", "/t/lab");
        await StudioPages.OpenDesignerAsync(page, _app, "lab", _chatbotId);
        return page;
    }
}
