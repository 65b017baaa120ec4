using System.Security.Claims;
using Bunit;
using Microsoft.AspNetCore.Components;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.DependencyInjection;
using OpenChatStudio.Core.Chatbots;
using OpenChatStudio.Core.Data;
using OpenChatStudio.Core.Pipelines.Registry;
using OpenChatStudio.Core.Providers;
using OpenChatStudio.Core.Teams;
using OpenChatStudio.Core.Versions;
using OpenChatStudio.Tests.TestSupport;
using OpenChatStudio.Web.Components.Teams;

namespace OpenChatStudio.Tests.Web.Components.Pipelines;

/// <summary>
/// A save that fails for another reason than a concurrent edit (here: the database is unreachable) is not shown as a
/// conflict: the designer says the changes were not saved, keeps them (still "Unsaved changes") and offers Retry.
/// </summary>
public class DesignerSaveFailureTests : BunitTestContext
{
    private readonly CoreHost _core = new();
    private readonly SwitchableFactory _factory = new();
    private TeamAccess _access = default!;

    public override async Task InitializeAsync()
    {
        await _core.InitializeAsync();
        _factory.Inner = _core.Get<IDbContextFactory<AppDbContext>>();
        var user = await _core.CreateUserAsync();
        var teams = _core.Get<TeamService>();
        var team = (await teams.CreateTeamAsync(user.Id, "Designers", CancellationToken.None)).Value!;
        _access = (await teams.GetAccessAsync(user.Id, team.Slug, CancellationToken.None))!;
        Ctx.Services.AddLogging();
        Ctx.Services.AddSingleton(teams);
        Ctx.Services.AddSingleton(new ChatbotService(_factory)); // the page's saves go through a database we can cut off
        Ctx.Services.AddSingleton(_core.Get<ProviderService>());
        Ctx.Services.AddSingleton(_core.Get<ResourceService>());
        Ctx.Services.AddSingleton(_core.Get<NodeRegistry>());
        Ctx.Services.AddSingleton(_core.Get<VersionService>());
        Ctx.AddAuthorization().SetAuthorized("designer").SetClaims(new Claim(ClaimTypes.NameIdentifier, user.Id.ToString()));
        // A server renderer without the canvas (it renders only once interactive, and needs the browser): the diagram
        // model behind it is still there. ("Static" would be prerendering, where the designer loads nothing.)
        Ctx.SetRendererInfo(new RendererInfo("Server", isInteractive: false));
    }

    public override async Task DisposeAsync()
    {
        await base.DisposeAsync();
        await _core.DisposeAsync();
    }

    [Fact]
    public async Task Save_DatabaseUnavailable_ShowsRetryNotConflict_KeepsEditsUnsaved_RetrySavesThem()
    {
        var bot = (await _core.Get<ChatbotService>().CreateAsync(_access, "Flaky", ChatbotTemplates.Blank, default)).Value!;
        var cut = Ctx.Render<ChatbotDesigner>(p => p.Add(x => x.TeamSlug, _access.Slug).Add(x => x.ChatbotId, bot.Id));
        cut.WaitForAssertion(() => Assert.Equal("Saved", cut.Find("[data-testid=save-state]").TextContent.Trim()));

        _factory.Down = true;
        await cut.InvokeAsync(() => cut.Find("[data-testid=palette-Passthrough]").Click());
        cut.WaitForAssertion(() => Assert.Equal("Unsaved changes", cut.Find("[data-testid=save-state]").TextContent.Trim()));
        await cut.InvokeAsync(() => cut.Find("[data-testid=save]").Click());

        cut.WaitForAssertion(() => Assert.Contains("could not be saved", cut.Find("[data-testid=save-failure]").TextContent));
        Assert.Empty(cut.FindAll("[data-testid=save-error]")); // not the "someone else saved" conflict
        Assert.Empty(cut.FindAll("[data-testid=reload]"));
        Assert.Equal("Unsaved changes", cut.Find("[data-testid=save-state]").TextContent.Trim());
        Assert.False(cut.Find("[data-testid=save]").HasAttribute("disabled")); // saving is not blocked as after a conflict

        _factory.Down = false;
        await cut.InvokeAsync(() => cut.Find("[data-testid=retry-save]").Click());

        cut.WaitForAssertion(() => Assert.Equal("Saved", cut.Find("[data-testid=save-state]").TextContent.Trim()));
        Assert.Empty(cut.FindAll("[data-testid=save-failure]"));
        var stored = (await _core.Get<ChatbotService>().GetAsync(_access, bot.Id, default))!;
        Assert.Contains(stored.Pipeline.Nodes, n => n.Type == "Passthrough");
    }

    [Fact]
    public async Task Save_RefusedWhileRevisionUnchanged_IsAFailureWithRetry_NotAConflict()
    {
        var bot = (await _core.Get<ChatbotService>().CreateAsync(_access, "Gone", ChatbotTemplates.Blank, default)).Value!;
        var cut = Ctx.Render<ChatbotDesigner>(p => p.Add(x => x.TeamSlug, _access.Slug).Add(x => x.ChatbotId, bot.Id));
        cut.WaitForAssertion(() => Assert.Equal("Saved", cut.Find("[data-testid=save-state]").TextContent.Trim()));

        // The chatbot disappears (another admin deleted it): the service refuses the save, but nobody saved a newer revision.
        await using (var db = await _core.Get<IDbContextFactory<AppDbContext>>().CreateForTeamAsync(_access.TeamId, default))
        {
            await db.Chatbots.Where(c => c.Id == bot.Id).ExecuteDeleteAsync();
        }
        await cut.InvokeAsync(() => cut.Find("[data-testid=palette-Passthrough]").Click());
        cut.WaitForAssertion(() => Assert.Equal("Unsaved changes", cut.Find("[data-testid=save-state]").TextContent.Trim()));
        await cut.InvokeAsync(() => cut.Find("[data-testid=save]").Click());

        cut.WaitForAssertion(() => Assert.Contains("does not exist", cut.Find("[data-testid=save-failure]").TextContent));
        Assert.Empty(cut.FindAll("[data-testid=save-error]"));
        Assert.Equal("Unsaved changes", cut.Find("[data-testid=save-state]").TextContent.Trim());
    }

    /// <summary>The real factory, or an error as from an unreachable database server.</summary>
    private sealed class SwitchableFactory : IDbContextFactory<AppDbContext>
    {
        public IDbContextFactory<AppDbContext> Inner { get; set; } = default!;

        public bool Down { get; set; }

        public AppDbContext CreateDbContext() =>
            Down ? throw new InvalidOperationException("An exception has been raised that is likely due to a transient failure (test: database down).") : Inner.CreateDbContext();
    }
}
