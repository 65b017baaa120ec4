using System.Text.RegularExpressions;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Playwright;
using Xunit.Abstractions;
using OpenChatStudio.Core.Demo;
using OpenChatStudio.Core.Teams;
using OpenChatStudio.Tests.Core.Sessions;
using OpenChatStudio.Tests.TestSupport;
using static Microsoft.Playwright.Assertions;

namespace OpenChatStudio.Tests.E2E;

/// <summary>
/// The guard against the next crash nobody pressed: an editor of the seeded demo team visits every studio page it can
/// reach by links (one page per route, ids folded), and on each presses every non-destructive control it finds
/// (buttons, tabs, switches, menu buttons; confirm dialogs cancelled). It fails on the circuit's error screen, the
/// studio's error boundary, a console error, an uncaught page error, any 5xx, and a menu button whose menu never opens.
/// New pages and controls are covered without new test code.
/// </summary>
public partial class EveryPageTests : IClassFixture<BrowserFixture>, IAsyncLifetime
{
    private const string Email = "crawler@example.test";
    private const int MaxPages = 40;
    private const int MaxPressesPerPage = 40;

    // Never pressed: they delete, revoke or end something, or end the crawl's sign-in.
    [GeneratedRegex(@"\b(delete|remove|revoke|archive|sign out|log ?out|leave|discard|reset|rotate|regenerate|end session|disable|deactivate|clear|close session)\b", RegexOptions.IgnoreCase)]
    private static partial Regex Destructive();

    [GeneratedRegex("[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}", RegexOptions.IgnoreCase)]
    private static partial Regex Guid();

    private readonly BrowserFixture _browser;
    private readonly OcsAppFactory _app = new();
    private readonly List<string> _failures = [];
    private string _slug = "";
    private string _where = "";

    private readonly ITestOutputHelper _output;
    private int _presses;

    public EveryPageTests(BrowserFixture browser, ITestOutputHelper output) => (_browser, _output) = (browser, output);

    public async Task InitializeAsync()
    {
        await ((IAsyncLifetime)_app).InitializeAsync();
        DemoSeed demo;
        await using (var scope = _app.Services.CreateAsyncScope())
        {
            var seeded = await scope.ServiceProvider.GetRequiredService<DemoSeeder>()
                .SeedAsync(new DemoOptions(["localhost"]), CancellationToken.None);
            Assert.True(seeded.Succeeded, seeded.Error);
            demo = seeded.Value!;
        }
        _slug = demo.TeamSlug;
        var editor = await _app.CreateUserAsync(Email);
        await _app.AddToTeamAsync(editor.Id, _slug, TeamRole.Editor);

        // Something to review: a session with an exchange, so session, transcript and participant pages have content.
        var access = (await _app.Services.GetRequiredService<TeamService>().GetAccessAsync(editor.Id, _slug, default))!;
        var seeder = new SessionSeeder(_app.Services, access);
        var participant = await seeder.ParticipantAsync("pat@example.test", name: "Pat");
        await seeder.SessionAsync(demo.ChatbotId, participant.Id, DateTime.UtcNow.AddHours(-1), exchange: ["Hello", "Hi, how can I help?"]);
    }

    public async Task DisposeAsync() => await ((IAsyncLifetime)_app).DisposeAsync();

    [Fact(Timeout = 600_000)]
    public async Task EveryStudioPage_EveryNonDestructiveControl_NoErrorScreenConsoleErrorOr5xx()
    {
        var page = await _browser.NewPageAsync();
        page.Console += (_, message) =>
        {
            if (message.Type == "error")
            {
                Fail($"console error: {message.Text}");
            }
        };
        page.PageError += (_, error) => Fail($"uncaught page error: {error}");
        page.Response += (_, response) =>
        {
            if (response.Status >= 500)
            {
                Fail($"HTTP {response.Status} from {response.Url}");
            }
        };
        // Leaving a page with unsaved edits asks first: the crawl leaves. Anything else the page asks is declined.
        page.Dialog += (_, dialog) => _ = dialog.Type == "beforeunload" ? dialog.AcceptAsync() : dialog.DismissAsync();

        await page.GotoAsync(Url("/account/login"));
        await page.FillAsync("#email", Email);
        await page.FillAsync("#password", "password-123");
        await page.ClickAsync("button[type=submit]");
        await Expect(page).ToHaveURLAsync(new Regex($"/t/{_slug}$"));

        var queue = new Queue<string>([$"/t/{_slug}"]);
        var seen = new HashSet<string> { Pattern($"/t/{_slug}") };
        var visited = new List<string>();
        while (queue.Count > 0 && visited.Count < MaxPages)
        {
            var path = queue.Dequeue();
            visited.Add(path);
            foreach (var link in await CrawlPageAsync(page, path))
            {
                if (seen.Add(Pattern(link)))
                {
                    queue.Enqueue(link);
                }
            }
        }

        // Every route of the studio was reached from the team overview by links a user can follow.
        string[] expected = ["", "/chatbots", "/chatbots/{id}", "/chatbots/{id}/settings", "/chatbots/{id}/versions", "/chatbots/{id}/channels",
                             "/chatbots/{id}/events", "/chatbots/{id}/sessions", "/sessions", "/sessions/{id}", "/participants",
                             "/participants/{id}", "/resources", "/providers", "/audit", "/settings"];
        var reached = visited.Select(Pattern).ToHashSet();
        _output.WriteLine($"{visited.Count} pages, {_presses} controls pressed: {string.Join(", ", reached)}");
        var missing = expected.Select(e => $"/t/{{team}}{e}").Append("/teams/new").Where(e => !reached.Contains(e)).ToList();
        Assert.True(missing.Count == 0, "Not reached by links: " + string.Join(", ", missing));
        Assert.True(_failures.Count == 0, $"{_failures.Count} problem(s) on {visited.Count} pages:\n" + string.Join("\n", _failures.Distinct()));
    }

