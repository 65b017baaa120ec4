using OpenChatStudio.Core.Chat;
using OpenChatStudio.Core.Sessions;
using OpenChatStudio.Core.Teams;
using OpenChatStudio.Tests.TestSupport;

namespace OpenChatStudio.Tests.Core.Sessions;

/// <summary>The sessions list on a real database: each filter, filters combined, paging, chatbot vs team-wide, tenancy.</summary>
public class SessionQueryServiceTests : IAsyncLifetime
{
    private static readonly DateTime T0 = new(2026, 3, 1, 12, 0, 0, DateTimeKind.Utc);
    private readonly CoreHost _host = new();
    private TeamAccess _access = default!;
    private SessionSeeder _seed = default!;

    public async Task InitializeAsync()
    {
        await _host.InitializeAsync();
        var owner = await _host.CreateUserAsync();
        var teams = _host.Get<TeamService>();
        var team = (await teams.CreateTeamAsync(owner.Id, "Review", CancellationToken.None)).Value!;
        _access = (await teams.GetAccessAsync(owner.Id, team.Slug, CancellationToken.None))!;
        _seed = new SessionSeeder(_host, _access);
    }

    public Task DisposeAsync() => _host.DisposeAsync();

    private SessionQueryService Query => _host.Get<SessionQueryService>();

    private async Task<HashSet<Guid>> IdsAsync(SessionFilter filter) =>
        (await Query.QueryAsync(_access, filter, 0, 200, default)).Rows.Select(r => r.Id).ToHashSet();

    [Fact]
    public async Task EachFilter_NarrowsTheList_AndFiltersCombine()
    {
        var bot = await _seed.ChatbotAsync("Helpdesk");
        var other = await _seed.ChatbotAsync("Other");
        var alice = await _seed.ParticipantAsync("alice@example.test", name: "Alice");
        var bob = await _seed.ParticipantAsync("+15550001", "telegram");
        var a = await _seed.SessionAsync(bot, alice.Id, T0, tags: ["urgent", "café"], version: 1, rating: MessageRating.Up);
        var b = await _seed.SessionAsync(bot, bob.Id, T0.AddDays(1), platform: "telegram", status: SessionStatus.PendingReview, version: 2);
        var c = await _seed.SessionAsync(bot, alice.Id, T0.AddDays(2), tags: ["later"], version: 2, rating: MessageRating.Down);
        var d = await _seed.SessionAsync(other, alice.Id, T0.AddDays(3), tags: ["urgent"]);

        Assert.Equal([a, b, c], await IdsAsync(new SessionFilter(ChatbotId: bot)));
        Assert.Equal([a, b, c, d], await IdsAsync(new SessionFilter()));
        Assert.Equal([b, c], await IdsAsync(new SessionFilter(From: T0.AddDays(1), To: T0.AddDays(3))));
        Assert.Equal([b], await IdsAsync(new SessionFilter(Status: SessionStatus.PendingReview)));
        Assert.Equal([b], await IdsAsync(new SessionFilter(Platform: "telegram")));
        Assert.Equal([b, c], await IdsAsync(new SessionFilter(VersionNumber: 2)));
        Assert.Equal([a, d], await IdsAsync(new SessionFilter(Tag: "urgent")));
        Assert.Equal([a], await IdsAsync(new SessionFilter(Tag: "café")));
        Assert.Empty(await IdsAsync(new SessionFilter(Tag: "urg")));
        Assert.Equal([a, c, d], await IdsAsync(new SessionFilter(Participant: "alice")));
        Assert.Equal([a, c, d], await IdsAsync(new SessionFilter(Participant: "Alice")));
        Assert.Equal([a, c], await IdsAsync(new SessionFilter(HasRating: true)));
        Assert.Equal([b, d], await IdsAsync(new SessionFilter(HasRating: false)));

        Assert.Equal([a], await IdsAsync(new SessionFilter(ChatbotId: bot, Tag: "urgent", HasRating: true)));
        Assert.Equal([c], await IdsAsync(new SessionFilter(ChatbotId: bot, VersionNumber: 2, Participant: "alice")));
        Assert.Empty(await IdsAsync(new SessionFilter(ChatbotId: other, VersionNumber: 2)));
    }

