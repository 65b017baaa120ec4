using OpenChatStudio.Core.Chat;
using OpenChatStudio.Core.Chatbots;
using OpenChatStudio.Core.Participants;
using OpenChatStudio.Core.Teams;
using OpenChatStudio.Core.Versions;
using OpenChatStudio.Tests.TestSupport;

namespace OpenChatStudio.Tests.Core.Chat;

/// <summary>
/// The preview picks up a session after a reload only when it is still running and is the tester's own preview of that
/// chatbot in that team; then it gets the visible messages with each reply's trace.
/// </summary>
public sealed class ResumablePreviewTests : IAsyncLifetime
{
    private readonly CoreHost _host = new();
    private TeamAccess _editor = default!;
    private Guid _bot;
    private Guid _otherBot;

    public async Task InitializeAsync()
    {
        await _host.InitializeAsync();
        var owner = await _host.CreateUserAsync();
        var teams = _host.Get<TeamService>();
        var team = (await teams.CreateTeamAsync(owner.Id, "Preview", default)).Value!;
        _editor = (await teams.GetAccessAsync(owner.Id, team.Slug, default))!;
        _bot = (await _host.Get<ChatbotService>().CreateAsync(_editor, "Echo", ChatbotTemplates.Blank, default)).Value!.Id;
        _otherBot = (await _host.Get<ChatbotService>().CreateAsync(_editor, "Other", ChatbotTemplates.Blank, default)).Value!.Id;
    }

    public Task DisposeAsync() => _host.DisposeAsync();

    private ChatRuntime Runtime => _host.Get<ChatRuntime>();

    private SessionPlaygroundService Playground => _host.Get<SessionPlaygroundService>();

    private async Task<(Guid Participant, Guid Session)> PreviewAsync(string platform = ParticipantPlatforms.Preview, string who = "user:a")
    {
        var participant = await Runtime.ParticipantIdAsync(_editor.TeamId, platform, who, null, default);
        var session = (await Runtime.StartSessionAsync(_editor.TeamId, _bot, participant, platform, null, default, VersionChoice.Working)).SessionId;
        return (participant, session);
    }

    [Fact]
    public async Task OwnRunningPreview_IsResumed_WithItsMessagesAndTraces()
    {
        var (participant, session) = await PreviewAsync();
        await Runtime.SendAsync(_editor.TeamId, session, "hello", null, default);

        var resumed = await Playground.FindResumablePreviewAsync(_editor, session, _bot, participant, default);

        Assert.NotNull(resumed);
        Assert.Equal(VersionSelection.Working, resumed!.Version.Selection);
        Assert.Equal([(MessageRole.Human, "hello"), (MessageRole.Ai, "hello")], resumed.Messages.Select(m => (m.Role, m.Content)));
        Assert.Empty(resumed.Messages[0].Trace);
        Assert.Equal(["start", "end"], resumed.Messages[1].Trace.Select(t => t.NodeName));
    }

    [Fact]
    public async Task SomeoneElsesOrAnotherChatbotsOrAnEndedOrANonPreviewSession_IsNotResumed()
    {
        var (participant, session) = await PreviewAsync();
        var (otherTester, _) = await PreviewAsync(who: "user:b");
        var (webParticipant, webSession) = await PreviewAsync(ParticipantPlatforms.Web, "visitor");

        Assert.Null(await Playground.FindResumablePreviewAsync(_editor, session, _bot, otherTester, default));
        Assert.Null(await Playground.FindResumablePreviewAsync(_editor, session, _otherBot, participant, default));
        Assert.Null(await Playground.FindResumablePreviewAsync(_editor, webSession, _bot, webParticipant, default));
        Assert.Null(await Playground.FindResumablePreviewAsync(_editor, Guid.NewGuid(), _bot, participant, default));

        await Runtime.EndSessionAsync(_editor.TeamId, session, "user", default);
        Assert.Null(await Playground.FindResumablePreviewAsync(_editor, session, _bot, participant, default));
    }
}
