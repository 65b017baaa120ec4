using System.Text.Json.Nodes;
using OpenChatStudio.Core.Audit;
using OpenChatStudio.Core.Chatbots;
using OpenChatStudio.Core.Llm;
using OpenChatStudio.Core.Providers;
using OpenChatStudio.Core.Teams;
using OpenChatStudio.Tests.TestSupport;

namespace OpenChatStudio.Tests.Core.Audit;

/// <summary>The audit interceptor over a real database: who changed what, never secret values, only the team's own entries.</summary>
public class AuditLogTests : IAsyncLifetime
{
    private readonly CoreHost _host = new();
    private TeamAccess _admin = default!;
    private TeamAccess _other = default!;

    public async Task InitializeAsync()
    {
        await _host.InitializeAsync();
        var teams = _host.Get<TeamService>();
        var owner = await _host.CreateUserAsync();
        var team = (await teams.CreateTeamAsync(owner.Id, "Audited", default)).Value!;
        _admin = (await teams.GetAccessAsync(owner.Id, team.Slug, default))!;
        var stranger = await _host.CreateUserAsync();
        var otherTeam = (await teams.CreateTeamAsync(stranger.Id, "Elsewhere", default)).Value!;
        _other = (await teams.GetAccessAsync(stranger.Id, otherTeam.Slug, default))!;
    }

    public Task DisposeAsync() => _host.DisposeAsync();

    private Task<AuditPage> ListAsync(TeamAccess access, AuditFilter? filter = null) =>
        _host.Get<AuditService>().ListAsync(access, filter ?? new AuditFilter(), 0, 100, default);

    [Fact]
    public async Task ChatbotChanges_AreRecorded_WithTheActor_AndOnlyTheChangedFields()
    {
        var bots = _host.Get<ChatbotService>();
        Guid id;
        using (AuditActor.Begin(new AuditActor(_admin.UserId, "ada@example.test")))
        {
            id = (await bots.CreateAsync(_admin, "Helper", ChatbotTemplates.Blank, default)).Value!.Id;
            var settings = new ChatbotSettings("Helper 2", "Now with a description", null, [], false, null);
            Assert.True((await bots.UpdateSettingsAsync(_admin, id, settings, default)).Succeeded);
        }

        var page = await ListAsync(_admin, new AuditFilter(EntityType: "Chatbot"));
        Assert.Equal(2, page.Total);
        var updated = page.Rows[0];
        Assert.Equal(("updated", "ada@example.test", "Helper 2", id.ToString()), (updated.Action, updated.ActorName, updated.EntityName, updated.EntityId));
        var changes = JsonNode.Parse(updated.ChangesJson)!.AsObject();
        Assert.Equal(["Description", "Name"], changes.Select(c => c.Key).Order());
        Assert.Equal("Helper", (string)changes["Name"]!["from"]!);
        Assert.Equal("Helper 2", (string)changes["Name"]!["to"]!);
        Assert.Equal("created", page.Rows[1].Action);
        var others = (await ListAsync(_other)).Rows;
        Assert.Equal(["Membership", "Team"], others.Select(r => r.EntityType).Order());
        Assert.DoesNotContain(others, r => r.EntityId == id.ToString());
    }

    [Fact]
    public async Task ProviderKeys_AreNeverWritten_OnlyThatTheyChanged()
    {
        const string secret = "sk-very-secret-value-123";
        var providers = _host.Get<ProviderService>();
        var created = await providers.CreateAsync(_admin, new ProviderInput("Team OpenAI", LlmProviderType.OpenAI, null, secret), default);
        Assert.True(created.Succeeded, created.Error);
        var updated = await providers.UpdateAsync(_admin, created.Value!.Id, new ProviderInput("Team OpenAI", LlmProviderType.OpenAI, null, secret + "-rotated"), default);
        Assert.True(updated.Succeeded, updated.Error);

        var page = await ListAsync(_admin, new AuditFilter(EntityType: "LLM provider"));
        Assert.Equal(["updated", "created"], page.Rows.Select(r => r.Action));
        Assert.All(page.Rows, r => Assert.DoesNotContain("secret", r.ChangesJson, StringComparison.OrdinalIgnoreCase));
        Assert.Equal("(changed)", (string)JsonNode.Parse(page.Rows[0].ChangesJson)!["ProtectedApiKey"]!);
        Assert.Equal("system", page.Rows[0].ActorName);
    }

    [Fact]
    public async Task Filters_Combine_ByActorTextAndDate()
    {
        var bots = _host.Get<ChatbotService>();
        using (AuditActor.Begin(new AuditActor(_admin.UserId, "ada@example.test")))
        {
            await bots.CreateAsync(_admin, "Alpha", ChatbotTemplates.Blank, default);
        }
        using (AuditActor.Begin(new AuditActor(null, "API key 42")))
        {
            await bots.CreateAsync(_admin, "Beta", ChatbotTemplates.Blank, default);
        }

        Assert.Equal(["Beta"], (await ListAsync(_admin, new AuditFilter(Actor: "api key"))).Rows.Select(r => r.EntityName));
        Assert.Equal(["Alpha"], (await ListAsync(_admin, new AuditFilter(Text: "alp"))).Rows.Select(r => r.EntityName));
        Assert.Empty((await ListAsync(_admin, new AuditFilter(From: DateTime.UtcNow.AddDays(1)))).Rows);
        Assert.Equal(2, (await ListAsync(_admin, new AuditFilter(EntityType: "Chatbot", To: DateTime.UtcNow.AddMinutes(1)))).Total);
    }
}
