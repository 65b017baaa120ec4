using System.Text.RegularExpressions;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Playwright;
using OpenChatStudio.Core.Chatbots;
using OpenChatStudio.Core.Teams;
using OpenChatStudio.Tests.TestSupport;
using static Microsoft.Playwright.Assertions;

namespace OpenChatStudio.Tests.E2E;

/// <summary>
/// In Chromium, with the real mouse and keyboard on the canvas: connecting by dragging between ports (typed: outputs to
/// inputs only), selection box and Ctrl+click multi-select with the bulk delete, and the keyboard shortcuts.
/// </summary>
public class DesignerCanvasTests : IClassFixture<BrowserFixture>, IAsyncLifetime
{
    private readonly BrowserFixture _browser;
    private readonly OcsAppFactory _app = new();
    private TeamAccess _access = default!;
    private Guid _chatbotId;

    public DesignerCanvasTests(BrowserFixture browser) => _browser = browser;

    public async Task InitializeAsync()
    {
        await ((IAsyncLifetime)_app).InitializeAsync();
        var user = await _app.CreateUserAsync("editor@example.test");
        await _app.CreateTeamAsync(user.Id, "Lab");
        _access = (await _app.Services.GetRequiredService<TeamService>().GetAccessAsync(user.Id, "lab", CancellationToken.None))!;
        _chatbotId = (await Chatbots.CreateAsync(_access, "Canvas", ChatbotTemplates.Blank, default)).Value!.Id;
    }

    public Task DisposeAsync() => ((IAsyncLifetime)_app).DisposeAsync();

    private ChatbotService Chatbots => _app.Services.GetRequiredService<ChatbotService>();

    [Fact]
    public async Task Canvas_DragOutputToInput_CreatesLink_SavedAndReloaded_InputToInputAndOutputToOutputDoNothing()
    {
        var page = await OpenAsync();
        await page.GetByTestId("palette-Passthrough").ClickAsync();
        var middle = page.Locator("[data-node-name=do_nothing]");
        await Expect(middle).ToBeVisibleAsync();
        await FitAsync(page);
        var linksBefore = await page.Locator(".diagram-link").CountAsync();

        // start.output → do_nothing.input, then do_nothing.output → end.input (drawn from the input end: either way works).
        await DragAsync(page, page.Locator("[data-testid=node-start] .ocs-port-out"), middle.Locator(".ocs-port-in"));
        await Expect(page.Locator(".diagram-link")).ToHaveCountAsync(linksBefore + 1);
        await DragAsync(page, page.Locator("[data-testid=node-end] .ocs-port-in"), middle.Locator(".ocs-port-out"));
        await Expect(page.Locator(".diagram-link")).ToHaveCountAsync(linksBefore + 2);

        // Typed ports: input → input and output → output are refused, the dangling link disappears.
        await DragAsync(page, middle.Locator(".ocs-port-in"), page.Locator("[data-testid=node-end] .ocs-port-in"));
        await DragAsync(page, page.Locator("[data-testid=node-start] .ocs-port-out"), middle.Locator(".ocs-port-out"));
        await Expect(page.Locator(".diagram-link")).ToHaveCountAsync(linksBefore + 2);

        await middle.Locator(".ocs-node-title").ClickAsync();
        await Expect(page.GetByTestId("connection-end")).ToBeVisibleAsync();
        await page.Locator("[data-testid=node-start] .ocs-node-title").ClickAsync();
        await Expect(page.GetByTestId("connection-do_nothing")).ToBeVisibleAsync();

        await page.Keyboard.PressAsync("Control+s");
        var stored = await WaitForStoredAsync(d => d.Pipeline.Edges.Count == 3);
        var id = stored.Pipeline.Nodes.Single(n => n.Name == "do_nothing").Id;
        Assert.Contains(stored.Pipeline.Edges, e => e.Source == "start" && e.Target == id);
        Assert.Contains(stored.Pipeline.Edges, e => e.Source == id && e.Target == "end");
        Assert.Equal(3, stored.Pipeline.Edges.Count); // start → end from the template, and the two drawn ones; nothing else

        await page.ReloadAsync();
        await page.Locator("#blazor-interactive").WaitForAsync(new() { State = WaitForSelectorState.Attached });
        await Expect(page.Locator(".diagram-link")).ToHaveCountAsync(3);
        await page.Locator("[data-node-name=do_nothing] .ocs-node-title").ClickAsync();
        await Expect(page.GetByTestId("connection-end")).ToBeVisibleAsync();
    }

