using System.Text.Json.Nodes;
using OpenChatStudio.Core.Chat;
using OpenChatStudio.Core.Chatbots;
using OpenChatStudio.Core.Participants;
using OpenChatStudio.Core.Teams;
using OpenChatStudio.Tests.TestSupport;

namespace OpenChatStudio.Tests.Core.Participants;

/// <summary>Participant pages' service over a real database: search, profile, data editing, CSV export and import.</summary>
public class ParticipantDirectoryTests : IAsyncLifetime
{
    private readonly CoreHost _host = new();
    private TeamAccess _editor = default!;
    private TeamAccess _viewer = default!;
    private TeamAccess _stranger = default!;
    private Guid _bot;
    private Guid _otherBot;

    public async Task InitializeAsync()
    {
        await _host.InitializeAsync();
        var teams = _host.Get<TeamService>();
        var owner = await _host.CreateUserAsync();
        var team = (await teams.CreateTeamAsync(owner.Id, "People", default)).Value!;
        _editor = (await teams.GetAccessAsync(owner.Id, team.Slug, default))! with { Role = TeamRole.Editor };
        _viewer = _editor with { Role = TeamRole.Viewer };
        var other = await _host.CreateUserAsync();
        var otherTeam = (await teams.CreateTeamAsync(other.Id, "Others", default)).Value!;
        _stranger = (await teams.GetAccessAsync(other.Id, otherTeam.Slug, default))!;
        var bots = _host.Get<ChatbotService>();
        _bot = (await bots.CreateAsync(_editor, "Intake", ChatbotTemplates.Blank, default)).Value!.Id;
        _otherBot = (await bots.CreateAsync(_editor, "Coach", ChatbotTemplates.Blank, default)).Value!.Id;
    }

    public Task DisposeAsync() => _host.DisposeAsync();

    private ParticipantDirectory Directory => _host.Get<ParticipantDirectory>();

    private Task<ParticipantImportPreview> PreviewAsync(string csv, Guid? bot = null) =>
        Directory.PreviewImportAsync(_editor, bot ?? _bot, new StringReader(csv), default);

    [Fact]
    public async Task Import_CreatesAndUpdates_MergesTypedData_AndSkipsRowsWithProblems()
    {
        var runtime = _host.Get<ChatRuntime>();
        var existing = await runtime.GetOrCreateParticipantAsync(_editor.TeamId, "web", "ada@example.test", null, null, default);
        await Directory.UpdateDataAsync(_editor, existing.Id, _bot, """{"kept": "yes", "age": 1}""", default);

        const string csv = "identifier,channel,name,data.age,data.vip,data.city\n" +
                           "ada@example.test,web,Ada,36,true,\n" +
                           "bob@example.test,,Bob,,false,\"Paris, FR\"\n" +
                           ",web,Nobody,1,,\n" +
                           "bob@example.test,api,Bob again,,,\n" +
                           "carol,We b!,Carol,,,\n";
        var preview = await PreviewAsync(csv);
        Assert.Null(preview.FileError);
        Assert.Equal((2, 3), (preview.Valid, preview.Invalid));
        Assert.True(preview.Rows[0].Exists);
        Assert.False(preview.Rows[1].Exists);
        Assert.Equal("api", preview.Rows[1].Platform);
        Assert.Contains("identifier is empty", preview.Rows[2].Errors);
        Assert.Contains("same identifier and channel as line 3", preview.Rows[3].Errors);
        Assert.Contains(preview.Rows[4].Errors, e => e.Contains("channel \"we b!\""));

        var result = await Directory.ImportAsync(_editor, _bot, new StringReader(csv), default);
        Assert.Equal(new ParticipantImportResult(1, 1, 3, null), result);

        var ada = (await Directory.GetAsync(_editor, existing.Id, default))!;
        Assert.Equal("Ada", ada.Name);
        var data = ada.Data.Single(d => d.ChatbotId == _bot).Data;
        Assert.Equal("yes", (string)data["kept"]!);
        Assert.Equal(36, (int)data["age"]!);
        Assert.True((bool)data["vip"]!);
        var bob = (await Directory.SearchAsync(_editor, "bob@", 0, 10, default)).Rows.Single();
        Assert.Equal(("api", "Bob"), (bob.Platform, bob.Name));
        Assert.Equal("Paris, FR", (string)(await Directory.GetAsync(_editor, bob.Id, default))!.Data.Single().Data["city"]!);
    }

