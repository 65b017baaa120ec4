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

    private async Task<(Guid Bot, Guid Participant, Guid Session)> StartAsync(string template)
    {
        var bot = (await _host.Get<ChatbotService>().CreateAsync(_editor, template, template, default)).Value!;
        var runtime = _host.Get<ChatRuntime>();
        var participant = await runtime.ParticipantIdAsync(_editor.TeamId, "web", $"p-{Guid.NewGuid():N}", null, default);
        var session = (await runtime.StartSessionAsync(_editor.TeamId, bot.Id, participant, "web", null, default, VersionChoice.Working)).SessionId;
        return (bot.Id, participant, session);
    }

    private Task<ChatTurn> SayAsync(Guid session, string text) => _host.Get<ChatRuntime>().SendAsync(_editor.TeamId, session, text, null, default);

    [Fact]
    public void EveryTemplate_IsCoveredByADemoTestHere()
    {
        // A new template needs its own demo test below (and a line here).
        Assert.Equal([ChatbotTemplates.Blank, ChatbotTemplates.SimpleAssistant, ChatbotTemplates.RouterWithSpecialists, ChatbotTemplates.Intake],
            ChatbotTemplates.All.Select(t => t.Key));
    }

    [Fact]
    public async Task Blank_RepeatsTheMessage()
    {
        var (_, _, session) = await StartAsync(ChatbotTemplates.Blank);

        var turn = await SayAsync(session, "Hello there!");

        Assert.Equal("Hello there!", turn.Reply?.Content);
    }

    [Fact]
    public async Task SimpleAssistant_AnswersTheMessage_WithItsSystemPromptAndTheConversation()
    {
        var (_, _, session) = await StartAsync(ChatbotTemplates.SimpleAssistant);

        await SayAsync(session, "Hi, what can you do?");
        var turn = await SayAsync(session, "Tell me a fun fact about otters");

        Assert.Equal("Offline model: you said \"Tell me a fun fact about otters\".", turn.Reply?.Content);
        var prompt = Assert.Single(turn.Reply!.Trace.Single(t => t.NodeName == "assistant").Prompts!);
        Assert.Contains("friendly, concise assistant", prompt.Messages[0].Content);
        Assert.Contains(prompt.Messages, m => m.Role == "user" && m.Content.Contains("what can you do", StringComparison.Ordinal)); // the history
    }

    [Theory]
    [InlineData("My laptop won't start, can you help?", "support", "SUPPORT")]
    [InlineData("I get an error every time I log in", "support", "SUPPORT")]
    [InlineData("How much does the pro plan cost?", "sales", "SALES")]
    [InlineData("We'd like to buy ten licences for our team", "sales", "SALES")]
    public async Task Router_SendsATypicalMessageToTheRightSpecialist(string message, string specialist, string route)
    {
        var (_, _, session) = await StartAsync(ChatbotTemplates.RouterWithSpecialists);

        var turn = await SayAsync(session, message);

        Assert.NotNull(turn.Reply);
        Assert.Contains(message, turn.Reply!.Content, StringComparison.Ordinal);
        Assert.Equal(["start", "router", specialist, "end"], turn.Reply.Trace.Select(t => t.NodeName));
        Assert.Equal(route, turn.Reply.Trace.Single(t => t.NodeName == "router").RouteName);
        Assert.Contains($"Model chose {route}.", turn.Reply.Trace.Single(t => t.NodeName == "router").Notes);
    }

    [Fact]
    public async Task Intake_OverSeveralMessages_KeepsWhatItLearnt()
    {
        var (bot, participant, session) = await StartAsync(ChatbotTemplates.Intake);

        await SayAsync(session, "Hello! My name is Ada.");
        var turn = await SayAsync(session, "I'm 36 years old");

        Assert.NotNull(turn.Reply);
        var data = (await _host.Get<ParticipantDirectory>().GetAsync(_editor, participant, default))!.Data.Single(d => d.ChatbotId == bot).Data;
        Assert.Equal("Ada", data["name"]?.ToString());
        Assert.Equal("36", data["age"]?.ToString());
        // The assistant was told what is known so far.
        Assert.Contains("Ada", turn.Reply!.Trace.Single(t => t.NodeName == "assistant").Prompts![0].Messages[0].Content);
    }

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
