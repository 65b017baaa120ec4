using System.Text.Json.Nodes;
using OpenChatStudio.Core.Chatbots;
using OpenChatStudio.Core.Pipelines.Graph;
using OpenChatStudio.Core.Teams;
using OpenChatStudio.Tests.TestSupport;

namespace OpenChatStudio.Tests.Core.Chatbots;

/// <summary>Source material and consent forms over a real database: CRUD, validation, usage checks, permissions, tenancy.</summary>
public class ResourceServiceTests : IAsyncLifetime
{
    private readonly CoreHost _host = new();
    private TeamAccess _editor = default!;
    private TeamAccess _otherTeam = default!;

    public async Task InitializeAsync()
    {
        await _host.InitializeAsync();
        var owner = await _host.CreateUserAsync();
        var teams = _host.Get<TeamService>();
        var team = (await teams.CreateTeamAsync(owner.Id, "Clinic", CancellationToken.None)).Value!;
        var other = (await teams.CreateTeamAsync(owner.Id, "Elsewhere", CancellationToken.None)).Value!;
        _editor = (await teams.GetAccessAsync(owner.Id, team.Slug, CancellationToken.None))! with { Role = TeamRole.Editor };
        _otherTeam = (await teams.GetAccessAsync(owner.Id, other.Slug, CancellationToken.None))!;
    }

    public Task DisposeAsync() => _host.DisposeAsync();

    private ResourceService Service => _host.Get<ResourceService>();

    private static ConsentFormInput Form(string name, bool isDefault = false) =>
        new(name, "You agree that we store this conversation.", true, "Email address", ResourceService.IdentifierEmail, "Respond with '1' if you agree", isDefault);

    [Fact]
    public async Task SourceMaterial_CreateUpdateDelete_RoundTrips()
    {
        var created = await Service.CreateSourceMaterialAsync(_editor, new SourceMaterialInput("  Malaria  ", "Facts", "Malaria is spread by mosquitoes."), default);
        var updated = await Service.UpdateSourceMaterialAsync(_editor, created.Value!.Id, new SourceMaterialInput("Malaria basics", "Updated", "New text"), default);
        var listed = await Service.ListSourceMaterialsAsync(_editor, default);
        var deleted = await Service.DeleteSourceMaterialAsync(_editor, created.Value.Id, default);

        Assert.True(created.Succeeded, created.Error);
        Assert.Equal("Malaria", created.Value.Topic);
        Assert.True(updated.Succeeded, updated.Error);
        var row = Assert.Single(listed);
        Assert.Equal(("Malaria basics", "Updated", "New text"), (row.Topic, row.Description, row.Material));
        Assert.True(deleted.Succeeded, deleted.Error);
        Assert.Empty(await Service.ListSourceMaterialsAsync(_editor, default));
    }

    [Theory]
    [InlineData(" ", "text", "Give the source material a topic.")]
    [InlineData("Topic", "", "Add the material text.")]
    public async Task SourceMaterial_MissingFields_AreRefusedWithClearMessage(string topic, string material, string expected)
    {
        var result = await Service.CreateSourceMaterialAsync(_editor, new SourceMaterialInput(topic, "", material), default);

        Assert.Equal(expected, result.Error);
        Assert.Empty(await Service.ListSourceMaterialsAsync(_editor, default));
    }

    [Fact]
    public async Task SourceMaterial_TopicTooLong_IsRefused()
    {
        var result = await Service.CreateSourceMaterialAsync(_editor, new SourceMaterialInput(new string('t', 201), "", "x"), default);

        Assert.Equal("Topics are at most 200 characters.", result.Error);
    }

    [Fact]
    public async Task SourceMaterial_UsedByPipeline_DeleteIsRefusedNamingTheChatbot()
    {
        var material = (await Service.CreateSourceMaterialAsync(_editor, new SourceMaterialInput("FAQ", "", "Q and A"), default)).Value!;
        var bots = _host.Get<ChatbotService>();
        var bot = (await bots.CreateAsync(_editor, "Helpdesk", ChatbotTemplates.Blank, default)).Value!;
        var node = new GraphNode("llm", "LLMResponseWithPrompt", "llm", new JsonObject { ["source_material_id"] = material.Id.ToString() });
        var saved = await bots.SavePipelineAsync(_editor, bot.Id, bot.Pipeline with { Nodes = [.. bot.Pipeline.Nodes, node] }, bot.Layout, bot.EditRevision, default);
        Assert.True(saved.Succeeded, saved.Error);

        var result = await Service.DeleteSourceMaterialAsync(_editor, material.Id, default);

        Assert.False(result.Succeeded);
        Assert.Contains("\"Helpdesk\"", result.Error);
        Assert.Single(await Service.ListSourceMaterialsAsync(_editor, default));
    }

    [Fact]
    public async Task ConsentForm_CreateUpdateDelete_RoundTrips()
    {
        var created = await Service.CreateConsentFormAsync(_editor, Form("Study consent"), default);
        var updated = await Service.UpdateConsentFormAsync(_editor, created.Value!.Id,
            Form("Study consent v2") with { CaptureIdentifier = false, IdentifierType = ResourceService.IdentifierText, IdentifierLabel = "Study ID" }, default);
        var listed = Assert.Single(await Service.ListConsentFormsAsync(_editor, default));
        var deleted = await Service.DeleteConsentFormAsync(_editor, created.Value.Id, default);

        Assert.True(updated.Succeeded, updated.Error);
        Assert.Equal(("Study consent v2", false, "text", "Study ID"), (listed.Name, listed.CaptureIdentifier, listed.IdentifierType, listed.IdentifierLabel));
        Assert.True(deleted.Succeeded, deleted.Error);
        Assert.Empty(await Service.ListConsentFormsAsync(_editor, default));
    }

