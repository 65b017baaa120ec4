using System.Security.Claims;
using Bunit;
using Microsoft.AspNetCore.Components;
using Microsoft.Extensions.DependencyInjection;
using OpenChatStudio.Core.Chat;
using Microsoft.EntityFrameworkCore;
using OpenChatStudio.Core.Chatbots;
using OpenChatStudio.Core.Data;
using OpenChatStudio.Core.Pipelines.Graph;
using OpenChatStudio.Core.Sessions;
using OpenChatStudio.Core.Teams;
using OpenChatStudio.Tests.Core.Sessions;
using OpenChatStudio.Tests.TestSupport;
using OpenChatStudio.Tests.TestSupport.Pipelines;
using OpenChatStudio.Web.Components.Sessions;

namespace OpenChatStudio.Tests.Web.Components.Sessions;

/// <summary>The sessions list (filters in the URL) and the transcript (versions, trace, tags, comments, end) over real services.</summary>
public class SessionPagesTests : BunitTestContext
{
    private static readonly DateTime T0 = new(2026, 3, 1, 12, 0, 0, DateTimeKind.Utc);
    private readonly CoreHost _core = new();
    private TeamAccess _team = default!;
    private SessionSeeder _seed = default!;

    public override async Task InitializeAsync()
    {
        await _core.InitializeAsync();
        var userId = (await _core.CreateUserAsync()).Id;
        var teams = _core.Get<TeamService>();
        var team = (await teams.CreateTeamAsync(userId, "Clinic", CancellationToken.None)).Value!;
        _team = (await teams.GetAccessAsync(userId, team.Slug, CancellationToken.None))!;
        _seed = new SessionSeeder(_core, _team);
        Ctx.Services.AddSingleton(teams);
        Ctx.Services.AddSingleton(_core.Get<ChatbotService>());
        Ctx.Services.AddSingleton(_core.Get<ChatRuntime>());
        Ctx.Services.AddSingleton(_core.Get<SessionQueryService>());
        Ctx.Services.AddSingleton(_core.Get<SessionReviewService>());
        Ctx.Services.AddSingleton(_core.Get<SessionExportService>());
        Ctx.AddAuthorization().SetAuthorized("Rita Reviewer").SetClaims(new Claim(ClaimTypes.NameIdentifier, userId.ToString()));
    }

    public override async Task DisposeAsync()
    {
        await base.DisposeAsync();
        await _core.DisposeAsync();
    }

    [Fact]
    public void FilterQuery_RoundTrips_AndIgnoresMalformedValues()
    {
        var filter = new SessionFilter(null, T0.Date, T0.Date.AddDays(3), SessionStatus.PendingReview, "telegram", 2, "vip", "alice", true);
        var uri = new Uri("http://x/t/a/sessions?" + string.Join("&", SessionFilterQuery.ToQuery(filter).Where(p => p.Value is not null).Select(p => $"{p.Key}={Uri.EscapeDataString((string)p.Value!)}")));

        Assert.Equal(filter, SessionFilterQuery.Parse(uri.ToString(), null));
        Assert.Equal(SessionFilterQuery.Default with { ChatbotId = Guid.Empty },
            SessionFilterQuery.Parse("http://x/s?from=yesterday&status=Nope&version=-1&rated=maybe", Guid.Empty));
    }

    [Fact]
    public async Task TeamSessions_ApplyingAFilter_PutsItInTheUrl_AndNarrowsTheTable()
    {
        var bot = await _seed.ChatbotAsync("Helpdesk");
        var alice = await _seed.ParticipantAsync("alice@example.test");
        var bob = await _seed.ParticipantAsync("bob@example.test");
        await _seed.SessionAsync(bot, alice.Id, T0, tags: ["vip"]);
        await _seed.SessionAsync(bot, bob.Id, T0.AddHours(1));
        var nav = Ctx.Services.GetRequiredService<NavigationManager>();
        nav.NavigateTo($"/t/{_team.Slug}/sessions");
        var cut = Ctx.Render<TeamSessions>(p => p.Add(x => x.TeamSlug, _team.Slug));
        cut.WaitForAssertion(() => Assert.Equal(2, cut.FindAll("[data-testid=session-row]").Count));

        // The page may still re-render from its background loads (recent exports); fill and apply against the current markup.
        cut.WaitForAssertion(() =>
        {
            cut.Find("input[data-testid=filter-tag], [data-testid=filter-tag] input").Change("vip");
            cut.Find("button[data-testid=filter-apply]").Click();
            Assert.Contains("tag=vip", nav.Uri);
        });
        cut.WaitForAssertion(() => Assert.Single(cut.FindAll("[data-testid=session-row]")));
        Assert.Contains("alice@example.test", cut.Find("[data-testid=sessions-table]").TextContent);
        Assert.DoesNotContain("bob@example.test", cut.Find("[data-testid=sessions-table]").TextContent);
    }

