using BenchmarkDotNet.Attributes;
using BenchmarkDotNet.Engines;
using Microsoft.AspNetCore.Identity;
using Microsoft.Data.Sqlite;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;
using OpenChatStudio.Core;
using OpenChatStudio.Core.Accounts;
using OpenChatStudio.Core.Chat;
using OpenChatStudio.Core.Chatbots;
using OpenChatStudio.Core.Data;
using OpenChatStudio.Core.Llm;
using OpenChatStudio.Core.Participants;
using OpenChatStudio.Core.Pipelines.Graph;
using OpenChatStudio.Core.Pipelines.Tools;
using OpenChatStudio.Core.Scheduling;
using OpenChatStudio.Core.Teams;

namespace OpenChatStudio.Bench;

/// <summary>
/// Issue 7's scheduling budget: 10,000 scheduled messages (one per participant session) due within the same minute on the
/// embedded SQLite database with Quartz's RAM store and a zero-latency model. Measures one whole run (seed excluded) and
/// prints the lag between each message's due time and its send (p50/p99/max) and the duplicate check. Run with
/// <c>dotnet run -c Release --project bench/OpenChatStudio.Bench -- --filter *ScheduledMessage*</c>.
/// </summary>
[SimpleJob(RunStrategy.Monitoring, launchCount: 1, warmupCount: 0, iterationCount: 1, invocationCount: 1)]
public class ScheduledMessageBenchmarks
{
    [Params(10_000)]
    public int Messages { get; set; }

    /// <summary>"sqlite" (a temp file) or "postgres" (a new database on the server in <c>OCS_BENCH_PG</c>, a base connection string).</summary>
    public string Provider { get; set; } = "sqlite";

    /// <summary>Overrides <c>Events:DeliveryParallelism</c> when set.</summary>
    public int? Parallelism { get; set; }

    private ServiceProvider _services = default!;
    private string _path = "";
    private Guid _team;
    private DateTime _minute;

    [IterationSetup]
    public void Setup() => SetupAsync().GetAwaiter().GetResult();

    [Benchmark]
    public void DeliverAll() => RunAsync().GetAwaiter().GetResult();

    [IterationCleanup]
    public void Cleanup()
    {
        _services.GetRequiredService<SchedulerHost>().StopAsync(CancellationToken.None).GetAwaiter().GetResult();
        _services.Dispose();
        SqliteConnection.ClearAllPools();
        if (File.Exists(_path))
        {
            File.Delete(_path);
        }
    }

    public async Task SetupAsync()
    {
        _path = Path.Combine(Path.GetTempPath(), $"ocs-bench-{Guid.NewGuid():N}.db");
        var settings = new Dictionary<string, string?> { ["Events:SweepSeconds"] = "3600" };
        if (Provider == "postgres")
        {
            var baseCs = Environment.GetEnvironmentVariable("OCS_BENCH_PG")
                ?? throw new InvalidOperationException("postgres needs OCS_BENCH_PG, e.g. Host=127.0.0.1;Port=5432;Username=postgres");
            settings["Database:Provider"] = "Postgres";
            settings["ConnectionStrings:Postgres"] = $"{baseCs};Database=ocs_bench_{Guid.NewGuid():N};Maximum Pool Size=64";
        }
        else
        {
            settings["Database:Provider"] = "Sqlite";
            settings["ConnectionStrings:Sqlite"] = $"Data Source={_path}";
        }
        if (Parallelism is { } p)
        {
            settings["Events:DeliveryParallelism"] = p.ToString(System.Globalization.CultureInfo.InvariantCulture);
        }
        var config = new ConfigurationBuilder().AddInMemoryCollection(settings).Build();
        var services = new ServiceCollection();
        services.AddLogging(b => b.SetMinimumLevel(LogLevel.Error));
        services.AddOpenChatStudioCore(config, Path.GetTempPath());
        services.AddIdentityCore<AppUser>(o =>
            {
                o.Password.RequireNonAlphanumeric = false;
                o.Password.RequireUppercase = false;
                o.Password.RequireDigit = false;
            })
            .AddEntityFrameworkStores<AppDbContext>();
        services.AddSingleton<ILlmResolverFactory>(new ZeroLatencyFactory());
        _services = services.BuildServiceProvider();
        await _services.MigrateDatabaseAsync(CancellationToken.None);
        await using (var scope = _services.CreateAsyncScope())
        {
            var user = await scope.ServiceProvider.GetRequiredService<AccountService>().CreateUserAsync("bench@example.test", "password-123", null);
            _team = (await _services.GetRequiredService<TeamService>().CreateTeamAsync(user.Value!.Id, "Bench", CancellationToken.None)).Value!.Id;
        }
        var graph = new PipelineGraph(
            [
                new GraphNode("start", "StartNode", "start", new System.Text.Json.Nodes.JsonObject()),
                new GraphNode("llm", "LLMResponseWithPrompt", "llm", (System.Text.Json.Nodes.JsonObject)System.Text.Json.Nodes.JsonNode.Parse(
                    $$"""{"llm_provider_id":"{{Guid.NewGuid()}}","llm_model":"zero","prompt":"Remind kindly.","history_type":"none"}""")!),
                new GraphNode("end", "EndNode", "end", new System.Text.Json.Nodes.JsonObject()),
            ],
            [new GraphEdge("start", GraphEdge.DefaultPort, "llm"), new GraphEdge("llm", GraphEdge.DefaultPort, "end")]);
        await using var db = await _services.GetRequiredService<IDbContextFactory<AppDbContext>>().CreateForTeamAsync(_team, default);
        var bot = new Chatbot(_team, "Bench", graph);
        db.Chatbots.Add(bot);
        // Due spread over one minute that starts after the scheduler has armed them (the rebuild at start).
        _minute = DateTime.UtcNow.AddSeconds(20);
        var step = TimeSpan.FromMinutes(1) / Messages;
        for (var i = 0; i < Messages; i++)
        {
            var participant = new Participant(_team, "web", $"p{i}@bench.test");
            db.Participants.Add(participant);
            db.ChatSessions.Add(new ChatSession(_team, bot.Id, participant.Id, "web") { LastActivityAt = DateTime.UtcNow.AddDays(-30) });
            db.ScheduledMessages.Add(new ScheduledMessage(_team, bot.Id, participant.Id, null, $"b{i}",
                new ReminderRequest($"m{i}", "Remind them to stretch", _minute + step * i)));
        }
        await db.SaveChangesAsync();
    }

