using System.Security.Claims;
using Bunit;
using Microsoft.AspNetCore.Components.Web;
using Microsoft.Extensions.DependencyInjection;
using OpenChatStudio.Core.Chatbots;
using OpenChatStudio.Core.Teams;
using OpenChatStudio.Tests.TestSupport;
using SettingsPage = OpenChatStudio.Web.Components.Teams.ChatbotSettings;

namespace OpenChatStudio.Tests.Web.Components;

/// <summary>The chatbot settings page over the real services: loading, saving, and never showing another team's chatbot.</summary>
public class ChatbotSettingsPageTests : BunitTestContext
{
    private readonly CoreHost _core = new();
    private TeamAccess _team = default!;
    private TeamAccess _otherTeam = default!;

    public override async Task InitializeAsync()
    {
        await _core.InitializeAsync();
        var userId = (await _core.CreateUserAsync()).Id;
        var teams = _core.Get<TeamService>();
        var team = (await teams.CreateTeamAsync(userId, "Clinic", CancellationToken.None)).Value!;
        var other = (await teams.CreateTeamAsync(userId, "Elsewhere", CancellationToken.None)).Value!;
        _team = (await teams.GetAccessAsync(userId, team.Slug, CancellationToken.None))!;
        _otherTeam = (await teams.GetAccessAsync(userId, other.Slug, CancellationToken.None))!;
        Ctx.Services.AddSingleton(teams);
        Ctx.Services.AddSingleton(_core.Get<ChatbotService>());
        Ctx.Services.AddSingleton(_core.Get<ResourceService>());
        Ctx.Services.AddSingleton(_core.Get<OpenChatStudio.Core.Versions.VersionService>());
        Ctx.AddAuthorization().SetAuthorized("tester").SetClaims(new Claim(ClaimTypes.NameIdentifier, userId.ToString()));
    }

    public override async Task DisposeAsync()
    {
        await base.DisposeAsync();
        await _core.DisposeAsync();
    }

    private IRenderedComponent<SettingsPage> Render(Guid chatbotId) =>
        Ctx.Render<SettingsPage>(p => p.Add(x => x.TeamSlug, _team.Slug).Add(x => x.ChatbotId, chatbotId));

    [Fact]
    public void ChatbotSettings_UnknownId_ShowsNotFound()
    {
        var cut = Render(Guid.NewGuid());

        cut.WaitForAssertion(() => Assert.Contains("Chatbot not found", cut.Find("[data-testid=chatbot-not-found]").TextContent));
        Assert.Empty(cut.FindAll("[data-testid=chatbot-settings-form]"));
    }

    [Fact]
    public async Task ChatbotSettings_OtherTeamsChatbotId_ShowsNotFoundAndNoneOfItsData()
    {
        var foreign = (await _core.Get<ChatbotService>().CreateAsync(_otherTeam, "Secret project bot", ChatbotTemplates.Blank, default)).Value!;

        var cut = Render(foreign.Id);

        cut.WaitForAssertion(() => Assert.NotNull(cut.Find("[data-testid=chatbot-not-found]")));
        Assert.DoesNotContain("Secret project bot", cut.Markup);
    }

    [Fact]
    public async Task ChatbotSettings_SaveWithPastedAllowlist_StoresUniqueIdentifiers()
    {
        var bots = _core.Get<ChatbotService>();
        var bot = (await bots.CreateAsync(_team, "Gated", ChatbotTemplates.Blank, default)).Value!;
        var cut = Render(bot.Id);
        cut.WaitForAssertion(() => Assert.Contains("No allowlist", cut.Find("[data-testid=allowlist-count]").TextContent));

        cut.Find("textarea[data-testid=settings-allowlist], [data-testid=settings-allowlist] textarea").Input("a@x.org\nb@x.org, A@x.org");
        cut.WaitForAssertion(() => Assert.Equal("2 unique identifiers allowed.", cut.Find("[data-testid=allowlist-count]").TextContent));
        await cut.Find("[data-testid=save-settings]").ClickAsync(new MouseEventArgs());

        Assert.Empty(cut.FindAll("[data-testid=settings-error]"));
        Assert.Equal(["a@x.org", "b@x.org"], (await bots.GetAsync(_team, bot.Id, default))!.ParticipantAllowlist);
    }

    [Fact]
    public async Task ChatbotSettings_BlankName_ShowsServiceError()
    {
        var bot = (await _core.Get<ChatbotService>().CreateAsync(_team, "Named", ChatbotTemplates.Blank, default)).Value!;
        var cut = Render(bot.Id);
        cut.WaitForAssertion(() => Assert.NotNull(cut.Find("[data-testid=save-settings]")));

        cut.Find("input[data-testid=settings-name], [data-testid=settings-name] input").Change(" ");
        await cut.Find("[data-testid=save-settings]").ClickAsync(new MouseEventArgs());

        cut.WaitForAssertion(() => Assert.Equal("Give the chatbot a name.", cut.Find("[data-testid=settings-error]").TextContent.Trim()));
        Assert.Equal("Named", (await _core.Get<ChatbotService>().GetAsync(_team, bot.Id, default))!.Name);
    }
}