    [Fact]
    public async Task TeamSessions_LeaveOutPreviewChatsAndEmptySessions_UntilAskedFor()
    {
        var bot = await _seed.ChatbotAsync("Helpdesk");
        var real = await _seed.ParticipantAsync("real@example.test");
        var tester = await _seed.ParticipantAsync("user:tester", platform: "preview");
        await _seed.SessionAsync(bot, real.Id, T0);
        await _seed.SessionAsync(bot, tester.Id, T0.AddMinutes(1), platform: "preview");
        var runtime = _core.Get<ChatRuntime>();
        await runtime.StartSessionAsync(_team.TeamId, bot, (await _seed.ParticipantAsync("silent@example.test")).Id, "web", null, default);
        var nav = Ctx.Services.GetRequiredService<NavigationManager>();
        nav.NavigateTo($"/t/{_team.Slug}/sessions");

        var cut = Ctx.Render<TeamSessions>(p => p.Add(x => x.TeamSlug, _team.Slug));
        cut.WaitForAssertion(() => Assert.Single(cut.FindAll("[data-testid=session-row]")));
        Assert.Contains("real@example.test", cut.Find("[data-testid=sessions-table]").TextContent);

        cut.WaitForAssertion(() =>
        {
            cut.Find("input[data-testid=filter-show-all], [data-testid=filter-show-all] input").Change(true);
            cut.Find("button[data-testid=filter-apply]").Click();
            Assert.Contains("all=yes", nav.Uri);
        });
        var table = Ctx.Render<TeamSessions>(p => p.Add(x => x.TeamSlug, _team.Slug));   // opened from the link with all=yes
        table.WaitForAssertion(() => Assert.Equal(3, table.FindAll("[data-testid=session-row]").Count));
    }

    [Fact]
    public async Task TeamSessions_ShowTheParticipantsName_BeforeTheirIdentifier()
    {
        var bot = await _seed.ChatbotAsync("Helpdesk");
        var grace = await _seed.ParticipantAsync("grace@example.test", name: "Grace");
        await _seed.SessionAsync(bot, grace.Id, T0);
        Ctx.Services.GetRequiredService<NavigationManager>().NavigateTo($"/t/{_team.Slug}/sessions");

        var cut = Ctx.Render<TeamSessions>(p => p.Add(x => x.TeamSlug, _team.Slug));

        cut.WaitForAssertion(() => Assert.Contains("Grace (grace@example.test)", cut.Find("[data-testid=sessions-table]").TextContent));
    }

    [Fact]
    public async Task ChatbotSessions_OpenedWithFiltersInTheUrl_ShowsOnlyMatchingSessionsOfThatChatbot()
    {
        var bot = await _seed.ChatbotAsync("Helpdesk");
        var other = await _seed.ChatbotAsync("Other");
        var p = await _seed.ParticipantAsync("p@example.test");
        await _seed.SessionAsync(bot, p.Id, T0, platform: "telegram", exchange: ["telegram-bot-session", "ok"]);
        await _seed.SessionAsync(bot, p.Id, T0, platform: "web");
        await _seed.SessionAsync(other, p.Id, T0, platform: "telegram");
        Ctx.Services.GetRequiredService<NavigationManager>().NavigateTo($"/t/{_team.Slug}/chatbots/{bot}/sessions?platform=telegram");

        var cut = Ctx.Render<ChatbotSessions>(p => p.Add(x => x.TeamSlug, _team.Slug).Add(x => x.ChatbotId, bot));

        cut.WaitForAssertion(() => Assert.Single(cut.FindAll("[data-testid=session-row]")));
        Assert.Contains("telegram", cut.Find("[data-testid=sessions-table]").TextContent);
    }

