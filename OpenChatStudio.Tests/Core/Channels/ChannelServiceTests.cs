using OpenChatStudio.Core.Channels;
using OpenChatStudio.Core.Chatbots;
using OpenChatStudio.Core.Teams;
using OpenChatStudio.Tests.TestSupport;

namespace OpenChatStudio.Tests.Core.Channels;

/// <summary>Channels over a real database: permissions, validation, keys, one hosted page/API channel per chatbot, team isolation.</summary>
public class ChannelServiceTests : IAsyncLifetime
{
    private readonly CoreHost _host = new();
    private TeamAccess _admin = default!;
    private TeamAccess _otherTeam = default!;
    private Guid _bot;

    public async Task InitializeAsync()
    {
        await _host.InitializeAsync();
        var teams = _host.Get<TeamService>();
        var owner = await _host.CreateUserAsync();
        var team = (await teams.CreateTeamAsync(owner.Id, "Channels", default)).Value!;
        _admin = (await teams.GetAccessAsync(owner.Id, team.Slug, default))!;
        var stranger = await _host.CreateUserAsync();
        var other = (await teams.CreateTeamAsync(stranger.Id, "Other", default)).Value!;
        _otherTeam = (await teams.GetAccessAsync(stranger.Id, other.Slug, default))!;
        _bot = (await _host.Get<ChatbotService>().CreateAsync(_admin, "Bot", ChatbotTemplates.SimpleAssistant, default)).Value!.Id;
    }

    public Task DisposeAsync() => _host.DisposeAsync();

    private ChannelService Channels => _host.Get<ChannelService>();

    [Fact]
    public async Task HostedPage_ListsTheSitesThatMayEmbedIt_ByPublicId_AndValidatesThem()
    {
        var publicId = (await _host.Get<ChatbotService>().GetAsync(_admin, _bot, default))!.PublicId;
        Assert.Empty(await Channels.FindEmbeddingSitesAsync(publicId, default));   // no channel: no other site

        var page = (await Channels.CreateAsync(_admin, _bot, ChannelKind.HostedPage, null, ["Partner.example.org"], default)).Value!;
        Assert.Equal(["partner.example.org"], await Channels.FindEmbeddingSitesAsync(publicId, default));

        var bad = await Channels.UpdateAsync(_admin, page.Id, new ChannelUpdate(page.Name, true, null, ["https://x.org/page"]), default);
        Assert.False(bad.Succeeded);
        await Channels.UpdateAsync(_admin, page.Id, new ChannelUpdate(page.Name, true, null, ["*.example.org", "127.0.0.1"]), default);
        Assert.Equal(["*.example.org", "127.0.0.1"], await Channels.FindEmbeddingSitesAsync(publicId, default));
        Assert.Empty(await Channels.FindEmbeddingSitesAsync(Guid.NewGuid(), default));
    }

    [Fact]
    public async Task Widget_GetsKey_DomainsAreNormalised_AndRegenerateReplacesKey()
    {
        var created = await Channels.CreateAsync(_admin, _bot, ChannelKind.Widget, null, ["Example.com", "*.example.com"], default);

        Assert.True(created.Succeeded, created.Error);
        var widget = created.Value!;
        Assert.Equal("Chat widget", widget.Name);
        Assert.False(string.IsNullOrEmpty(widget.EmbedKey));
        Assert.Equal(["example.com", "*.example.com"], widget.AllowedDomains);
        Assert.Equal(widget.Id, (await Channels.FindWidgetByKeyAsync(_admin.TeamId, _bot, widget.EmbedKey!, default))?.Id);

        var regenerated = (await Channels.RegenerateKeyAsync(_admin, widget.Id, default)).Value!;
        Assert.NotEqual(widget.EmbedKey, regenerated.EmbedKey);
        Assert.Null(await Channels.FindWidgetByKeyAsync(_admin.TeamId, _bot, widget.EmbedKey!, default));
    }

