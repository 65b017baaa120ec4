using BenchmarkDotNet.Running;
using OpenChatStudio.Bench;

// `-- designer-browser`: the designer with a 200-node pipeline in headless Chromium (open time, drag frame times).
if (args is ["designer-browser", ..])
{
    return await DesignerBrowserMeasure.RunAsync(args);
}

// `-- sessions-measure`: seed 100k sessions once and time each sessions-list query (median of 20 runs), without BenchmarkDotNet.
if (args is ["sessions-measure", ..])
{
    var bench = new SessionsListBenchmarks();
    var seedWatch = System.Diagnostics.Stopwatch.StartNew();
    await bench.SetupAsync();
    Console.WriteLine($"setup (seed if needed): {seedWatch.Elapsed.TotalSeconds:0.0} s");
    var cases = new (string Name, Func<Task<OpenChatStudio.Core.Sessions.SessionPage>> Run)[]
    {
        (nameof(bench.TeamWideFirstPage), bench.TeamWideFirstPage),
        (nameof(bench.ChatbotFirstPage), bench.ChatbotFirstPage),
        (nameof(bench.StatusPlatformDateRange), bench.StatusPlatformDateRange),
        (nameof(bench.ChatbotVersionHasRating), bench.ChatbotVersionHasRating),
        (nameof(bench.TagFilter), bench.TagFilter),
        (nameof(bench.TeamWidePage1000), bench.TeamWidePage1000),
        (nameof(bench.TeamWidePage2KnownTotal), bench.TeamWidePage2KnownTotal),
        (nameof(bench.ChatbotVersionHasRatingPage2KnownTotal), bench.ChatbotVersionHasRatingPage2KnownTotal),
        (nameof(bench.TagFilterPage2KnownTotal), bench.TagFilterPage2KnownTotal),
        (nameof(bench.TeamWidePage1000KnownTotal), bench.TeamWidePage1000KnownTotal),
    };
    foreach (var (name, run) in cases)
    {
        var first = await run();
        var times = new List<double>();
        for (var i = 0; i < 20; i++)
        {
            var sw = System.Diagnostics.Stopwatch.StartNew();
            await run();
            times.Add(sw.Elapsed.TotalMilliseconds);
        }
        times.Sort();
        Console.WriteLine($"{name,-40} total={first.Total,7} rows={first.Rows.Count,3} median={times[10],8:0.00} ms  p95={times[18],8:0.00} ms");
    }
    bench.Cleanup();
    return 0;
}

// `-- schedule-measure [sqlite|postgres] [messages] [parallelism]`: issue 7's scheduled-messages run without BenchmarkDotNet.
if (args is ["schedule-measure", ..])
{
    var schedule = new ScheduledMessageBenchmarks
    {
        Provider = args.Length > 1 ? args[1] : "sqlite",
        Messages = args.Length > 2 ? int.Parse(args[2], System.Globalization.CultureInfo.InvariantCulture) : 10_000,
        Parallelism = args.Length > 3 ? int.Parse(args[3], System.Globalization.CultureInfo.InvariantCulture) : null,
    };
    schedule.Setup();
    schedule.DeliverAll();
    schedule.Cleanup();
    return 0;
}

// Sanity check first, so a broken pipeline fails loudly instead of benchmarking an error path.
var check = new ExecutorBenchmarks();
check.Setup();
var reply = await check.TenNodes();
if (reply is null || !reply.StartsWith("Here is a short helpful answer", StringComparison.Ordinal))
{
    Console.Error.WriteLine($"The 10-node pipeline did not run as expected: {reply}");
    return 1;
}

BenchmarkSwitcher.FromAssembly(typeof(ExecutorBenchmarks).Assembly).Run(args);
return 0;
