using OpenChatStudio.Core.Llm;
using OpenChatStudio.Core.Providers;
using OpenChatStudio.Core.Teams;
using OpenChatStudio.Tests.TestSupport;
using OpenChatStudio.Tests.TestSupport.Fakes;

namespace OpenChatStudio.Tests.Core.Providers;

/// <summary>"Test connection" sends a request wherever the provider points: only those who may edit providers can.</summary>
public sealed class ProviderTestPermissionTests : IAsyncLifetime
{
    private readonly CoreHost _host = new();
    private FakeOpenAiServer _server = default!;
    private TeamAccess _admin = default!;

    public async Task InitializeAsync()
    {
        _server = await FakeOpenAiServer.StartAsync();
        await _host.InitializeAsync();
        var owner = await _host.CreateUserAsync();
        var teams = _host.Get<TeamService>();
        var team = (await teams.CreateTeamAsync(owner.Id, "Providers", CancellationToken.None)).Value!;
        _admin = (await teams.GetAccessAsync(owner.Id, team.Slug, CancellationToken.None))!;
    }

    public async Task DisposeAsync()
    {
        await _host.DisposeAsync();
        await _server.DisposeAsync();
    }

    [Fact]
    public async Task Editor_CannotTestAProvider_AdminCan()
    {
        var providers = _host.Get<ProviderService>();
        var created = await providers.CreateAsync(_admin, new ProviderInput("Local", LlmProviderType.OpenAICompatible, _server.BaseUri.ToString(), "k"), default);
        Assert.True(created.Succeeded, created.Error);
        _server.Enqueue(FakeReply.Say("OK"));

        var byEditor = await providers.TestAsync(_admin with { Role = TeamRole.Editor }, created.Value!.Id, "m", default);

        Assert.False(byEditor.Ok);
        Assert.Equal("Only team admins can test providers.", byEditor.Message);
        Assert.Empty(_server.Requests);
        var byAdmin = await providers.TestAsync(_admin, created.Value!.Id, "m", default);
        Assert.True(byAdmin.Ok, byAdmin.Message);
        Assert.Single(_server.Requests);
    }
}