    [Fact]
    public async Task Rows_CarryChatbotParticipantAndCounts()
    {
        var bot = await _seed.ChatbotAsync("Helpdesk");
        var alice = await _seed.ParticipantAsync("alice@example.test", name: "Alice");
        await _seed.SessionAsync(bot, alice.Id, T0, tags: ["x"], exchange: ["one", "two", "three", "four"]);

        var row = Assert.Single((await Query.QueryAsync(_access, new SessionFilter(), 0, 10, default)).Rows);

        Assert.Equal(("Helpdesk", "alice@example.test", "Alice", 4, "web"), (row.ChatbotName, row.ParticipantIdentifier, row.ParticipantName, row.MessageCount, row.Platform));
        Assert.Equal(["x"], row.Tags);
    }

    [Fact]
    public async Task Paging_IsNewestFirst_WithoutOverlap_AndReportsTheTotal()
    {
        var bot = await _seed.ChatbotAsync("Paged");
        var p = await _seed.ParticipantAsync("p@example.test");
        var ids = new List<Guid>();
        for (var i = 0; i < 23; i++)
        {
            ids.Add(await _seed.SessionAsync(bot, p.Id, T0.AddMinutes(i)));
        }

        var pages = new List<SessionPage>();
        for (var page = 0; page < 3; page++)
        {
            pages.Add(await Query.QueryAsync(_access, new SessionFilter(ChatbotId: bot), page, 10, default));
        }

        Assert.All(pages, page => Assert.Equal(23, page.Total));
        Assert.Equal([10, 10, 3], pages.Select(page => page.Rows.Count));
        Assert.Equal(Enumerable.Reverse(ids), pages.SelectMany(page => page.Rows).Select(r => r.Id));
        Assert.Equal(SessionQueryService.MaxPageSize, (await Query.QueryAsync(_access, new SessionFilter(), 0, 100_000, default)).PageSize);
    }

    [Fact]
    public async Task Paging_WithAKnownTotal_SkipsTheCount_ButStillPagesTheCurrentRows()
    {
        var bot = await _seed.ChatbotAsync("Counted");
        var p = await _seed.ParticipantAsync("p@example.test");
        var ids = new List<Guid>();
        for (var i = 0; i < 12; i++)
        {
            ids.Add(await _seed.SessionAsync(bot, p.Id, T0.AddMinutes(i)));
        }
        var filter = new SessionFilter(ChatbotId: bot);
        var first = await Query.QueryAsync(_access, filter, 0, 5, default);

        // A session arrives while the reviewer pages: the remembered total is returned as is (no COUNT), the rows are current.
        ids.Add(await _seed.SessionAsync(bot, p.Id, T0.AddMinutes(30)));
        var second = await Query.QueryAsync(_access, filter, 1, 5, default, knownTotal: first.Total);

        Assert.Equal((12, 12), (first.Total, second.Total));
        Assert.Equal(Enumerable.Reverse(ids).Skip(5).Take(5), second.Rows.Select(r => r.Id));
        Assert.Equal(13, (await Query.QueryAsync(_access, filter, 1, 5, default)).Total);
        Assert.Empty((await Query.QueryAsync(_access with { TeamId = Guid.NewGuid() }, filter, 0, 5, default, knownTotal: 12)).Rows);
    }

    [Fact]
    public async Task AnotherTeam_NeverSeesTheseSessions()
    {
        var bot = await _seed.ChatbotAsync("Private");
        var p = await _seed.ParticipantAsync("p@example.test");
        await _seed.SessionAsync(bot, p.Id, T0);
        var owner = await _host.CreateUserAsync();
        var teams = _host.Get<TeamService>();
        var other = (await teams.CreateTeamAsync(owner.Id, "Other", CancellationToken.None)).Value!;
        var stranger = (await teams.GetAccessAsync(owner.Id, other.Slug, CancellationToken.None))!;

        Assert.Equal(0, (await Query.QueryAsync(stranger, new SessionFilter(), 0, 50, default)).Total);
        Assert.Equal(0, (await Query.QueryAsync(stranger, new SessionFilter(ChatbotId: bot), 0, 50, default)).Total);
        Assert.Equal(1, (await Query.QueryAsync(_access, new SessionFilter(ChatbotId: bot), 0, 50, default)).Total);
    }
}
