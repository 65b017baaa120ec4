using OpenChatStudio.Core.Chat;
using OpenChatStudio.Core.Chatbots;
using OpenChatStudio.Core.Participants;
using OpenChatStudio.Core.Teams;
using OpenChatStudio.Core.Versions;
using OpenChatStudio.Tests.TestSupport;

namespace OpenChatStudio.Tests.Core.Chatbots;

/// <summary>Every template runs a believable demo on the built-in offline model (no provider, no network).</summary>
public sealed class TemplateDemoTests : IAsyncLifetime
{
    private readonly CoreHost _host = new();
    private TeamAccess _editor = default!;

    public async Task InitializeAsync()
    {
        await _host.InitializeAsync();
        var owner = await _host.CreateUserAsync();
        var teams = _host.Get<TeamService>();
        var team = (await teams.CreateTeamAsync(owner.Id, "Demos", default)).Value!;
        _editor = (await teams.GetAccessAsync(owner.Id, team.Slug, default))!;
    }

    public Task DisposeAsync() => _host.DisposeAsync();

    [Theory]
    [InlineData("Hi, I'm Ada and I am 36 years old", "Ada", "36")]
    [InlineData("My name is Grace Hopper", "Grace", null)]
    [InlineData("hello there, call me Linus. I'm 54", "Linus", "54")]
    [InlineData("I am 29 and my name is Mei", "Mei", "29")]
    public async Task Intake_StoresTheNameAndAgeTheParticipantGave(string message, string name, string? age)
    {
        var bot = (await _host.Get<ChatbotService>().CreateAsync(_editor, "Intake", ChatbotTemplates.Intake, default)).Value!;
        var runtime = _host.Get<ChatRuntime>();
        var participant = await runtime.ParticipantIdAsync(_editor.TeamId, "web", $"p-{Guid.NewGuid():N}", null, default);
        var session = (await runtime.StartSessionAsync(_editor.TeamId, bot.Id, participant, "web", null, default, VersionChoice.Working)).SessionId;

        var turn = await runtime.SendAsync(_editor.TeamId, session, message, null, default);

        Assert.NotNull(turn.Reply);
        var profile = (await _host.Get<ParticipantDirectory>().GetAsync(_editor, participant, default))!;
        var data = profile.Data.Single(d => d.ChatbotId == bot.Id).Data;
        Assert.Equal(name, data["name"]?.ToString());
        Assert.Equal(age, data["age"]?.ToString());
    }
}
