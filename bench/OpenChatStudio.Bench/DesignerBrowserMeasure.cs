using System.Diagnostics;
using System.Text.Json;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Mvc.Testing;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Playwright;
using OpenChatStudio.Core.Accounts;
using OpenChatStudio.Core.Chatbots;
using OpenChatStudio.Core.Teams;
using OpenChatStudio.Web.Components.Teams;

namespace OpenChatStudio.Bench;

/// <summary>
/// <c>designer-browser</c>: the real app (Kestrel, in-process, temp SQLite) and headless Chromium. Seeds a 200-node
/// pipeline, then (1) opens the designer several times and takes the time from navigation start until all 200 node
/// elements are in the page, and (2) drags a node across the canvas with the mouse (60 moves at ~60 Hz) while recording
/// requestAnimationFrame deltas, plus the time until the node lands where the mouse let go. Prints a summary and JSON.
/// </summary>
public static class DesignerBrowserMeasure
{
    private const int NodeCount = 200;

    private const string Email = "designer-bench@example.test";

    private const string Password = "password-123";

    public static async Task<int> RunAsync(string[] args)
    {
        var opens = args.SkipWhile(a => a != "--opens").Skip(1).Select(int.Parse).FirstOrDefault(5);
        var chromium = Environment.GetEnvironmentVariable("OCS_BENCH_CHROMIUM") ?? "/usr/bin/chromium";
        var dbPath = Path.Combine(Path.GetTempPath(), $"ocs-designer-bench-{Guid.NewGuid():N}.db");
        await using var app = new BenchApp(dbPath);
        try
        {
            app.UseKestrel();
            app.StartServer();
            var baseUrl = app.ClientOptions.BaseAddress;
            var chatbotId = await SeedAsync(app.Services);

            using var playwright = await Playwright.CreateAsync();
            await using var browser = await playwright.Chromium.LaunchAsync(new BrowserTypeLaunchOptions
            {
                ExecutablePath = chromium,
                Headless = true,
                Args = ["--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run", "--disable-background-networking",
                        "--disable-component-update", "--disable-sync", "--disable-dev-shm-usage"],
            });
            var context = await browser.NewContextAsync(new BrowserNewContextOptions { ViewportSize = new ViewportSize { Width = 1600, Height = 1000 } });
            context.SetDefaultTimeout(60_000);
            var page = await context.NewPageAsync();
            await page.GotoAsync(new Uri(baseUrl, "/account/login").ToString());
            await page.FillAsync("#email", Email);
            await page.FillAsync("#password", Password);
            await page.ClickAsync("button[type=submit]");
            await page.WaitForURLAsync(url => url.EndsWith("/t/bench", StringComparison.Ordinal));

            // Records when the 200th node element appears, relative to navigation start (performance.now()).
            await page.AddInitScriptAsync($$"""
                (() => {
                  const check = () => {
                    if (window.__ocsInteractiveAt === undefined && document.getElementById('blazor-interactive')) {
                      window.__ocsInteractiveAt = performance.now();
                    }
                    const count = document.querySelectorAll('.diagram-canvas .ocs-node').length;
                    if (window.__ocsFirstNodeAt === undefined && count > 0) {
                      window.__ocsFirstNodeAt = performance.now();
                    }
                    if (window.__ocsAllNodesAt === undefined && count >= {{NodeCount}}) {
                      window.__ocsAllNodesAt = performance.now();
                    }
                  };
                  new MutationObserver(check).observe(document, { childList: true, subtree: true });
                })();
                """);
            var designerUrl = new Uri(baseUrl, $"/t/bench/chatbots/{chatbotId}").ToString();
            var openTimes = new List<double>();
            var interactiveTimes = new List<double>();
            var firstNodeTimes = new List<double>();
            for (var i = 0; i <= opens; i++)
            {
                await page.GotoAsync(designerUrl);
                await page.WaitForFunctionAsync("() => window.__ocsAllNodesAt !== undefined", null, new() { PollingInterval = 20 });
                var at = await page.EvaluateAsync<double>("() => window.__ocsAllNodesAt");
                var interactive = await page.EvaluateAsync<double>("() => window.__ocsInteractiveAt ?? -1");
                var firstNode = await page.EvaluateAsync<double>("() => window.__ocsFirstNodeAt ?? -1");
                var domContentLoaded = await page.EvaluateAsync<double>("() => performance.getEntriesByType('navigation')[0].domContentLoadedEventEnd");
                if (i > 0)
                {
                    openTimes.Add(at); // the first open warms the server up (JIT, caches) and is not counted
                    interactiveTimes.Add(interactive);
                    firstNodeTimes.Add(firstNode);
                }
                Console.WriteLine($"open {(i == 0 ? "warm-up" : i.ToString())}: HTML loaded {domContentLoaded:0} ms, circuit interactive {interactive:0} ms, " +
                                  $"first node {firstNode:0} ms, all {NodeCount} nodes {at:0} ms");
            }

            var drag = await DragAsync(page);
            var result = new
            {
                nodes = NodeCount,
                opens = openTimes.Count,
                openMedianMs = Percentile(openTimes, 50),
                openMaxMs = openTimes.Max(),
                interactiveMedianMs = Percentile(interactiveTimes, 50),
                firstNodeMedianMs = Percentile(firstNodeTimes, 50),
                dragMoves = drag.Moves,
                dragFrames = drag.Frames.Count,
                frameP50Ms = Percentile(drag.Frames, 50),
                frameP95Ms = Percentile(drag.Frames, 95),
                frameMaxMs = drag.Frames.Max(),
                dragDurationMs = drag.DurationMs,
                settleAfterReleaseMs = drag.SettleMs,
                positionUpdates = drag.PositionUpdates,
            };
            Console.WriteLine();
            Console.WriteLine($"Open (navigation start → {NodeCount} nodes in the page), {openTimes.Count} runs: median {result.openMedianMs:0} ms, max {result.openMaxMs:0} ms " +
                              $"(circuit interactive at {result.interactiveMedianMs:0} ms, first node at {result.firstNodeMedianMs:0} ms)");
            Console.WriteLine($"Drag ({drag.Moves} mouse moves in {drag.DurationMs:0} ms): {drag.Frames.Count} frames, frame time p50 {result.frameP50Ms:0.0} ms, " +
                              $"p95 {result.frameP95Ms:0.0} ms, max {result.frameMaxMs:0.0} ms; {drag.PositionUpdates} distinct node positions painted; " +
                              $"node at its final place {drag.SettleMs:0} ms after release");
            Console.WriteLine(JsonSerializer.Serialize(result));
            return 0;
        }
        finally
        {
            Microsoft.Data.Sqlite.SqliteConnection.ClearAllPools();
            foreach (var file in new[] { dbPath, dbPath + "-wal", dbPath + "-shm" })
            {
                File.Delete(file);
            }
        }
    }