    [Fact]
    public async Task Transcript_ShowsVersionAndTrace_AndReviewersTagCommentAndEnd()
    {
        var bots = _core.Get<ChatbotService>();
        var created = (await bots.CreateAsync(_team, "Echo", ChatbotTemplates.Blank, default)).Value!;
        var graph = PipelineGraphBuilder.WithStartAndEnd().Node("reply", "RenderTemplate", new { template_string = "pong" }).Connect("start -> reply", "reply -> end").Build();
        await bots.SavePipelineAsync(_team, created.Id, graph, new Dictionary<string, NodePosition>(), created.EditRevision, default);
        var runtime = _core.Get<ChatRuntime>();
        var participant = await runtime.GetOrCreateParticipantAsync(_team.TeamId, "web", "tx@example.test", null, null, default);
        var session = (await runtime.StartSessionAsync(_team.TeamId, created.Id, participant.Id, "web", null, default)).SessionId;
        Assert.True((await runtime.SendAsync(_team.TeamId, session, "ping", null, default)).Succeeded);

        var cut = Ctx.Render<SessionTranscript>(p => p.Add(x => x.TeamSlug, _team.Slug).Add(x => x.SessionId, session));

        cut.WaitForAssertion(() => Assert.Equal("pong", cut.Find("[data-testid=msg-bot] .ocs-msg-text").TextContent.Trim()));
        Assert.Contains("working version", cut.Find("[data-testid=msg-version]").TextContent);
        cut.Find("button[data-testid=toggle-trace]").Click();
        cut.WaitForAssertion(() => Assert.Equal(3, cut.FindAll("[data-testid=trace-node]").Count));
        Assert.Contains("reply", cut.Find("[data-testid=trace]").TextContent);

        cut.Find("input[data-testid=new-tag], [data-testid=new-tag] input").Change("follow-up");
        cut.Find("button[data-testid=add-tag]").Click();
        cut.WaitForAssertion(() => Assert.Contains("follow-up", cut.Find("[data-testid=session-tags]").TextContent));

        cut.Find("textarea[data-testid=session-comment-text], [data-testid=session-comment-text] textarea").Change("Looks right");
        cut.Find("button[data-testid=session-comment-save]").Click();
        cut.WaitForAssertion(() => Assert.Contains("Rita Reviewer", cut.Find("[data-testid=session-comment]").TextContent));

        cut.WaitForElement("button[data-testid=end-session]").Click();
        cut.WaitForElement("button[data-testid=confirm-yes]").Click();
        cut.WaitForAssertion(() => Assert.Equal("Pending review", cut.Find("[data-testid=session-status]").TextContent.Trim()));
        var stored = (await _core.Get<SessionReviewService>().GetAsync(_team, session, default))!;
        Assert.Equal(["follow-up"], stored.Session.Tags);
        Assert.Equal("manual", stored.EndReason);
    }

    [Fact]
    public void Transcript_UnknownSession_ShowsNotFound()
    {
        var cut = Ctx.Render<SessionTranscript>(p => p.Add(x => x.TeamSlug, _team.Slug).Add(x => x.SessionId, Guid.NewGuid()));

        cut.WaitForAssertion(() => Assert.NotNull(cut.Find("[data-testid=session-not-found]")));
    }

    [Fact]
    public async Task Transcript_SaysWhyAMessageWasNotAnswered()
    {
        var bot = await _seed.ChatbotAsync("Poison");
        var participant = await _seed.ParticipantAsync("poison@example.test");
        var session = await _seed.SessionAsync(bot, participant.Id, T0, exchange: ["hello", "hi there"]);
        var human = (await _core.Get<SessionReviewService>().GetAsync(_team, session, default))!.Messages.First(m => m.Role == MessageRole.Human);
        await using (var db = await _core.Get<IDbContextFactory<AppDbContext>>().CreateForTeamAsync(_team.TeamId, default))
        {
            db.InboundMessages.Add(new InboundMessage(_team.TeamId, session, "hello", [], null, T0)
            {
                Status = InboundStatus.Failed, Error = ChatInbox.GaveUpError, HumanMessageId = human.Id, Attempts = 3,
            });
            await db.SaveChangesAsync();
        }

        var cut = Ctx.Render<SessionTranscript>(p => p.Add(x => x.TeamSlug, _team.Slug).Add(x => x.SessionId, session));

        cut.WaitForAssertion(() => Assert.Contains(ChatInbox.GaveUpError, cut.Find("[data-testid=msg-human] [data-testid=msg-not-answered]").TextContent));
        Assert.Single(cut.FindAll("[data-testid=msg-not-answered]"));
    }

    [Fact]
    public async Task Transcript_OfAMessagingChannelSession_SaysWhichRepliesReachedTheParticipant()
    {
        var bot = await _seed.ChatbotAsync("Telegram bot");
        var participant = await _seed.ParticipantAsync("4242");
        var session = await _seed.SessionAsync(bot, participant.Id, T0, exchange: ["hello", "hi there", "are you there?", "yes"]);
        var channelId = Guid.NewGuid();
        var replies = (await _core.Get<SessionReviewService>().GetAsync(_team, session, default))!.Messages.Where(m => m.Role == MessageRole.Ai).ToList();
        await using (var db = await _core.Get<IDbContextFactory<AppDbContext>>().CreateForTeamAsync(_team.TeamId, default))
        {
            (await db.ChatSessions.FirstAsync(s => s.Id == session)).ChannelId = channelId;
            db.OutboundMessages.Add(new OutboundMessage(_team.TeamId, session, replies[0].Id, channelId, T0) { Status = OutboundStatus.Sent, Attempts = 1 });
            db.OutboundMessages.Add(new OutboundMessage(_team.TeamId, session, replies[1].Id, channelId, T0)
            {
                Status = OutboundStatus.Failed, Attempts = 1, Error = OpenChatStudio.Core.Channels.Messaging.ChannelOutbox.UnreachableError,
            });
            await db.SaveChangesAsync();
        }

        var cut = Ctx.Render<SessionTranscript>(p => p.Add(x => x.TeamSlug, _team.Slug).Add(x => x.SessionId, session));

        cut.WaitForAssertion(() => Assert.Equal(2, cut.FindAll("[data-testid=msg-delivery]").Count));
        var deliveries = cut.FindAll("[data-testid=msg-delivery]");
        Assert.Contains("Delivered on", deliveries[0].TextContent);
        Assert.Contains(OpenChatStudio.Core.Channels.Messaging.ChannelOutbox.UnreachableError, deliveries[1].TextContent);
    }

