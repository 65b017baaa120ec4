using System.Security.Claims;
using Bunit;
using Microsoft.AspNetCore.Components;
using Microsoft.AspNetCore.Components.Web;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.DependencyInjection;
using OpenChatStudio.Core.Chatbots;
using OpenChatStudio.Core.Data;
using OpenChatStudio.Core.Events;
using OpenChatStudio.Core.Teams;
using OpenChatStudio.Tests.TestSupport;
using EventsPage = OpenChatStudio.Web.Components.Events.ChatbotEvents;

namespace OpenChatStudio.Tests.Web.Components.Events;

/// <summary>The chatbot Events page over the real services and database: add, validate, toggle, delete, and the log.</summary>
public class ChatbotEventsPageTests : BunitTestContext
{
    private readonly CoreHost _core = new();
    private TeamAccess _team = default!;
    private TeamAccess _otherTeam = default!;
    private Guid _bot;

    public override async Task InitializeAsync()
    {
        await _core.InitializeAsync();
        var userId = (await _core.CreateUserAsync()).Id;
        var teams = _core.Get<TeamService>();
        var team = (await teams.CreateTeamAsync(userId, "Clinic", CancellationToken.None)).Value!;
        var other = (await teams.CreateTeamAsync(userId, "Elsewhere", CancellationToken.None)).Value!;
        _team = (await teams.GetAccessAsync(userId, team.Slug, CancellationToken.None))!;
        _otherTeam = (await teams.GetAccessAsync(userId, other.Slug, CancellationToken.None))!;
        _bot = (await _core.Get<ChatbotService>().CreateAsync(_team, "Coach", ChatbotTemplates.Blank, default)).Value!.Id;
        Ctx.Services.AddSingleton(teams);
        Ctx.Services.AddSingleton(_core.Get<ChatbotService>());
        Ctx.Services.AddSingleton(_core.Get<TriggerService>());
        Ctx.AddAuthorization().SetAuthorized("tester").SetClaims(new Claim(ClaimTypes.NameIdentifier, userId.ToString()));
    }

    public override async Task DisposeAsync()
    {
        await base.DisposeAsync();
        await _core.DisposeAsync();
    }

    private IRenderedComponent<EventsPage> Render(Guid chatbotId) =>
        Ctx.Render<EventsPage>(p => p.Add(x => x.TeamSlug, _team.Slug).Add(x => x.ChatbotId, chatbotId));

    [Fact]
    public async Task AddTimeout_SavesTheTriggerWithItsAction_AndListsIt()
    {
        var cut = Render(_bot);
        cut.WaitForAssertion(() => cut.Find("[data-testid=no-triggers]"));

        await cut.Find("[data-testid=add-timeout]").ClickAsync(new MouseEventArgs());
        cut.Find("input[data-testid=form-delay], [data-testid=form-delay] input").Change("45");
        cut.Find("input[data-testid=form-times], [data-testid=form-times] input").Change("2");
        cut.Find("textarea[data-testid=form-prompt], [data-testid=form-prompt] textarea").Change("Ask whether they are still there");
        await cut.Find("[data-testid=save-trigger]").ClickAsync(new MouseEventArgs());

        cut.WaitForAssertion(() => Assert.Single(cut.FindAll("[data-testid=trigger-row]")));
        Assert.Contains("After 45 s without a reply, up to 2 time(s)", cut.Find("[data-testid=trigger-row]").TextContent);
        Assert.Empty(cut.FindAll("[data-testid=trigger-form]"));
        var saved = (await _core.Get<TriggerService>().ListAsync(_team.TeamId, _bot, default))!.Single();
        Assert.Equal((TriggerKind.Timeout, 45, 2, EventActionType.SendMessage, "Ask whether they are still there"),
            (saved.Kind, saved.DelaySeconds, saved.TotalFires, saved.Action.Type, saved.Action.Prompt));
    }