    private sealed record DragResult(int Moves, List<double> Frames, double DurationMs, double SettleMs, int PositionUpdates);

    private static async Task<DragResult> DragAsync(IPage page)
    {
        // A node near the top-left of the visible canvas (the pipeline runs far to the right).
        var node = page.Locator(".diagram-canvas .ocs-node[data-node-name=n1] .ocs-node-title");
        var box = (await node.BoundingBoxAsync())!;
        var (x, y) = (box.X + box.Width / 2, box.Y + box.Height / 2);
        await page.EvaluateAsync("""
            () => {
              window.__ocsFrames = []; window.__ocsPositions = new Set(); window.__ocsRecording = true;
              const el = document.querySelector('.diagram-node[data-node-id=n1]');
              let last = performance.now();
              const tick = (now) => {
                if (!window.__ocsRecording) return;
                window.__ocsFrames.push(now - last); last = now;
                window.__ocsPositions.add(el.style.left + ',' + el.style.top);
                requestAnimationFrame(tick);
              };
              requestAnimationFrame(tick);
            }
            """);
        const int moves = 60;
        var watch = Stopwatch.StartNew();
        await page.Mouse.MoveAsync(x, y);
        await page.Mouse.DownAsync();
        for (var i = 1; i <= moves; i++)
        {
            await page.Mouse.MoveAsync(x + i * 5, y + i * 3);
            await page.WaitForTimeoutAsync(16);
        }
        await page.Mouse.UpAsync();
        var duration = watch.Elapsed.TotalMilliseconds;
        // The node has landed when its left/top stop changing and moved by the full drag (zoom 1).
        var settle = Stopwatch.StartNew();
        await page.WaitForFunctionAsync("""
            ([dx]) => {
              const el = document.querySelector('.diagram-node[data-node-id=n1]');
              return parseFloat(el.style.left) >= 240 + dx - 1;
            }
            """, new object[] { moves * 5 }, new() { PollingInterval = 10 });
        var settleMs = settle.Elapsed.TotalMilliseconds;
        var frames = await page.EvaluateAsync<double[]>("() => { window.__ocsRecording = false; return window.__ocsFrames.slice(1); }");
        var positions = await page.EvaluateAsync<int>("() => window.__ocsPositions.size");
        return new DragResult(moves, frames.ToList(), duration, settleMs, positions);
    }

    private static async Task<Guid> SeedAsync(IServiceProvider services)
    {
        await using var scope = services.CreateAsyncScope();
        var user = (await scope.ServiceProvider.GetRequiredService<AccountService>().CreateUserAsync(Email, Password, null)).Value!;
        var teams = services.GetRequiredService<TeamService>();
        await teams.CreateTeamAsync(user.Id, "Bench", CancellationToken.None);
        var access = (await teams.GetAccessAsync(user.Id, "bench", CancellationToken.None))!;
        var chatbots = services.GetRequiredService<ChatbotService>();
        var bot = (await chatbots.CreateAsync(access, "200 nodes", ChatbotTemplates.Blank, CancellationToken.None)).Value!;
        var (graph, layout) = DesignerBenchmarks.BigGraph(NodeCount);
        var saved = await chatbots.SavePipelineAsync(access, bot.Id, graph, layout, bot.EditRevision, CancellationToken.None);
        if (!saved.Succeeded)
        {
            throw new InvalidOperationException(saved.Error);
        }
        return bot.Id;
    }

    private static double Percentile(IReadOnlyList<double> values, int p)
    {
        var sorted = values.Order().ToList();
        return sorted[Math.Clamp((int)Math.Ceiling(p / 100.0 * sorted.Count) - 1, 0, sorted.Count - 1)];
    }

    /// <summary>The web app on Kestrel at a random 127.0.0.1 port over a temp SQLite file (as the tests' OcsAppFactory).</summary>
    private sealed class BenchApp(string dbPath) : WebApplicationFactory<ChatbotDesigner>
    {
        protected override void ConfigureWebHost(IWebHostBuilder builder)
        {
            builder.UseEnvironment("Development");
            builder.UseUrls("http://127.0.0.1:0");
            builder.UseSetting("Database:Provider", "Sqlite");
            builder.UseSetting("ConnectionStrings:Sqlite", $"Data Source={dbPath}");
            builder.UseSetting("Serilog:MinimumLevel:Default", "Warning");
        }
    }
}