    [Fact]
    public async Task Transcript_ShowsAttachments_AndReviewersTagAndUntagAMessage()
    {
        var bot = await _seed.ChatbotAsync("Files");
        var participant = await _seed.ParticipantAsync("files@example.test");
        var session = await _seed.SessionAsync(bot, participant.Id, T0, exchange: ["see attached", "thanks"]);
        var human = (await _core.Get<SessionReviewService>().GetAsync(_team, session, default))!.Messages.Single(m => m.Role == MessageRole.Human);
        var file = (await _core.Get<ChatAttachmentStore>().SaveAsync(_team.TeamId, session,
            [new UploadedFile("report.pdf", "application/pdf", new byte[2048])], default)).Value!.Single();
        await using (var db = await _core.Get<IDbContextFactory<AppDbContext>>().CreateForTeamAsync(_team.TeamId, default))
        {
            (await db.ChatAttachments.FindAsync(file.Id))!.MessageId = human.Id;
            await db.SaveChangesAsync();
        }

        var cut = Ctx.Render<SessionTranscript>(p => p.Add(x => x.TeamSlug, _team.Slug).Add(x => x.SessionId, session));

        cut.WaitForAssertion(() => Assert.Single(cut.FindAll("[data-testid=msg-attachment]")));
        var link = cut.Find("[data-testid=msg-human] [data-testid=msg-attachment] a");
        Assert.Equal($"/t/{_team.Slug}/sessions/{session}/files/{file.Id}", link.GetAttribute("href"));
        Assert.Equal("report.pdf", link.TextContent.Trim());
        Assert.Contains("(2 KB)", cut.Find("[data-testid=msg-attachment]").TextContent);
        Assert.Empty(cut.FindAll("[data-testid=msg-bot] [data-testid=msg-attachment]"));

        cut.FindAll("button[data-testid=tag-message]")[1].Click();
        // The tag field appears after the click's async handler has rendered: wait for it rather than finding it at once.
        cut.WaitForElement("input[data-testid=message-tag-text], [data-testid=message-tag-text] input").Change("helpful");
        cut.WaitForElement("button[data-testid=message-tag-save]").Click();
        cut.WaitForAssertion(() => Assert.Equal("helpful", cut.Find("[data-testid=msg-bot] [data-testid=msg-tag]").TextContent.Trim()));
        Assert.Empty(cut.FindAll("[data-testid=msg-human] [data-testid=msg-tag]"));
        Assert.Empty(cut.FindAll("[data-testid=session-tag]"));
        Assert.Equal(["helpful"], (await _core.Get<SessionReviewService>().GetAsync(_team, session, default))!.Messages.Single(m => m.Role == MessageRole.Ai).Tags);

        cut.Find("[data-testid=msg-bot] [data-testid=msg-tag] button").Click();
        cut.WaitForAssertion(() => Assert.Empty(cut.FindAll("[data-testid=msg-tag]")));
        Assert.Empty((await _core.Get<SessionReviewService>().GetAsync(_team, session, default))!.Messages.Single(m => m.Role == MessageRole.Ai).Tags);
    }

    [Fact]
    public async Task TeamSessions_ListsRecentExports_StoredInTheDatabase()
    {
        var bot = await _seed.ChatbotAsync("Listed");
        var participant = await _seed.ParticipantAsync("listed@example.test");
        await _seed.SessionAsync(bot, participant.Id, T0);
        await _core.Get<SessionExportService>().EnqueueAsync(_team, new SessionFilter(ChatbotId: bot), "Rita Reviewer", default);

        var cut = Ctx.Render<TeamSessions>(p => p.Add(x => x.TeamSlug, _team.Slug));

        cut.WaitForAssertion(() => Assert.Contains("Recent exports (1)", cut.Find("[data-testid=recent-exports]").TextContent));
    }
}