    [Fact]
    public async Task AddTimeout_WithoutAPrompt_IsRefused_AndNothingIsSaved()
    {
        var cut = Render(_bot);
        cut.WaitForAssertion(() => cut.Find("[data-testid=add-timeout]"));

        await cut.Find("[data-testid=add-timeout]").ClickAsync(new MouseEventArgs());
        await cut.Find("[data-testid=save-trigger]").ClickAsync(new MouseEventArgs());

        cut.WaitForAssertion(() => Assert.NotNull(cut.Find("[data-testid=form-error]")));
        Assert.Empty((await _core.Get<TriggerService>().ListAsync(_team.TeamId, _bot, default))!);
    }

    [Fact]
    public async Task ToggleAndDelete_ChangeTheStoredTriggers()
    {
        var trigger = (await _core.Get<TriggerService>().SaveAsync(_team, _bot,
            new EventTrigger { Kind = TriggerKind.Static, StaticType = StaticTriggerType.ConversationStart, Action = new EventAction { Type = EventActionType.Log } }, default))!.Value!;
        var cut = Render(_bot);
        cut.WaitForAssertion(() => Assert.Single(cut.FindAll("[data-testid=trigger-row]")));

        await cut.Find("input[data-testid=trigger-active], [data-testid=trigger-active] input").ChangeAsync(new ChangeEventArgs { Value = false });
        for (var i = 0; i < 200 && (await _core.Get<TriggerService>().ListAsync(_team.TeamId, _bot, default))!.Single().IsActive; i++)
        {
            await Task.Delay(50);
        }
        Assert.False((await _core.Get<TriggerService>().ListAsync(_team.TeamId, _bot, default))!.Single().IsActive);

        await cut.Find("[data-testid=trigger-delete]").ClickAsync(new MouseEventArgs());
        cut.WaitForAssertion(() => Assert.Empty(cut.FindAll("[data-testid=trigger-row]")));
        Assert.Empty((await _core.Get<TriggerService>().ListAsync(_team.TeamId, _bot, default))!);
        _ = trigger;
    }

    [Fact]
    public async Task EventLog_ShowsFirings_AndFiltersFailures()
    {
        var trigger = new EventTrigger { Kind = TriggerKind.Static, StaticType = StaticTriggerType.NewHumanMessage, Action = new EventAction { Type = EventActionType.Log } };
        await using (var db = await _core.Get<IDbContextFactory<AppDbContext>>().CreateForTeamAsync(_team.TeamId, default))
        {
            db.EventLogs.Add(new EventLog(_team.TeamId, _bot, Guid.NewGuid(), trigger, EventLogStatus.Success, "Logged.", DateTime.UtcNow.AddMinutes(-1)));
            db.EventLogs.Add(new EventLog(_team.TeamId, _bot, Guid.NewGuid(), trigger, EventLogStatus.Failure, "The provider refused the key", DateTime.UtcNow));
            await db.SaveChangesAsync();
        }
        var cut = Render(_bot);
        cut.WaitForAssertion(() => Assert.Equal(2, cut.FindAll("[data-testid=log-row]").Count));
        Assert.Contains("The provider refused the key", cut.Find("[data-testid=event-log]").TextContent);

        await cut.Find("input[data-testid=failures-only], [data-testid=failures-only] input").ChangeAsync(new ChangeEventArgs { Value = true });

        cut.WaitForAssertion(() => Assert.Single(cut.FindAll("[data-testid=log-row]")));
        Assert.Contains("Failure", cut.Find("[data-testid=log-row]").TextContent);
    }

    [Fact]
    public async Task OtherTeamsChatbot_ShowsNotFound_AndNoneOfItsTriggers()
    {
        var foreign = (await _core.Get<ChatbotService>().CreateAsync(_otherTeam, "Secret bot", ChatbotTemplates.Blank, default)).Value!;
        await _core.Get<TriggerService>().SaveAsync(_otherTeam, foreign.Id,
            new EventTrigger { Kind = TriggerKind.Static, StaticType = StaticTriggerType.ConversationStart, Action = new EventAction { Type = EventActionType.SendMessage, Prompt = "secret prompt" } }, default);

        var cut = Render(foreign.Id);

        cut.WaitForAssertion(() => Assert.NotNull(cut.Find("[data-testid=chatbot-not-found]")));
        Assert.DoesNotContain("secret prompt", cut.Markup);
    }
}