    [Fact]
    public async Task Update_ValidatesDomainsAndTexts()
    {
        var widget = (await Channels.CreateAsync(_admin, _bot, ChannelKind.Widget, "W", [], default)).Value!;

        var bad = await Channels.UpdateAsync(_admin, widget.Id, new ChannelUpdate("W", true, null, ["https://example.com"]), default);
        Assert.False(bad.Succeeded);
        Assert.Contains("no https://", bad.Error);
        Assert.False((await Channels.UpdateAsync(_admin, widget.Id, new ChannelUpdate(" ", true, null, null), default)).Succeeded);
        Assert.False((await Channels.UpdateAsync(_admin, widget.Id, new ChannelUpdate("W", false, new string('x', 501), null), default)).Succeeded);

        var ok = await Channels.UpdateAsync(_admin, widget.Id, new ChannelUpdate("Site", false, "Closed for today.", ["*"]), default);
        Assert.True(ok.Succeeded, ok.Error);
        Assert.Equal(("Site", false, "Closed for today."), (ok.Value!.Name, ok.Value.Enabled, ok.Value.DisabledMessage));
        Assert.Equal(["*"], ok.Value.AllowedDomains);
    }

    [Fact]
    public async Task OneHostedPageAndOneApiChannelPerChatbot()
    {
        Assert.True((await Channels.CreateAsync(_admin, _bot, ChannelKind.HostedPage, null, null, default)).Succeeded);
        var second = await Channels.CreateAsync(_admin, _bot, ChannelKind.HostedPage, null, null, default);
        Assert.False(second.Succeeded);
        Assert.Contains("already has", second.Error);
        Assert.True((await Channels.CreateAsync(_admin, _bot, ChannelKind.Widget, null, null, default)).Succeeded);
        Assert.True((await Channels.CreateAsync(_admin, _bot, ChannelKind.Widget, null, null, default)).Succeeded);
    }

    [Fact]
    public async Task ViewersCannotChangeChannels_ButCanList()
    {
        var widget = (await Channels.CreateAsync(_admin, _bot, ChannelKind.Widget, null, null, default)).Value!;
        var viewer = _admin with { Role = TeamRole.Viewer };

        Assert.Contains("editors and admins", (await Channels.CreateAsync(viewer, _bot, ChannelKind.Widget, null, null, default)).Error);
        Assert.False((await Channels.UpdateAsync(viewer, widget.Id, new ChannelUpdate("x", false, null, null), default)).Succeeded);
        Assert.False((await Channels.RegenerateKeyAsync(viewer, widget.Id, default)).Succeeded);
        Assert.False((await Channels.DeleteAsync(viewer, widget.Id, default)).Succeeded);
        Assert.Single(await Channels.ListAsync(viewer, _bot, default));
        Assert.True((await Channels.CreateAsync(_admin with { Role = TeamRole.Editor }, _bot, ChannelKind.Api, null, null, default)).Succeeded);
    }

    [Fact]
    public async Task OtherTeams_CannotSeeOrTouchChannels()
    {
        var widget = (await Channels.CreateAsync(_admin, _bot, ChannelKind.Widget, null, null, default)).Value!;

        Assert.Empty(await Channels.ListAsync(_otherTeam, _bot, default));
        Assert.False((await Channels.CreateAsync(_otherTeam, _bot, ChannelKind.Widget, null, null, default)).Succeeded);
        Assert.False((await Channels.UpdateAsync(_otherTeam, widget.Id, new ChannelUpdate("x", false, null, null), default)).Succeeded);
        Assert.False((await Channels.DeleteAsync(_otherTeam, widget.Id, default)).Succeeded);
        Assert.Null(await Channels.FindWidgetByKeyAsync(_otherTeam.TeamId, _bot, widget.EmbedKey!, default));
        Assert.True((await Channels.DeleteAsync(_admin, widget.Id, default)).Succeeded);
        Assert.Empty(await Channels.ListAsync(_admin, _bot, default));
    }
}