    /// <summary>Opens one page, presses what it offers and returns the studio links found on it.</summary>
    private async Task<List<string>> CrawlPageAsync(IPage page, string path)
    {
        _where = path;
        await OpenAsync(page, path);
        var links = await StudioLinksAsync(page);
        var pressed = new HashSet<string>();
        for (var i = 0; i < MaxPressesPerPage; i++)
        {
            List<Control> controls;
            try
            {
                controls = await ControlsAsync(page);
            }
            catch (PlaywrightException)
            {
                await OpenAsync(page, path);   // the page navigated while it was being read
                continue;
            }
            var control = controls.FirstOrDefault(c => !pressed.Contains(c.Key) && !Destructive().IsMatch(c.Label));
            if (control is null)
            {
                break;
            }
            pressed.Add(control.Key);
            _presses++;
            _where = $"{path} → \"{control.Label}\"";
            try
            {
                await page.Locator($"[data-crawl='{control.Id}']").ClickAsync(new() { Timeout = 3_000 });
            }
            catch (Exception ex) when (ex is PlaywrightException or TimeoutException)
            {
                continue;   // covered by another element, or re-rendered since it was listed: nothing was pressed
            }
            if (control.HasPopup)
            {
                var menu = page.Locator(".mud-popover-open [role=menu], .mud-popover-open .mud-list");
                try
                {
                    await menu.First.WaitForAsync(new() { State = WaitForSelectorState.Visible, Timeout = 3_000 });
                    links.AddRange(await StudioLinksAsync(page));
                }
                catch (TimeoutException)
                {
                    Fail("the menu did not open");
                }
            }
            await page.WaitForTimeoutAsync(250);
            await CheckErrorScreensAsync(page);
            if (!SamePath(page.Url, path))
            {
                links.Add(new Uri(page.Url).AbsolutePath);
                await OpenAsync(page, path);
                continue;
            }
            try
            {
                await DismissOverlaysAsync(page);
            }
            catch (Exception ex) when (ex is PlaywrightException or TimeoutException)
            {
                await OpenAsync(page, path);   // an overlay that would not close: start the page afresh
            }
        }
        _where = path;
        await page.WaitForTimeoutAsync(500);   // background work a press started (an export) finishes on this page
        await CheckErrorScreensAsync(page);
        if (SamePath(page.Url, path))
        {
            links.AddRange(await StudioLinksAsync(page));   // lists that loaded after the page opened (slower databases)
        }
        return links.Where(l => l.StartsWith($"/t/{_slug}", StringComparison.Ordinal) || l.StartsWith("/teams/", StringComparison.Ordinal)).ToList();
    }

    private async Task OpenAsync(IPage page, string path)
    {
        try
        {
            await page.GotoAsync(Url(path));
            await page.Locator("#blazor-interactive").WaitForAsync(new() { State = WaitForSelectorState.Attached, Timeout = 30_000 });
        }
        catch (Exception ex) when (ex is PlaywrightException or TimeoutException)
        {
            Fail($"page did not open: {ex.Message.Split('\n')[0]}");
        }
        try
        {
            await page.WaitForLoadStateAsync(LoadState.NetworkIdle, new() { Timeout = 5_000 });   // let the page load its data first
        }
        catch (TimeoutException)
        {
            // Still loading on a busy machine: the controls listed next are those already rendered.
        }
        await CheckErrorScreensAsync(page);
    }