    public async Task RunAsync()
    {
        var factory = _services.GetRequiredService<IDbContextFactory<AppDbContext>>();
        // Seeding takes a while on a busy machine: move the minute so it starts 10 s from now, after the scheduler arms it.
        var shift = DateTime.UtcNow.AddSeconds(10) - _minute;
        await using (var move = await factory.CreateForTeamAsync(_team, default))
        {
            var rows = await move.ScheduledMessages.ToListAsync();
            foreach (var row in rows)
            {
                row.NextTriggerAt += shift;
                row.AnchorAt = row.NextTriggerAt;
            }
            await move.SaveChangesAsync();
        }
        _minute += shift;
        await _services.GetRequiredService<SchedulerHost>().StartAsync(CancellationToken.None);
        var deadline = _minute.AddMinutes(10);
        while (true)
        {
            await using var db = await factory.CreateForTeamAsync(_team, default);
            var done = await db.ScheduledMessageAttempts.CountAsync(a => a.Succeeded);
            if (done >= Messages || DateTime.UtcNow > deadline)
            {
                break;
            }
            await Task.Delay(200);
        }
        await using var check = await factory.CreateForTeamAsync(_team, default);
        var attempts = await check.ScheduledMessageAttempts.AsNoTracking().Where(a => a.Succeeded).Select(a => new { a.ScheduledMessageId, a.DueAt, a.CreatedAt }).ToListAsync();
        var messages = await check.ChatMessages.CountAsync(m => m.Role == MessageRole.Ai);
        var lags = attempts.Select(a => (a.CreatedAt - a.DueAt).TotalMilliseconds).Order().ToArray();
        var distinct = attempts.Select(a => a.ScheduledMessageId).Distinct().Count();
        var firstDue = attempts.Count == 0 ? default : attempts.Min(a => a.DueAt);
        var lastSent = attempts.Count == 0 ? default : attempts.Max(a => a.CreatedAt);
        double P(double q) => lags.Length == 0 ? double.NaN : lags[Math.Min(lags.Length - 1, (int)Math.Ceiling(q * lags.Length) - 1)];
        Console.WriteLine($"// SCHEDULE-LAG db={Provider} delivered={attempts.Count}/{Messages} distinct={distinct} duplicates={attempts.Count - distinct} " +
            $"ai_messages={messages} p50={P(0.50):F0}ms p99={P(0.99):F0}ms max={(lags.Length == 0 ? double.NaN : lags[^1]):F0}ms " +
            $"throughput={(attempts.Count == 0 ? 0 : attempts.Count / Math.Max(1, (lastSent - firstDue).TotalSeconds)):F0}/s");
    }

    private sealed class ZeroLatencyFactory : ILlmResolverFactory
    {
        private readonly ZeroLatencyChatService _llm = new();

        public ILlmResolver ForTeam(Guid teamId) => _llm;
    }
}