    [Fact]
    public async Task Preview_AQuoteThatSwallowsLines_OrAnUnknownChannel_IsARowError_NotAValidParticipant()
    {
        // The issue's case: one stray opening quote made seven lines one identifier, and the dry run called it valid.
        const string csv = "identifier,channel,name\n" +
                           "ada,web,Ada\n" +
                           "\"bob,web,Bob\n" +
                           "carol,web,Carol\n" +
                           "dan,web,Dan\",web,Dan\n" +
                           "erin,telegramm,Erin\n" +
                           "fay,whatsapp,Fay\n";

        var preview = await PreviewAsync(csv);

        Assert.Null(preview.FileError);
        Assert.Equal([2, 3, 6, 7], preview.Rows.Select(r => r.Line));
        Assert.Empty(preview.Rows[0].Errors);
        Assert.Contains(preview.Rows[1].Errors, e => e.Contains("spans several lines", StringComparison.Ordinal) && e.Contains("line 3", StringComparison.Ordinal));
        Assert.Contains(preview.Rows[2].Errors, e => e.StartsWith("channel \"telegramm\" is not one of", StringComparison.Ordinal));
        Assert.Empty(preview.Rows[3].Errors);
        Assert.Equal((2, 2), (preview.Valid, preview.Invalid));
    }

    [Theory]
    [InlineData("", "The file is empty")]
    [InlineData("name,channel\nAda,web", "including \"identifier\"")]
    [InlineData("identifier,colour\nada,red", "Unknown column(s): \"colour\"")]
    [InlineData("identifier\n\"ada", "not valid CSV")]
    [InlineData("identifier,name", "no participants")]
    public async Task Preview_ExplainsFileLevelProblems(string csv, string message)
    {
        var preview = await PreviewAsync(csv);
        Assert.Contains(message, preview.FileError);
        Assert.Equal(0, (await Directory.ImportAsync(_editor, _bot, new StringReader(csv), default)).Created);
    }

    [Fact]
    public async Task Export_ThenImportIntoAnotherChatbot_CarriesTheSameData()
    {
        await Directory.ImportAsync(_editor, _bot, new StringReader("identifier,channel,name,data.score,data.tags\nx1,web,Xena,7,\"[\"\"a\"\",\"\"b\"\"]\"\nx2,web,,,\n"), default);
        var csv = new StringWriter();
        Assert.True(await Directory.ExportCsvAsync(_editor, _bot, csv, default));
        var lines = csv.ToString().Split('\n', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries);
        Assert.Equal("identifier,channel,name,data.score,data.tags", lines[0]);
        Assert.Equal("x1,web,Xena,7,\"[\"\"a\"\",\"\"b\"\"]\"", lines[1]);
        Assert.Equal("x2,web,,,", lines[2]);

        var result = await Directory.ImportAsync(_editor, _otherBot, new StringReader(csv.ToString()), default);
        Assert.Equal((0, 2, 0), (result.Created, result.Updated, result.Skipped));
        var x1 = (await Directory.SearchAsync(_editor, "x1", 0, 10, default)).Rows.Single();
        var copied = (await Directory.GetAsync(_editor, x1.Id, default))!.Data.Single(d => d.ChatbotId == _otherBot).Data;
        Assert.Equal(7, (int)copied["score"]!);
        Assert.Equal(["a", "b"], copied["tags"]!.AsArray().Select(t => (string)t!));
        Assert.False(await Directory.ExportCsvAsync(_stranger, _bot, new StringWriter(), default));
    }

    [Theory]
    [InlineData("[1, 2]", "must be a JSON object")]
    [InlineData("{\"a\": 1,\n \"b\": }", "line 2")]
    public async Task UpdateData_RefusesAnythingButAJsonObject_SayingWhere(string json, string message)
    {
        var p = await _host.Get<ChatRuntime>().GetOrCreateParticipantAsync(_editor.TeamId, "web", "json@example.test", null, null, default);
        var result = await Directory.UpdateDataAsync(_editor, p.Id, _bot, json, default);
        Assert.Contains(message, result.Error);
        Assert.Empty((await Directory.GetAsync(_editor, p.Id, default))!.Data);
    }

    [Fact]
    public async Task Viewers_ReadButCannotChange_AndOtherTeamsSeeNothing()
    {
        var p = await _host.Get<ChatRuntime>().GetOrCreateParticipantAsync(_editor.TeamId, "web", "v@example.test", null, null, default);
        Assert.NotNull(await Directory.GetAsync(_viewer, p.Id, default));
        Assert.False((await Directory.UpdateDataAsync(_viewer, p.Id, _bot, "{}", default)).Succeeded);
        Assert.Equal("Only editors and admins can import participants.",
            (await Directory.ImportAsync(_viewer, _bot, new StringReader("identifier\nz"), default)).Error);
        Assert.Null(await Directory.GetAsync(_stranger, p.Id, default));
        Assert.Equal(0, (await Directory.SearchAsync(_stranger, null, 0, 10, default)).Total);
    }
}
