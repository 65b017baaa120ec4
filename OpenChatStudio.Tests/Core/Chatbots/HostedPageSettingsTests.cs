using Microsoft.EntityFrameworkCore;
using OpenChatStudio.Core.Chatbots;
using OpenChatStudio.Core.Data;
using OpenChatStudio.Core.Teams;
using OpenChatStudio.Core.Versions;
using OpenChatStudio.Tests.TestSupport;

namespace OpenChatStudio.Tests.Core.Chatbots;

/// <summary>Welcome messages and starter questions (hosted chat page): saved, validated, versioned and copied.</summary>
public class HostedPageSettingsTests : IAsyncLifetime
{
    private readonly CoreHost _host = new();
    private TeamAccess _editor = default!;

    public async Task InitializeAsync()
    {
        await _host.InitializeAsync();
        var owner = await _host.CreateUserAsync();
        var teams = _host.Get<TeamService>();
        var team = (await teams.CreateTeamAsync(owner.Id, "Hosted", CancellationToken.None)).Value!;
        _editor = (await teams.GetAccessAsync(owner.Id, team.Slug, CancellationToken.None))! with { Role = TeamRole.Editor };
    }

    public Task DisposeAsync() => _host.DisposeAsync();

    private ChatbotService Bots => _host.Get<ChatbotService>();

    private static ChatbotSettings Settings(ChatbotDetails bot, IReadOnlyList<string>? welcome, IReadOnlyList<string>? starters) =>
        new(bot.Name, bot.Description, bot.SeedMessage, bot.ParticipantAllowlist, bot.FileUploadsEnabled, bot.ConsentFormId, welcome, starters);

    [Fact]
    public async Task Saved_Trimmed_AndLeftUnchangedWhenNull()
    {
        var bot = (await Bots.CreateAsync(_editor, "Greeter", ChatbotTemplates.SimpleAssistant, default)).Value!;
        Assert.Empty(bot.WelcomeMessages!);

        var saved = await Bots.UpdateSettingsAsync(_editor, bot.Id, Settings(bot, [" Hello! ", "", "Ask me anything."], ["What is this?"]), default);
        Assert.True(saved.Succeeded, saved.Error);
        Assert.Equal(["Hello!", "Ask me anything."], saved.Value!.WelcomeMessages!);
        Assert.Equal(["What is this?"], saved.Value.StarterQuestions!);

        var renamed = await Bots.UpdateSettingsAsync(_editor, bot.Id, Settings(saved.Value, null, null) with { Name = "Renamed" }, default);
        Assert.Equal(["Hello!", "Ask me anything."], renamed.Value!.WelcomeMessages!);
        Assert.Equal(["What is this?"], (await Bots.GetAsync(_editor, bot.Id, default))!.StarterQuestions!);
    }

    [Fact]
    public async Task TooManyOrTooLong_AreRefused()
    {
        var bot = (await Bots.CreateAsync(_editor, "Greeter", ChatbotTemplates.SimpleAssistant, default)).Value!;

        var many = await Bots.UpdateSettingsAsync(_editor, bot.Id,
            Settings(bot, null, Enumerable.Range(1, ChatbotService.MaxStarterQuestions + 1).Select(i => $"Q{i}").ToList()), default);
        var longOne = await Bots.UpdateSettingsAsync(_editor, bot.Id, Settings(bot, [new string('x', 2001)], null), default);

        Assert.False(many.Succeeded);
        Assert.False(longOne.Succeeded);
        Assert.Empty((await Bots.GetAsync(_editor, bot.Id, default))!.StarterQuestions!);
    }

    [Fact]
    public async Task Versions_SnapshotThem_AndCopiesKeepThem()
    {
        var bot = (await Bots.CreateAsync(_editor, "Greeter", ChatbotTemplates.SimpleAssistant, default)).Value!;
        await Bots.UpdateSettingsAsync(_editor, bot.Id, Settings(bot, ["v1 welcome"], ["v1 question"]), default);
        Assert.True((await _host.Get<VersionService>().CreateAsync(_editor, bot.Id, "v1", true, "Editor", default)).Succeeded);
        await Bots.UpdateSettingsAsync(_editor, bot.Id, Settings(bot, ["draft welcome"], []), default);

        await using (var db = await _host.Get<IDbContextFactory<AppDbContext>>().CreateForTeamAsync(_editor.TeamId, default))
        {
            var published = await db.ChatbotVersions.AsNoTracking().SingleAsync(v => v.ChatbotId == bot.Id && v.IsPublished);
            Assert.Equal(["v1 welcome"], ChatbotService.JsonList(published.WelcomeMessagesJson));
            Assert.Equal(["v1 question"], ChatbotService.JsonList(published.StarterQuestionsJson));
        }
        var copy = (await Bots.CopyAsync(_editor, bot.Id, default)).Value!;
        Assert.Equal(["draft welcome"], copy.WelcomeMessages!);
        Assert.Empty(copy.StarterQuestions!);
    }

    [Theory]
    [InlineData(null)]
    [InlineData("")]
    [InlineData("not json")]
    [InlineData("{\"a\":1}")]
    public void JsonList_ToleratesBadValues(string? json) => Assert.Empty(ChatbotService.JsonList(json));
}
