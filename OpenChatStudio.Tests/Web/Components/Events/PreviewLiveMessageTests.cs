using System.Security.Claims;
using Bunit;
using Microsoft.AspNetCore.Components;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.DependencyInjection;
using OpenChatStudio.Core.Chat;
using OpenChatStudio.Core.Chatbots;
using OpenChatStudio.Core.Data;
using OpenChatStudio.Core.Events;
using OpenChatStudio.Core.Teams;
using OpenChatStudio.Tests.TestSupport;
using OpenChatStudio.Web.Components.Chatbots.Preview;

namespace OpenChatStudio.Tests.Web.Components.Events;

/// <summary>A message the bot sends on its own (scheduled, event) appears live in an open preview of that session.</summary>
public class PreviewLiveMessageTests : BunitTestContext
{
    private readonly CoreHost _core = new();
    private TeamAccess _access = default!;

    public override async Task InitializeAsync()
    {
        await _core.InitializeAsync();
        var user = await _core.CreateUserAsync();
        var teams = _core.Get<TeamService>();
        var team = (await teams.CreateTeamAsync(user.Id, "Live", CancellationToken.None)).Value!;
        _access = (await teams.GetAccessAsync(user.Id, team.Slug, CancellationToken.None))!;
        Ctx.Services.AddSingleton(_core.Get<ChatRuntime>());
        Ctx.Services.AddSingleton(_core.Get<OpenChatStudio.Core.Versions.VersionService>());
        Ctx.Services.AddSingleton(_core.Get<SessionPlaygroundService>());
        Ctx.Services.AddSingleton(_core.Get<LiveMessageNotifier>());
        Ctx.AddAuthorization().SetAuthorized("tester").SetClaims(new Claim(ClaimTypes.NameIdentifier, user.Id.ToString()));
        Ctx.SetRendererInfo(new RendererInfo("Server", isInteractive: true));
    }

    public override async Task DisposeAsync()
    {
        await base.DisposeAsync();
        await _core.DisposeAsync();
    }

    [Fact]
    public async Task ABotInitiatedMessage_ShowsUpInTheOpenPreview_AndOtherSessionsDoNot()
    {
        var bot = (await _core.Get<ChatbotService>().CreateAsync(_access, "Live bot", ChatbotTemplates.SimpleAssistant, default)).Value!;
        var cut = Ctx.Render<ChatPreview>(p => p.Add(x => x.Access, _access).Add(x => x.ChatbotId, bot.Id));
        Guid? session = null;
        for (var i = 0; i < 200 && session is null; i++)
        {
            await using var db = await _core.Get<IDbContextFactory<AppDbContext>>().CreateForTeamAsync(_access.TeamId, default);
            session = await db.ChatSessions.Where(s => s.ChatbotId == bot.Id).Select(s => (Guid?)s.Id).FirstOrDefaultAsync();
            if (session is null)
            {
                await Task.Delay(50);
            }
        }
        Assert.NotNull(session);
        cut.WaitForAssertion(() => Assert.False(cut.Find("[data-testid=preview-input] textarea, textarea[data-testid=preview-input]").HasAttribute("disabled")));

        // The real path: the runtime composes and stores the message, then the notifier tells open views.
        var turn = await _core.Get<ChatRuntime>().SendBotMessageAsync(_access.TeamId, session.Value, "Remind them to drink water", "schedule", default);
        Assert.NotNull(turn.Reply);
        await _core.Get<LiveMessageNotifier>().PublishAsync(new LiveMessage(session.Value, turn.Reply!.MessageId, turn.Reply.Content, "schedule"));
        await _core.Get<LiveMessageNotifier>().PublishAsync(new LiveMessage(Guid.NewGuid(), Guid.NewGuid(), "for another session", "schedule"));

        cut.WaitForAssertion(() => Assert.Contains(cut.FindAll("[data-testid=msg-bot]"), m => m.TextContent.Contains(turn.Reply.Content, StringComparison.Ordinal)));
        Assert.DoesNotContain("for another session", cut.Markup);
        var stored = await _core.Get<ChatRuntime>().GetTranscriptAsync(_access.TeamId, session.Value, default);
        Assert.Equal(MessageRole.Ai, stored[^1].Role);
    }
}