    [Fact]
    public async Task ConsentForm_InvalidInput_IsRefusedWithClearMessages()
    {
        var noName = await Service.CreateConsentFormAsync(_editor, Form(""), default);
        var noText = await Service.CreateConsentFormAsync(_editor, Form("Consent") with { ConsentText = "  " }, default);
        var badType = await Service.CreateConsentFormAsync(_editor, Form("Consent") with { IdentifierType = "phone" }, default);
        var longName = await Service.CreateConsentFormAsync(_editor, Form(new string('n', 201)), default);

        Assert.Equal("Give the consent form a name.", noName.Error);
        Assert.Equal("Write the consent text participants agree to.", noText.Error);
        Assert.Equal("The identifier type must be email or text.", badType.Error);
        Assert.Equal("Names are at most 200 characters.", longName.Error);
        Assert.Empty(await Service.ListConsentFormsAsync(_editor, default));
    }

    [Fact]
    public async Task ConsentForm_MarkingSecondDefault_LeavesExactlyOneDefault()
    {
        var first = (await Service.CreateConsentFormAsync(_editor, Form("First", isDefault: true), default)).Value!;
        var second = (await Service.CreateConsentFormAsync(_editor, Form("Second", isDefault: true), default)).Value!;
        var afterCreate = await Service.ListConsentFormsAsync(_editor, default);
        await Service.UpdateConsentFormAsync(_editor, first.Id, Form("First", isDefault: true), default);
        var afterUpdate = await Service.ListConsentFormsAsync(_editor, default);

        Assert.Equal(second.Id, Assert.Single(afterCreate, f => f.IsDefault).Id);
        Assert.Equal(first.Id, Assert.Single(afterUpdate, f => f.IsDefault).Id);
    }

    [Fact]
    public async Task ConsentForm_UsedByChatbot_DeleteIsRefusedNamingTheChatbot()
    {
        var form = (await Service.CreateConsentFormAsync(_editor, Form("Study consent"), default)).Value!;
        var bots = _host.Get<ChatbotService>();
        var bot = (await bots.CreateAsync(_editor, "Survey bot", ChatbotTemplates.Blank, default)).Value!;
        var linked = await bots.UpdateSettingsAsync(_editor, bot.Id, new ChatbotSettings("Survey bot", "", null, [], false, form.Id), default);
        Assert.True(linked.Succeeded, linked.Error);

        var result = await Service.DeleteConsentFormAsync(_editor, form.Id, default);

        Assert.False(result.Succeeded);
        Assert.Contains("\"Survey bot\"", result.Error);
        Assert.Single(await Service.ListConsentFormsAsync(_editor, default));
    }

    [Fact]
    public async Task Viewer_CanReadButChangesAreRefused()
    {
        var material = (await Service.CreateSourceMaterialAsync(_editor, new SourceMaterialInput("FAQ", "", "text"), default)).Value!;
        var viewer = _editor with { Role = TeamRole.Viewer };

        var create = await Service.CreateConsentFormAsync(viewer, Form("Nope"), default);
        var update = await Service.UpdateSourceMaterialAsync(viewer, material.Id, new SourceMaterialInput("Changed", "", "x"), default);
        var delete = await Service.DeleteSourceMaterialAsync(viewer, material.Id, default);
        var read = await Service.ListSourceMaterialsAsync(viewer, default);

        Assert.Equal("Only editors and admins can change team resources.", create.Error);
        Assert.False(update.Succeeded);
        Assert.False(delete.Succeeded);
        Assert.Equal("FAQ", Assert.Single(read).Topic);
        Assert.Empty(await Service.ListConsentFormsAsync(_editor, default));
    }

    [Fact]
    public async Task OtherTeam_CannotSeeUpdateOrDeleteResources()
    {
        var material = (await Service.CreateSourceMaterialAsync(_editor, new SourceMaterialInput("FAQ", "", "text"), default)).Value!;
        var form = (await Service.CreateConsentFormAsync(_editor, Form("Consent"), default)).Value!;

        var update = await Service.UpdateSourceMaterialAsync(_otherTeam, material.Id, new SourceMaterialInput("Stolen", "", "x"), default);
        var deleteMaterial = await Service.DeleteSourceMaterialAsync(_otherTeam, material.Id, default);
        var updateForm = await Service.UpdateConsentFormAsync(_otherTeam, form.Id, Form("Stolen"), default);
        var deleteForm = await Service.DeleteConsentFormAsync(_otherTeam, form.Id, default);

        Assert.Equal("That source material does not exist in this team.", update.Error);
        Assert.Equal("That source material does not exist in this team.", deleteMaterial.Error);
        Assert.Equal("That consent form does not exist in this team.", updateForm.Error);
        Assert.Equal("That consent form does not exist in this team.", deleteForm.Error);
        Assert.Empty(await Service.ListSourceMaterialsAsync(_otherTeam, default));
        Assert.Empty(await Service.ListConsentFormsAsync(_otherTeam, default));
        Assert.Equal("FAQ", Assert.Single(await Service.ListSourceMaterialsAsync(_editor, default)).Topic);
        Assert.Equal("Consent", Assert.Single(await Service.ListConsentFormsAsync(_editor, default)).Name);
    }
}