    [Fact]
    public async Task Canvas_ShiftDragSelectionBox_AndCtrlClick_SelectSeveral_BulkDeleteKeepsStart()
    {
        var page = await OpenAsync();
        await page.GetByTestId("palette-Passthrough").ClickAsync();
        await page.GetByTestId("palette-Passthrough").ClickAsync();
        var first = page.Locator("[data-node-name=do_nothing]");
        var second = page.Locator("[data-node-name=do_nothing_2]");
        await Expect(second).ToBeVisibleAsync();
        await FitAsync(page);

        // Shift + drag on the empty canvas around the two new nodes (they sit in a row above Start and End).
        var a = (await first.BoundingBoxAsync())!;
        var b = (await second.BoundingBoxAsync())!;
        var from = (X: Math.Min(a.X, b.X) - 12, Y: Math.Min(a.Y, b.Y) - 12);
        var to = (X: Math.Max(a.X + a.Width, b.X + b.Width) + 12, Y: Math.Max(a.Y + a.Height, b.Y + b.Height) + 6);
        await page.Mouse.MoveAsync(from.X, from.Y);
        await page.Keyboard.DownAsync("Shift");
        await page.Mouse.DownAsync();
        for (var i = 1; i <= 8; i++)
        {
            await page.Mouse.MoveAsync(from.X + (to.X - from.X) * i / 8, from.Y + (to.Y - from.Y) * i / 8);
        }
        await page.Mouse.UpAsync();
        await page.Keyboard.UpAsync("Shift");

        await Expect(page.GetByTestId("selection-count")).ToHaveTextAsync("2 nodes selected");
        await Expect(first).ToHaveClassAsync(new Regex(@"\bselected\b"));
        await Expect(second).ToHaveClassAsync(new Regex(@"\bselected\b"));
        await Expect(page.Locator(".ocs-node[data-node-name=start]")).Not.ToHaveClassAsync(new Regex(@"\bselected\b"));

        // Ctrl+click adds Start; Start is protected, so the bulk delete removes the two others only.
        await page.Locator("[data-testid=node-start] .ocs-node-title").ClickAsync(new() { Modifiers = [KeyboardModifier.Control] });
        await Expect(page.GetByTestId("selection-count")).ToHaveTextAsync("3 nodes selected");
        await Expect(page.GetByTestId("multi-selection")).ToContainTextAsync("Start and End stay");
        await Expect(page.GetByTestId("delete-selected")).ToContainTextAsync("Delete 2 node(s)");
        await page.GetByTestId("delete-selected").ClickAsync();

        await Expect(page.Locator("[data-node-name^=do_nothing]")).ToHaveCountAsync(0);
        await Expect(page.GetByTestId("node-start")).ToBeVisibleAsync();
        await Expect(page.GetByTestId("node-end")).ToBeVisibleAsync();
        await page.GetByTestId("save").ClickAsync();
        var stored = await WaitForStoredAsync(d => d.Pipeline.Nodes.Count == 2);
        Assert.Equal(["end", "start"], stored.Pipeline.Nodes.Select(n => n.Id).Order().ToArray());
    }

    [Fact]
    public async Task Canvas_Keyboard_CopyPasteDeleteUndoRedoSave_AndNotWhileTypingInTheInspector()
    {
        var page = await OpenAsync();
        await page.GetByTestId("palette-Passthrough").ClickAsync();
        await page.GetByTestId("palette-Passthrough").ClickAsync();
        var first = page.Locator("[data-node-name=do_nothing]");
        var second = page.Locator("[data-node-name=do_nothing_2]");
        await Expect(second).ToBeVisibleAsync();
        await FitAsync(page);
        await DragAsync(page, first.Locator(".ocs-port-out"), second.Locator(".ocs-port-in"));
        await Expect(page.Locator(".diagram-link")).ToHaveCountAsync(2);
        var nodes = page.Locator(".diagram-canvas .ocs-node");
        await Expect(nodes).ToHaveCountAsync(4);

        // Select both, copy, paste: two new nodes with the link between them, selected.
        await first.Locator(".ocs-node-title").ClickAsync();
        await second.Locator(".ocs-node-title").ClickAsync(new() { Modifiers = [KeyboardModifier.Control] });
        await Expect(page.GetByTestId("selection-count")).ToHaveTextAsync("2 nodes selected");
        await page.Keyboard.PressAsync("Control+c");
        await page.Keyboard.PressAsync("Control+v");
        await Expect(nodes).ToHaveCountAsync(6);
        await Expect(page.Locator(".diagram-link")).ToHaveCountAsync(3);
        await Expect(page.GetByTestId("selection-count")).ToHaveTextAsync("2 nodes selected");
        await Expect(page.GetByTestId("multi-selection")).ToContainTextAsync("do_nothing_copy");

        await page.Keyboard.PressAsync("Control+s");
        var stored = await WaitForStoredAsync(d => d.Pipeline.Nodes.Count == 6);
        var original = stored.Pipeline.Nodes.Single(n => n.Name == "do_nothing");
        var originalTarget = stored.Pipeline.Nodes.Single(n => n.Name == "do_nothing_2");
        var copy = stored.Pipeline.Nodes.Single(n => n.Name == "do_nothing_copy");
        var copyTarget = stored.Pipeline.Nodes.Single(n => n.Name == "do_nothing_2_copy");
        Assert.NotEqual(original.Id, copy.Id);
        Assert.NotEqual(originalTarget.Id, copyTarget.Id);
        Assert.Equal(original.Type, copy.Type);
        Assert.Contains(stored.Pipeline.Edges, e => e.Source == copy.Id && e.Target == copyTarget.Id);
        Assert.Equal(stored.Layout[original.Id].X + 40, stored.Layout[copy.Id].X);
        Assert.Equal(stored.Layout[original.Id].Y + 40, stored.Layout[copy.Id].Y);

        // Delete removes the selected copies; Ctrl+Z brings them back, Ctrl+Y removes them again.
        await page.Keyboard.PressAsync("Delete");
        await Expect(nodes).ToHaveCountAsync(4);
        await page.Keyboard.PressAsync("Control+z");
        await Expect(nodes).ToHaveCountAsync(6);
        await page.Keyboard.PressAsync("Control+y");
        await Expect(nodes).ToHaveCountAsync(4);

        // Delete on Start does nothing (protected).
        await page.Locator("[data-testid=node-start] .ocs-node-title").ClickAsync();
        await page.Keyboard.PressAsync("Delete");
        await Expect(page.GetByTestId("node-inspector")).ToHaveAttributeAsync("data-node-id", "start");
        await Expect(nodes).ToHaveCountAsync(4);

        // Typing in the inspector: Delete, Ctrl+Z, Ctrl+Y and Ctrl+C act on the text field, never on the canvas.
        await first.Locator(".ocs-node-title").ClickAsync();
        var name = page.GetByTestId("node-inspector").Locator("input").First;
        await name.ClickAsync();
        await name.PressAsync("End");
        await name.PressAsync("Delete");
        await name.PressAsync("Control+z");
        await name.PressAsync("Control+y");
        await name.PressAsync("Control+c");
        await Expect(nodes).ToHaveCountAsync(4);
        await Expect(first).ToHaveCountAsync(1);

        await page.Locator("[data-testid=node-end] .ocs-node-title").ClickAsync();
        await page.Keyboard.PressAsync("Control+s");
        stored = await WaitForStoredAsync(d => d.Pipeline.Nodes.Count == 4);
        Assert.DoesNotContain(stored.Pipeline.Nodes, n => n.Name.EndsWith("_copy", StringComparison.Ordinal));
    }

