using System.Security.Claims;
using Bunit;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.DependencyInjection;
using OpenChatStudio.Core.Chatbots;
using OpenChatStudio.Core.Data;
using OpenChatStudio.Core.Teams;
using OpenChatStudio.Tests.TestSupport;
using ChatbotsPage = OpenChatStudio.Web.Components.Teams.Chatbots;

namespace OpenChatStudio.Tests.Web.Components;

/// <summary>The chatbots list over the real TeamService, ChatbotService and database.</summary>
public class ChatbotsPageTests : BunitTestContext
{
    private readonly CoreHost _core = new();
    private Guid _ownerId;
    private TeamAccess _owner = default!;

    public override async Task InitializeAsync()
    {
        await _core.InitializeAsync();
        _ownerId = (await _core.CreateUserAsync()).Id;
        var teams = _core.Get<TeamService>();
        var team = (await teams.CreateTeamAsync(_ownerId, "Clinic", CancellationToken.None)).Value!;
        _owner = (await teams.GetAccessAsync(_ownerId, team.Slug, CancellationToken.None))!;
        Ctx.Services.AddSingleton(teams);
        Ctx.Services.AddSingleton(_core.Get<ChatbotService>());
    }

    public override async Task DisposeAsync()
    {
        await base.DisposeAsync();
        await _core.DisposeAsync();
    }

    private IRenderedComponent<ChatbotsPage> RenderAs(Guid userId)
    {
        Ctx.AddAuthorization().SetAuthorized("tester").SetClaims(new Claim(ClaimTypes.NameIdentifier, userId.ToString()));
        return Ctx.Render<ChatbotsPage>(p => p.Add(x => x.TeamSlug, _owner.Slug));
    }

    [Fact]
    public void ChatbotsList_NoChatbots_ShowsEmptyStateWithCreateAction()
    {
        var cut = RenderAs(_ownerId);

        cut.WaitForAssertion(() => Assert.Contains("No chatbots yet", cut.Find("[data-testid=empty-state]").TextContent));
        Assert.NotNull(cut.Find("[data-testid=empty-create-chatbot]"));
        Assert.Empty(cut.FindAll("[data-testid=chatbot-row]"));
    }

    [Fact]
    public async Task ChatbotsList_WithChatbots_ShowsRowsLinkingToDesignerAndHidesArchived()
    {
        var bots = _core.Get<ChatbotService>();
        var triage = (await bots.CreateAsync(_owner, "Triage", ChatbotTemplates.RouterWithSpecialists, default)).Value!;
        await bots.CreateAsync(_owner, "Intake", ChatbotTemplates.Intake, default);
        var old = (await bots.CreateAsync(_owner, "Retired", ChatbotTemplates.Blank, default)).Value!;
        await bots.SetArchivedAsync(_owner, old.Id, true, default);

        var cut = RenderAs(_ownerId);

        cut.WaitForAssertion(() => Assert.Equal(2, cut.FindAll("[data-testid=chatbot-row]").Count));
        Assert.Empty(cut.FindAll("[data-testid=empty-state]"));
        Assert.DoesNotContain("Retired", cut.Find("[data-testid=chatbots-table]").TextContent);
        var link = cut.FindAll("[data-testid=chatbot-link]").Single(a => a.TextContent.Contains("Triage"));
        Assert.Equal($"/t/{_owner.Slug}/chatbots/{triage.Id}", link.GetAttribute("href"));
        Assert.Contains("An LLM router sends each message", cut.Find("[data-testid=chatbots-table]").TextContent);
        Assert.Equal(2, cut.FindAll("[data-testid=chatbot-archive]").Count);
    }

    [Fact]
    public async Task ChatbotsList_Viewer_SeesRowsWithoutCreateCopyOrArchive()
    {
        var bots = _core.Get<ChatbotService>();
        await bots.CreateAsync(_owner, "Triage", ChatbotTemplates.Blank, default);
        var viewerId = (await _core.CreateUserAsync()).Id;
        await using (var db = await _core.Get<IDbContextFactory<AppDbContext>>().CreateForTeamAsync(_owner.TeamId, default))
        {
            db.TeamMemberships.Add(new TeamMembership(_owner.TeamId, viewerId, TeamRole.Viewer));
            await db.SaveChangesAsync();
        }

        var cut = RenderAs(viewerId);

        cut.WaitForAssertion(() => Assert.Single(cut.FindAll("[data-testid=chatbot-row]")));
        Assert.Empty(cut.FindAll("[data-testid=create-chatbot]"));
        Assert.Empty(cut.FindAll("[data-testid=chatbot-copy]"));
        Assert.Empty(cut.FindAll("[data-testid=chatbot-archive]"));
        Assert.Single(cut.FindAll("[data-testid=chatbot-settings]"));
    }
}
