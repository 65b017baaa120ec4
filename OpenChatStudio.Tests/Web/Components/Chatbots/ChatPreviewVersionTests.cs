using System.Security.Claims;
using Bunit;
using Microsoft.AspNetCore.Components;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.DependencyInjection;
using MudBlazor;
using OpenChatStudio.Core.Chat;
using OpenChatStudio.Core.Chatbots;
using OpenChatStudio.Core.Data;
using OpenChatStudio.Core.Pipelines.Graph;
using OpenChatStudio.Core.Teams;
using OpenChatStudio.Core.Versions;
using OpenChatStudio.Tests.TestSupport;
using OpenChatStudio.Tests.TestSupport.Pipelines;
using OpenChatStudio.Web.Components.Chatbots.Preview;

namespace OpenChatStudio.Tests.Web.Components.Chatbots;

/// <summary>The preview's banner and version selector: working version by default, any saved version on demand.</summary>
public class ChatPreviewVersionTests : BunitTestContext
{
    private readonly CoreHost _core = new();
    private TeamAccess _access = default!;

    public override async Task InitializeAsync()
    {
        await _core.InitializeAsync();
        var user = await _core.CreateUserAsync();
        var teams = _core.Get<TeamService>();
        var team = (await teams.CreateTeamAsync(user.Id, "Preview", CancellationToken.None)).Value!;
        _access = (await teams.GetAccessAsync(user.Id, team.Slug, CancellationToken.None))!;
        Ctx.Services.AddSingleton(_core.Get<ChatRuntime>());
        Ctx.Services.AddSingleton(_core.Get<SessionPlaygroundService>());
        Ctx.Services.AddSingleton(_core.Get<VersionService>());
        Ctx.AddAuthorization().SetAuthorized("tester").SetClaims(new Claim(ClaimTypes.NameIdentifier, user.Id.ToString()));
        Ctx.SetRendererInfo(new RendererInfo("Server", isInteractive: true));
    }

    public override async Task DisposeAsync()
    {
        await base.DisposeAsync();
        await _core.DisposeAsync();
    }

    private static PipelineGraph Says(string text) => PipelineGraphBuilder.WithStartAndEnd()
        .Node("t", "RenderTemplate", new { template_string = text }).Connect("start -> t", "t -> end").Build();

    private async Task<Guid> BotWithV1SayingOneAndWorkingSayingTwoAsync()
    {
        var bots = _core.Get<ChatbotService>();
        var bot = (await bots.CreateAsync(_access, "Versioned", ChatbotTemplates.Blank, default)).Value!;
        var rev = (await bots.SavePipelineAsync(_access, bot.Id, Says("one"), new Dictionary<string, NodePosition>(), bot.EditRevision, default)).Value;
        await _core.Get<VersionService>().CreateAsync(_access, bot.Id, "v1", false, "Ed", default);
        await bots.SavePipelineAsync(_access, bot.Id, Says("two"), new Dictionary<string, NodePosition>(), rev, default);
        return bot.Id;
    }

    private static async Task SendAsync(IRenderedComponent<ChatPreview> cut, string text)
    {
        cut.WaitForAssertion(() => Assert.False(cut.Find("[data-testid=preview-input] textarea, textarea[data-testid=preview-input]").HasAttribute("disabled")));
        cut.Find("[data-testid=preview-input] textarea, textarea[data-testid=preview-input]").Input(text);
        await cut.InvokeAsync(() => cut.Find("[data-testid=preview-send]").Click());
    }

    [Fact]
    public async Task Preview_ShowsWorkingBanner_ThenChatsWithAPickedVersion_InANewSessionPinnedToIt()
    {
        var botId = await BotWithV1SayingOneAndWorkingSayingTwoAsync();
        var cut = Ctx.Render<ChatPreview>(p => p.Add(x => x.Access, _access).Add(x => x.ChatbotId, botId));

        cut.WaitForAssertion(() => Assert.Contains("Working version (unreleased)", cut.Find("[data-testid=preview-banner]").TextContent));
        await SendAsync(cut, "hi");
        cut.WaitForAssertion(() => Assert.Equal("two", cut.Find("[data-testid=msg-bot] .ocs-msg-text").TextContent.Trim()));

        var select = cut.FindComponent<MudSelect<string>>();
        await cut.InvokeAsync(() => select.Instance.ValueChanged.InvokeAsync("1"));

        cut.WaitForAssertion(() => Assert.Contains("Version 1", cut.Find("[data-testid=preview-banner]").TextContent));
        Assert.Empty(cut.FindAll("[data-testid=msg-bot]"));
        await SendAsync(cut, "hi again");
        cut.WaitForAssertion(() => Assert.Equal("one", cut.Find("[data-testid=msg-bot] .ocs-msg-text").TextContent.Trim()));

        await using var db = await _core.Get<IDbContextFactory<AppDbContext>>().CreateForTeamAsync(_access.TeamId, default);
        var sessions = await db.ChatSessions.Where(s => s.ChatbotId == botId).OrderBy(s => s.CreatedAt).ToListAsync();
        Assert.Equal([VersionSelection.Working, VersionSelection.Specific], sessions.Select(s => s.VersionSelection));
        Assert.Equal(1, sessions[1].PinnedVersionNumber);
        var versionsOfReplies = await db.ChatMessages.Where(m => m.Role == MessageRole.Ai && m.SessionId == sessions[1].Id).Select(m => m.VersionNumber).ToListAsync();
        Assert.Equal([1], versionsOfReplies);
    }
}
