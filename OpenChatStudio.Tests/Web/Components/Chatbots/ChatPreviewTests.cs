using System.Security.Claims;
using Bunit;
using Microsoft.AspNetCore.Components;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.DependencyInjection;
using OpenChatStudio.Core.Chat;
using OpenChatStudio.Core.Chatbots;
using OpenChatStudio.Core.Data;
using OpenChatStudio.Core.Teams;
using OpenChatStudio.Tests.TestSupport;
using OpenChatStudio.Tests.TestSupport.Pipelines;
using OpenChatStudio.Web.Components.Chatbots.Preview;

namespace OpenChatStudio.Tests.Web.Components.Chatbots;

/// <summary>The preview over the real runtime, database and built-in offline model.</summary>
public class ChatPreviewTests : BunitTestContext
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
        Ctx.Services.AddSingleton(_core.Get<OpenChatStudio.Core.Versions.VersionService>());
        Ctx.AddAuthorization().SetAuthorized("tester").SetClaims(new Claim(ClaimTypes.NameIdentifier, user.Id.ToString()));
        Ctx.SetRendererInfo(new RendererInfo("Server", isInteractive: true));
    }

    public override async Task DisposeAsync()
    {
        await base.DisposeAsync();
        await _core.DisposeAsync();
    }

    private async Task<Guid> CreateBotAsync(string template, string? seed = null)
    {
        var bot = (await _core.Get<ChatbotService>().CreateAsync(_access, "Preview bot", template, default)).Value!;
        if (seed is not null)
        {
            await _core.Get<ChatbotService>().UpdateSettingsAsync(_access, bot.Id, new ChatbotSettings(bot.Name, "", seed, [], false, null), default);
        }
        return bot.Id;
    }

    [Fact]
    public async Task Preview_SendMessage_ShowsOfflineReply_AndTraceWithNodes()
    {
        var botId = await CreateBotAsync(ChatbotTemplates.SimpleAssistant);
        var selected = new List<string>();
        var cut = Ctx.Render<ChatPreview>(p => p.Add(x => x.Access, _access).Add(x => x.ChatbotId, botId)
            .Add(x => x.OnNodeSelected, (string id) => selected.Add(id)));
        cut.WaitForAssertion(() => Assert.False(cut.Find("[data-testid=preview-input] textarea, textarea[data-testid=preview-input]").HasAttribute("disabled")));

        cut.Find("[data-testid=preview-input] textarea, textarea[data-testid=preview-input]").Input("Hello there");
        await cut.InvokeAsync(() => cut.Find("[data-testid=preview-send]").Click());

        cut.WaitForAssertion(() => Assert.Contains("Offline model: you said", cut.Find("[data-testid=msg-bot]").TextContent), TimeSpan.FromSeconds(10));
        Assert.Equal("Hello there", cut.Find("[data-testid=msg-human]").TextContent.Trim());
        await cut.InvokeAsync(() => cut.Find("[data-testid=toggle-trace]").Click());
        var nodes = cut.FindAll("[data-testid=trace-node]").Select(n => n.TextContent.Trim()).ToList();
        Assert.Equal(["start", "assistant", "end"], nodes);
        await cut.InvokeAsync(() => cut.FindAll("[data-testid=trace-node]")[1].Click());
        Assert.Equal(["assistant"], selected);
    }

    [Fact]
    public async Task Preview_SeedMessage_ReplyIsShownFirst()
    {
        var botId = await CreateBotAsync(ChatbotTemplates.Blank, seed: "Welcome me");
        var cut = Ctx.Render<ChatPreview>(p => p.Add(x => x.Access, _access).Add(x => x.ChatbotId, botId));
        cut.WaitForAssertion(() => Assert.True(cut.FindAll("[data-testid=msg-bot]").Count == 1, cut.Markup), TimeSpan.FromSeconds(10));
        Assert.Equal("Welcome me", cut.Find("[data-testid=msg-bot] .ocs-msg-text").TextContent.Trim());
        Assert.Empty(cut.FindAll("[data-testid=msg-human]"));
    }

    [Fact]
    public async Task Preview_InvalidPipeline_ShowsReasonAndRetry()
    {
        var botId = await CreateBotAsync(ChatbotTemplates.Blank);
        await using (var db = await _core.Get<IDbContextFactory<AppDbContext>>().CreateForTeamAsync(_access.TeamId, default))
        {
            var bot = await db.Chatbots.SingleAsync(c => c.Id == botId);
            bot.SetPipeline(PipelineGraphBuilder.WithStartAndEnd().Build());
            await db.SaveChangesAsync();
        }
        var cut = Ctx.Render<ChatPreview>(p => p.Add(x => x.Access, _access).Add(x => x.ChatbotId, botId));
        cut.WaitForAssertion(() => Assert.False(cut.Find("[data-testid=preview-input] textarea, textarea[data-testid=preview-input]").HasAttribute("disabled")));

        cut.Find("[data-testid=preview-input] textarea, textarea[data-testid=preview-input]").Input("hi");
        await cut.InvokeAsync(() => cut.Find("[data-testid=preview-send]").Click());

        cut.WaitForAssertion(() => Assert.Contains("cannot be reached from the Start", cut.Find("[data-testid=msg-error]").TextContent), TimeSpan.FromSeconds(10));
        Assert.NotNull(cut.Find("[data-testid=preview-retry]"));
    }
}