    /// <summary>Closes a dialog (cancelling it), an open menu or popover, so the next control can be reached.</summary>
    private static async Task DismissOverlaysAsync(IPage page)
    {
        for (var i = 0; i < 3; i++)
        {
            var dialog = page.Locator(".mud-dialog:visible");
            if (await dialog.CountAsync() > 0)
            {
                var cancel = dialog.Last.GetByRole(AriaRole.Button, new() { NameRegex = new Regex("^(cancel|close|no|stay)$", RegexOptions.IgnoreCase) });
                if (await cancel.CountAsync() > 0)
                {
                    await cancel.First.ClickAsync(new() { Timeout = 3_000 });
                }
                else
                {
                    await page.Keyboard.PressAsync("Escape");
                }
                await page.WaitForTimeoutAsync(150);
                continue;
            }
            if (await page.Locator(".mud-popover-open").CountAsync() > 0)
            {
                await page.Keyboard.PressAsync("Escape");
                await page.Mouse.ClickAsync(1, 1);
                await page.WaitForTimeoutAsync(150);
                continue;
            }
            return;
        }
    }

    private async Task CheckErrorScreensAsync(IPage page)
    {
        if (page.IsClosed)
        {
            Fail("the page closed");
            return;
        }
        if (await page.Locator("#blazor-error-ui").IsVisibleAsync())
        {
            Fail("the circuit's error screen is showing");
        }
        if (await page.GetByTestId("app-error").CountAsync() > 0)
        {
            Fail("the studio's error screen is showing");
            await OpenAsync(page, _where.Split(" → ")[0]);
        }
    }

    private sealed record Control(string Key, string Id, string Label, bool HasPopup);

    /// <summary>The visible, enabled controls of the page (main content, app bar, open dialogs and popovers), each tagged to be clicked.</summary>
    private static async Task<List<Control>> ControlsAsync(IPage page)
    {
        var rows = await page.EvaluateAsync<string[][]>("""
            () => {
              const roots = [document.querySelector('.mud-main-content'), document.querySelector('.mud-appbar'),
                             ...document.querySelectorAll('.mud-dialog, .mud-popover-open')].filter(Boolean);
              const out = []; let n = 0;
              for (const root of roots) for (const el of root.querySelectorAll('button, [role=tab], [role=switch], input[type=checkbox]')) {
                if (el.disabled || el.getAttribute('aria-disabled') === 'true' || el.closest('form[action*="logout"]')) continue;
                const box = el.getBoundingClientRect();
                if (box.width === 0 || box.height === 0) continue;
                const host = el.closest('[data-testid]');
                const label = (el.getAttribute('aria-label') || el.innerText || el.title || (host && host.getAttribute('data-testid')) || '')
                  .trim().replace(/\s+/g, ' ').slice(0, 60);
                const id = 'c' + (n++);
                el.setAttribute('data-crawl', id);
                // A menu button: declared with aria-haspopup, or any activator inside a MudMenu (a custom one may declare nothing).
                const popup = el.getAttribute('aria-haspopup');
                const menu = (popup && popup !== 'false' && popup !== 'listbox') || (el.closest('.mud-menu') && !el.closest('.mud-popover'));
                out.push([el.tagName + '|' + (host ? host.getAttribute('data-testid') : '') + '|' + label, id, label, menu ? '1' : '']);
              }
              return out;
            }
            """);
        return rows.Select(r => new Control(r[0], r[1], r[2], r[3] == "1")).ToList();
    }

    private static async Task<List<string>> StudioLinksAsync(IPage page) =>
        (await page.EvaluateAsync<string[]>("""
            () => [...document.querySelectorAll('a[href]')]
              .filter(a => !a.hasAttribute('download') && !a.target)
              .map(a => new URL(a.href, location.href))
              .filter(u => u.origin === location.origin)
              .map(u => u.pathname)
            """))
        .Where(p => !p.Contains("/exports/", StringComparison.Ordinal) && !p.Contains("/files/", StringComparison.Ordinal))
        .ToList();

    private string Pattern(string path) => Guid().Replace(path.Replace($"/t/{_slug}", "/t/{team}"), "{id}").TrimEnd('/');

    private static bool SamePath(string url, string path) => new Uri(url).AbsolutePath.TrimEnd('/') == path.TrimEnd('/');

    private void Fail(string problem)
    {
        lock (_failures)
        {
            _failures.Add($"{_where}: {problem}");
        }
    }

    private string Url(string path) => new Uri(_app.BaseAddress, path).ToString();
}