    private async Task<IPage> OpenAsync()
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

    /// <summary>Saves run in the background (and autosave may already have stored an earlier state): poll the database.</summary>
    private async Task<ChatbotDetails> WaitForStoredAsync(Func<ChatbotDetails, bool> done)
    {
        for (var i = 0; i < 150; i++)
        {
            var details = (await Chatbots.GetAsync(_access, _chatbotId, default))!;
            if (done(details))
            {
                return details;
            }
            await Task.Delay(100);
        }
        var last = (await Chatbots.GetAsync(_access, _chatbotId, default))!;
        Assert.Fail($"The stored pipeline never matched: {last.Pipeline.ToJson()}");
        return last;
    }

    /// <summary>Zoom to fit so every node is on screen (the 1280 px wide test window shows only part of the canvas).</summary>
    /// <remarks>
    /// One press: a node added a moment earlier may not be measured yet, and the designer fits again by itself once it is
    /// (it once needed pressing again; that race is fixed in the product, not retried here).
    /// </remarks>
    private static async Task FitAsync(IPage page)
    {
        const string allNodesVisible = @"() => {
            const c = document.querySelector('.diagram-canvas').getBoundingClientRect();
            const nodes = [...document.querySelectorAll('.diagram-canvas .ocs-node')];
            return nodes.length > 0 && nodes.every(n => { const r = n.getBoundingClientRect();
                return r.left >= c.left && r.right <= c.right && r.top >= c.top && r.bottom <= c.bottom; });
        }";
        await page.GetByTestId("zoom-fit").ClickAsync();
        await page.WaitForFunctionAsync(allNodesVisible, null, new() { Timeout = 15_000 });
    }

    /// <summary>A real mouse drag: press on the centre of <paramref name="from"/>, move in steps, release on <paramref name="to"/>.</summary>
    private static async Task DragAsync(IPage page, ILocator from, ILocator to, string? modifier = null)
    {
        var a = await CentreAsync(from);
        var b = await CentreAsync(to);
        await page.Mouse.MoveAsync(a.X, a.Y);
        if (modifier is not null)
        {
            await page.Keyboard.DownAsync(modifier);
        }
        await page.Mouse.DownAsync();
        for (var i = 1; i <= 8; i++)
        {
            await page.Mouse.MoveAsync(a.X + (b.X - a.X) * i / 8, a.Y + (b.Y - a.Y) * i / 8);
            await page.WaitForTimeoutAsync(30);
        }
        await page.Mouse.UpAsync();
        if (modifier is not null)
        {
            await page.Keyboard.UpAsync(modifier);
        }
    }

    private static async Task<(float X, float Y)> CentreAsync(ILocator locator)
    {
        await Expect(locator).ToBeVisibleAsync();
        var box = (await locator.BoundingBoxAsync())!;
        return (box.X + box.Width / 2, box.Y + box.Height / 2);
    }
}
