using BenchmarkDotNet.Attributes;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;
using OpenChatStudio.Core;
using OpenChatStudio.Core.Chat;
using OpenChatStudio.Core.Chatbots;
using OpenChatStudio.Core.Data;
using OpenChatStudio.Core.Participants;
using OpenChatStudio.Core.Pipelines.Graph;
using OpenChatStudio.Core.Sessions;
using OpenChatStudio.Core.Teams;

namespace OpenChatStudio.Bench;

/// <summary>
/// The sessions list at 100k sessions (2 messages each; 5 chatbots, 3 channels, 10% rated): first page team-wide and per
/// chatbot, combined filters, the has-rating and version EXISTS filters, and a deep page. Database chosen by
/// OCS_BENCH_DB=Sqlite|Postgres (OCS_BENCH_PG = connection string). The data is seeded once and kept
/// (SQLite: /tmp/ocs-bench-sessions.db), so every BenchmarkDotNet process reuses it.
/// </summary>
[MemoryDiagnoser]
public class SessionsListBenchmarks
{
    public const int SessionCount = 100_000;
    private static readonly Guid TeamId = Guid.Parse("00000000-0000-0000-0000-0000000be7c4");
    private static readonly DateTime Start = new(2026, 1, 1, 0, 0, 0, DateTimeKind.Utc);
    private ServiceProvider _services = default!;
    private SessionQueryService _query = default!;
    private TeamAccess _access = default!;
    private Guid _chatbot;

    [GlobalSetup]
    public void Setup() => SetupAsync().GetAwaiter().GetResult();

    public async Task SetupAsync()
    {
        var pg = string.Equals(Environment.GetEnvironmentVariable("OCS_BENCH_DB"), "Postgres", StringComparison.OrdinalIgnoreCase);
        var settings = new Dictionary<string, string?>
        {
            ["Database:Provider"] = pg ? "Postgres" : "Sqlite",
            ["ConnectionStrings:Postgres"] = Environment.GetEnvironmentVariable("OCS_BENCH_PG"),
            ["ConnectionStrings:Sqlite"] = "Data Source=/tmp/ocs-bench-sessions.db",
        };
        var services = new ServiceCollection();
        services.AddLogging(b => b.SetMinimumLevel(LogLevel.Warning));
        services.AddOpenChatStudioCore(new ConfigurationBuilder().AddInMemoryCollection(settings).Build(), Path.GetTempPath());
        _services = services.BuildServiceProvider();
        await _services.MigrateDatabaseAsync(default);
        _query = _services.GetRequiredService<SessionQueryService>();
        _access = new TeamAccess(TeamId, "bench", "Bench", Guid.Empty, TeamRole.Admin);
        var factory = _services.GetRequiredService<IDbContextFactory<AppDbContext>>();
        await using (var db = await factory.CreateForTeamAsync(TeamId, default))
        {
            if (await db.ChatSessions.CountAsync() >= SessionCount)
            {
                _chatbot = await db.Chatbots.OrderBy(c => c.Name).Select(c => c.Id).FirstAsync();
                return;
            }
        }
        await SeedAsync(factory);
    }

    private async Task SeedAsync(IDbContextFactory<AppDbContext> factory)
    {
        var bots = Enumerable.Range(0, 5).Select(i => new Chatbot(TeamId, $"Bot {i}", PipelineGraph.Empty)).ToList();
        var participants = Enumerable.Range(0, 2_000).Select(i => new Participant(TeamId, "web", $"user{i}@example.test")).ToList();
        await using (var db = await factory.CreateForTeamAsync(TeamId, default))
        {
            db.Chatbots.AddRange(bots);
            db.Participants.AddRange(participants);
            await db.SaveChangesAsync();
        }
        _chatbot = bots[0].Id;
        string[] platforms = ["web", "telegram", "api"];
        var statuses = Enum.GetValues<SessionStatus>();
        const int batch = 5_000;
        for (var offset = 0; offset < SessionCount; offset += batch)
        {
            await using var db = await factory.CreateForTeamAsync(TeamId, default);
            db.ChangeTracker.AutoDetectChangesEnabled = false;
            for (var i = offset; i < offset + batch; i++)
            {
                var s = new ChatSession(TeamId, bots[i % bots.Count].Id, participants[i % participants.Count].Id, platforms[i % 3])
                {
                    Status = statuses[i % statuses.Length],
                    TagsJson = i % 50 == 0 ? "[\"vip\"]" : "[]",
                    HasRating = i % 10 == 0,
                };
                db.ChatSessions.Add(s);
                db.Entry(s).Property(x => x.CreatedAt).CurrentValue = Start.AddMinutes(i);
                db.ChatMessages.Add(new ChatMessage(TeamId, s.Id, 1, MessageRole.Human, "hello"));
                db.ChatMessages.Add(new ChatMessage(TeamId, s.Id, 2, MessageRole.Ai, "hi there")
                {
                    VersionNumber = i % 4 + 1,
                    Rating = i % 10 == 0 ? MessageRating.Up : null,
                });
            }
            await db.SaveChangesAsync();
        }
    }

    [GlobalCleanup]
    public void Cleanup() => _services.Dispose();

    [Benchmark(Baseline = true)]
    public Task<SessionPage> TeamWideFirstPage() => _query.QueryAsync(_access, new SessionFilter(), 0, 25, default);

    [Benchmark]
    public Task<SessionPage> ChatbotFirstPage() => _query.QueryAsync(_access, new SessionFilter(ChatbotId: _chatbot), 0, 25, default);

    [Benchmark]
    public Task<SessionPage> StatusPlatformDateRange() => _query.QueryAsync(_access,
        new SessionFilter(From: Start.AddDays(10), To: Start.AddDays(40), Status: SessionStatus.Active, Platform: "telegram"), 0, 25, default);

    [Benchmark]
    public Task<SessionPage> ChatbotVersionHasRating() => _query.QueryAsync(_access,
        new SessionFilter(ChatbotId: _chatbot, VersionNumber: 1, HasRating: true), 0, 25, default);

    [Benchmark]
    public Task<SessionPage> TagFilter() => _query.QueryAsync(_access, new SessionFilter(Tag: "vip"), 0, 25, default);

    [Benchmark]
    public Task<SessionPage> TeamWidePage1000() => _query.QueryAsync(_access, new SessionFilter(), 1000, 25, default);

    // Later pages of a filter, as the Sessions page asks for them: the total counted on the first page is passed back.

    [Benchmark]
    public Task<SessionPage> TeamWidePage2KnownTotal() => _query.QueryAsync(_access, new SessionFilter(), 1, 25, default, SessionCount);

    [Benchmark]
    public Task<SessionPage> ChatbotVersionHasRatingPage2KnownTotal() => _query.QueryAsync(_access,
        new SessionFilter(ChatbotId: _chatbot, VersionNumber: 1, HasRating: true), 1, 25, default, 5_000);

    [Benchmark]
    public Task<SessionPage> TagFilterPage2KnownTotal() => _query.QueryAsync(_access, new SessionFilter(Tag: "vip"), 1, 25, default, 2_000);

    [Benchmark]
    public Task<SessionPage> TeamWidePage1000KnownTotal() => _query.QueryAsync(_access, new SessionFilter(), 1000, 25, default, SessionCount);
}
