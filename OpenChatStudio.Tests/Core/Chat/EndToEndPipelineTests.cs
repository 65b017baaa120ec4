using System.Text.Json.Nodes;
using Microsoft.EntityFrameworkCore;
using OpenChatStudio.Core.Chat;
using OpenChatStudio.Core.Chatbots;
using OpenChatStudio.Core.Data;
using OpenChatStudio.Core.Llm;
using OpenChatStudio.Core.Participants;
using OpenChatStudio.Core.Providers;
using OpenChatStudio.Core.Teams;
using OpenChatStudio.Tests.TestSupport;
using OpenChatStudio.Tests.TestSupport.Fakes;
using OpenChatStudio.Tests.TestSupport.Pipelines;

namespace OpenChatStudio.Tests.Core.Chat;

/// <summary>
/// Every node type in one chatbot, through the real runtime, the team's OpenAI-compatible provider (a local server speaking
/// the chat-completions wire protocol, with SSE streaming and tool calls), a real SMTP peer and a real database.
/// </summary>
public class EndToEndPipelineTests : IAsyncLifetime
{
    private readonly FakeSmtpServer _smtp = new();
    private FakeOpenAiServer _openAi = default!;
    private CoreHost _host = default!;
    private TeamAccess _admin = default!;

    public async Task InitializeAsync()
    {
        _openAi = await FakeOpenAiServer.StartAsync();
        _host = new CoreHost(settings: new Dictionary<string, string?>
        {
            ["Email:SmtpHost"] = "127.0.0.1",
            ["Email:SmtpPort"] = _smtp.Port.ToString(),
            ["Email:SmtpUseSsl"] = "false",
            ["Llm:TimeoutSeconds"] = "20",
        });
        await _host.InitializeAsync();
        var owner = await _host.CreateUserAsync();
        var teams = _host.Get<TeamService>();
        var team = (await teams.CreateTeamAsync(owner.Id, "E2E", CancellationToken.None)).Value!;
        _admin = (await teams.GetAccessAsync(owner.Id, team.Slug, CancellationToken.None))!;
    }

    public async Task DisposeAsync()
    {
        await _host.DisposeAsync();
        await _openAi.DisposeAsync();
        await _smtp.DisposeAsync();
    }

    [Fact]
    public async Task Runtime_PipelineWithEveryNodeType_AgainstOpenAiWireProtocol_PersistsEverything()
    {
        var provider = (await _host.Get<ProviderService>().CreateAsync(_admin,
            new ProviderInput("Local vLLM", LlmProviderType.OpenAICompatible, _openAi.BaseUri.ToString(), "sk-test-123456"), default)).Value!;
        object Llm(object extra) => Merge(new { llm_provider_id = provider.Id, llm_model = "gpt-4o-mini", history_type = "none" }, extra);
        var graph = PipelineGraphBuilder.WithStartAndEnd()
            .Node("update", "ExtractParticipantData", Llm(new { data_schema = "{\"name\": \"their first name\"}" }))
            .Node("router", "RouterNode", Llm(new { prompt = "Support or sales?", keywords = new[] { "SUPPORT", "SALES" } }))
            .Node("static", "StaticRouterNode", new { data_source = "participant_data", route_key = "name", keywords = new[] { "ADA", "OTHER" } })
            .Node("code", "CodeNode", new { code = "function main(input, context) { var v = get_session_state_key('visits') || 0; set_session_state_key('visits', v + 1); return input; }" })
            .Node("extract", "ExtractStructuredData", Llm(new { data_schema = "{\"issue\": \"the problem\"}" }))
            .Node("template", "RenderTemplate", new { template_string = "Issue from {{ participant_data.name }}: {{ input }}" })
            .Node("email", "SendEmail", new { recipient_list = "ops@example.test", subject = "New issue", body = "{{ input }}" })
            .Node("other", "Passthrough")
            .Node("sales", "Passthrough")
            .Node("llm", "LLMResponseWithPrompt", Llm(new { prompt = "Help {participant_data}", tools = new[] { "update-user-data" } }))
            .Connect("start -> update", "update -> router", "router:output_0 -> static", "router:output_1 -> sales",
                "static:output_0 -> code", "static:output_1 -> other", "code -> extract", "extract -> template", "template -> email",
                "email -> llm", "other -> llm", "sales -> llm", "llm -> end")
            .Build();
        Assert.Equal(12, graph.Nodes.Select(n => n.Type).Distinct().Count() + 1); // every Core node type (Passthrough twice)
        Guid chatbotId;
        await using (var db = await _host.Get<IDbContextFactory<AppDbContext>>().CreateForTeamAsync(_admin.TeamId, default))
        {
            var bot = new Chatbot(_admin.TeamId, "Helpdesk", graph);
            db.Chatbots.Add(bot);
            await db.SaveChangesAsync();
            chatbotId = bot.Id;
        }
        _openAi.Enqueue(
            FakeReply.Say("{\"name\": \"Ada\"}"),
            FakeReply.Say("{\"route\": \"SUPPORT\"}"),
            FakeReply.Say("{\"issue\": \"wifi drops\"}"),
            FakeReply.CallTool("{\"key\": \"drink\", \"value\": \"tea\"}", "ocs-update_user_data"),
            FakeReply.Say("Thanks Ada, I have noted it and we will fix your wifi."));
        var runtime = _host.Get<ChatRuntime>();
        var participant = await runtime.GetOrCreateParticipantAsync(_admin.TeamId, "web", "ada@example.test", "Ada", null, default);
        var session = await runtime.StartSessionAsync(_admin.TeamId, chatbotId, participant.Id, "web", null, default);
        var tokens = new List<string>();

        var turn = await runtime.SendAsync(_admin.TeamId, session.SessionId, "Hi, I'm Ada and my wifi keeps dropping",
            t => { tokens.Add(t); return ValueTask.CompletedTask; }, default);

        // The reply streamed in pieces and is what the model said after the tool call.
        Assert.True(turn.Succeeded, turn.Error);
        Assert.Equal("Thanks Ada, I have noted it and we will fix your wifi.", turn.Reply!.Content);
        Assert.True(tokens.Count > 1);
        Assert.Equal(turn.Reply.Content, string.Concat(tokens));
        // Every node ran (but the branches not taken), in a stored trace.
        var trace = await runtime.GetTraceAsync(_admin.TeamId, turn.Reply.TraceId, default);
        Assert.Equal(["start", "update", "router", "static", "code", "extract", "template", "email", "llm", "end"], trace.Select(t => t.NodeName));
        Assert.Contains(trace.Single(t => t.NodeName == "llm").Notes, n => n.Contains("update_user_data"));
        // The wire: five chat-completion calls; the LLM node's were streamed and offered the tool.
        var requests = _openAi.Requests;
        Assert.Equal(5, requests.Count);
        Assert.All(requests, r => Assert.Equal("/v1/chat/completions", r.Path));
        Assert.True(requests[3].Body["stream"]?.GetValue<bool>());
        Assert.Contains("ocs-update_user_data", requests[3].Body["tools"]!.ToJsonString());
        var userMessage = requests[3].Body["messages"]!.AsArray().Last(m => m!["role"]!.GetValue<string>() == "user")!["content"]!;
        Assert.Equal("Issue from Ada: {\"issue\":\"wifi drops\"}", Text(userMessage));
        // The email went out over SMTP.
        var mail = Assert.Single(_smtp.Messages);
        Assert.Equal("ops@example.test", mail.To);
        Assert.Equal("New issue", mail.Parse().Subject);
        // Participant data (from the extractor and the tool) and session state (from the code) persisted.
        await using var check = await _host.Get<IDbContextFactory<AppDbContext>>().CreateForTeamAsync(_admin.TeamId, default);
        var data = _host.Get<ParticipantDataProtector>().Unprotect(
            (await check.ParticipantData.SingleAsync(d => d.ParticipantId == participant.Id && d.ChatbotId == chatbotId)).ProtectedData);
        Assert.Equal("Ada", data["name"]!.GetValue<string>());
        Assert.Equal("tea", data["drink"]!.GetValue<string>());
        Assert.Equal("{\"visits\":1}", (await check.ChatSessions.SingleAsync(s => s.Id == session.SessionId)).StateJson);
        var usage = await check.UsageRecords.Where(u => u.SessionId == session.SessionId).ToListAsync();
        Assert.Equal(5, usage.Count);
        Assert.All(usage, u => Assert.Equal(FakeLlmServer.PromptTokens, u.InputTokens));
        var storedTrace = await check.RunTraces.SingleAsync(t => t.SessionId == session.SessionId);
        Assert.Equal(5 * FakeLlmServer.CompletionTokens, storedTrace.OutputTokens);
        Assert.Null(storedTrace.Error);
    }

    [Fact]
    public async Task Runtime_MessageWithAttachments_ReachesCodeAndTheModel()
    {
        var provider = (await _host.Get<ProviderService>().CreateAsync(_admin,
            new ProviderInput("OpenAI", LlmProviderType.OpenAI, _openAi.BaseUri.ToString(), "sk-test-123456"), default)).Value!;
        var graph = PipelineGraphBuilder.WithStartAndEnd()
            .Node("code", "CodeNode", new { code = "function main(input) { const files = get_temp_state_key('attachments'); return input + ' [' + files.map(f => f.name + ':' + f.size).join(',') + '] ' + read_attachment_text(files[0]); }" })
            .Node("llm", "LLMResponseWithPrompt", new { llm_provider_id = provider.Id, llm_model = "gpt-4o-mini", history_type = "none" })
            .Connect("start -> code", "code -> llm", "llm -> end").Build();
        Guid chatbotId;
        await using (var db = await _host.Get<IDbContextFactory<AppDbContext>>().CreateForTeamAsync(_admin.TeamId, default))
        {
            var bot = new Chatbot(_admin.TeamId, "Files", graph);
            db.Chatbots.Add(bot);
            await db.SaveChangesAsync();
            chatbotId = bot.Id;
        }
        var runtime = _host.Get<ChatRuntime>();
        var participant = await runtime.GetOrCreateParticipantAsync(_admin.TeamId, "api", "files@example.test", null, null, default);
        var session = await runtime.StartSessionAsync(_admin.TeamId, chatbotId, participant.Id, "api", null, default);
        byte[] png = [0x89, 0x50, 0x4E, 0x47, 0x0D, 0x0A, 0x1A, 0x0A, 7];
        var saved = (await _host.Get<ChatAttachmentStore>().SaveAsync(_admin.TeamId, session.SessionId,
            [new UploadedFile("notes.txt", "text/plain", System.Text.Encoding.UTF8.GetBytes("Meeting at 10am")), new UploadedFile("photo.png", "image/png", png)], default)).Value!;
        _openAi.Enqueue(FakeReply.Say("You have a meeting at 10am."));

        var turn = await runtime.SendAsync(_admin.TeamId, session.SessionId, "What is in my files?", null, default,
            new InboundDetails(Guid.NewGuid(), saved.Select(f => f.Id).ToList(), null));

        Assert.True(turn.Succeeded, turn.Error);
        Assert.Equal("You have a meeting at 10am.", turn.Reply!.Content);
        var codeOutput = "What is in my files? [notes.txt:15,photo.png:9] Meeting at 10am";
        var content = Assert.Single(_openAi.Requests).Body["messages"]!.AsArray().Last(m => m!["role"]!.GetValue<string>() == "user")!["content"]!.AsArray();
        Assert.StartsWith(codeOutput + "\n\n--- Attached file: notes.txt (text/plain) ---\nMeeting at 10am\n--- End of notes.txt ---", content[0]!["text"]!.GetValue<string>());
        Assert.Equal("data:image/png;base64," + Convert.ToBase64String(png), content[1]!["image_url"]!["url"]!.GetValue<string>());
    }

    [Fact]
    public async Task Runtime_ProviderRateLimitsForever_TracesClearError_KeepsMessage_RetryWorksLater()
    {
        var provider = (await _host.Get<ProviderService>().CreateAsync(_admin,
            new ProviderInput("Flaky", LlmProviderType.OpenAICompatible, _openAi.BaseUri.ToString(), "sk-test-123456"), default)).Value!;
        var graph = PipelineGraphBuilder.WithStartAndEnd()
            .Node("llm", "LLMResponseWithPrompt", new { llm_provider_id = provider.Id, llm_model = "gpt-4o-mini", history_type = "none" })
            .Connect("start -> llm", "llm -> end").Build();
        Guid chatbotId;
        await using (var db = await _host.Get<IDbContextFactory<AppDbContext>>().CreateForTeamAsync(_admin.TeamId, default))
        {
            var bot = new Chatbot(_admin.TeamId, "Flaky bot", graph);
            db.Chatbots.Add(bot);
            await db.SaveChangesAsync();
            chatbotId = bot.Id;
        }
        var runtime = _host.Get<ChatRuntime>();
        var participant = await runtime.GetOrCreateParticipantAsync(_admin.TeamId, "web", "bo@example.test", null, null, default);
        var session = await runtime.StartSessionAsync(_admin.TeamId, chatbotId, participant.Id, "web", null, default);
        _openAi.Enqueue(FakeReply.Fail(429), FakeReply.Fail(429), FakeReply.Fail(429));

        var failed = await runtime.SendAsync(_admin.TeamId, session.SessionId, "hello?", null, default);

        Assert.False(failed.Succeeded);
        Assert.Contains("429", failed.Error);
        Assert.Equal(["hello?"], (await runtime.GetTranscriptAsync(_admin.TeamId, session.SessionId, default)).Select(m => m.Content));

        _openAi.Enqueue(FakeReply.Say("Sorry for the wait!"));
        var retried = await runtime.RetryAsync(_admin.TeamId, session.SessionId, null, default);
        Assert.Equal("Sorry for the wait!", retried.Reply!.Content);
    }

    [Fact]
    public async Task Providers_KeyIsEncryptedAtRest_AndNeverReturned()
    {
        var created = (await _host.Get<ProviderService>().CreateAsync(_admin,
            new ProviderInput("Secret", LlmProviderType.OpenAI, null, "sk-very-secret-key-9876"), default)).Value!;

        Assert.Equal("…9876", created.KeyHint);
        await using var db = await _host.Get<IDbContextFactory<AppDbContext>>().CreateForTeamAsync(_admin.TeamId, default);
        var row = await db.LlmProviders.SingleAsync(p => p.Id == created.Id);
        Assert.DoesNotContain("sk-very-secret", row.ProtectedApiKey);
        var listed = await _host.Get<ProviderService>().ListAsync(_admin, default);
        Assert.Equal(OfflineModel.ProviderId, listed[0].Id);
        Assert.DoesNotContain("sk-very-secret", System.Text.Json.JsonSerializer.Serialize(listed));
    }

    [Theory]
    [InlineData(LlmProviderType.OpenAICompatible, null, "sk", "need a base URL")]
    [InlineData(LlmProviderType.OpenAI, "ftp://x", "sk", "absolute http(s)")]
    [InlineData(LlmProviderType.Anthropic, null, null, "Enter the API key")]
    [InlineData(LlmProviderType.Offline, null, null, "Choose a provider type")]
    public async Task Providers_InvalidInput_IsRefusedClearly(LlmProviderType type, string? baseUrl, string? key, string message)
    {
        var result = await _host.Get<ProviderService>().CreateAsync(_admin, new ProviderInput("P", type, baseUrl, key), default);
        Assert.False(result.Succeeded);
        Assert.Contains(message, result.Error);
    }

    [Fact]
    public async Task Providers_ViewerCannotManage_AndUsedProviderCannotBeDeleted()
    {
        var service = _host.Get<ProviderService>();
        var provider = (await service.CreateAsync(_admin, new ProviderInput("Used", LlmProviderType.Ollama, null, null), default)).Value!;
        Assert.False((await service.CreateAsync(_admin with { Role = TeamRole.Viewer }, new ProviderInput("X", LlmProviderType.Ollama, null, null), default)).Succeeded);
        await using (var db = await _host.Get<IDbContextFactory<AppDbContext>>().CreateForTeamAsync(_admin.TeamId, default))
        {
            db.Chatbots.Add(new Chatbot(_admin.TeamId, "Uses it", PipelineGraphBuilder.WithStartAndEnd()
                .Node("llm", "LLMResponseWithPrompt", new { llm_provider_id = provider.Id, llm_model = "llama3" }).Connect("start -> llm", "llm -> end").Build()));
            await db.SaveChangesAsync();
        }

        var deleted = await service.DeleteAsync(_admin, provider.Id, default);

        Assert.False(deleted.Succeeded);
        Assert.Contains("Uses it", deleted.Error);
    }

    [Fact]
    public async Task CustomModels_AreOfferedFirst_ValidatedAndUsedForLimits()
    {
        var service = _host.Get<ProviderService>();
        var provider = (await service.CreateAsync(_admin, new ProviderInput("Local", LlmProviderType.Ollama, null, null), default)).Value!;

        var added = await service.AddCustomModelAsync(_admin, new CustomModelInput(LlmProviderType.Ollama, "my-finetune", 4096, 0.5m, 1m), default);
        var duplicate = await service.AddCustomModelAsync(_admin, new CustomModelInput(LlmProviderType.Ollama, "my-finetune", 4096, 0, 0), default);
        var tiny = await service.AddCustomModelAsync(_admin, new CustomModelInput(LlmProviderType.Ollama, "tiny", 10, 0, 0), default);
        var models = await service.ModelsAsync(_admin, provider.Id, default);
        var binding = await _host.Get<ILlmResolverFactory>().ForTeam(_admin.TeamId).ResolveAsync(provider.Id, "my-finetune", default);

        Assert.True(added.Succeeded, added.Error);
        Assert.Contains("already has a model", duplicate.Error);
        Assert.Contains("context window", tiny.Error);
        Assert.Equal("my-finetune", models[0].Name);
        Assert.True(models.Count > 1);
        Assert.Equal(4096, binding.Model.ContextWindow);
        Assert.Equal(1.5m, binding.Model.CostOf(1_000_000, 1_000_000));
    }

    [Fact]
    public async Task OfflineModel_IsTheDefaultProvider_AndAnswersWithoutNetwork()
    {
        var graph = PipelineGraphBuilder.WithStartAndEnd().Node("llm", "LLMResponseWithPrompt", new { history_type = "none" }).Connect("start -> llm", "llm -> end").Build();
        await using (var db = await _host.Get<IDbContextFactory<AppDbContext>>().CreateForTeamAsync(_admin.TeamId, default))
        {
            db.Chatbots.Add(new Chatbot(_admin.TeamId, "Offline", graph));
            await db.SaveChangesAsync();
        }
        await using var read = await _host.Get<IDbContextFactory<AppDbContext>>().CreateForTeamAsync(_admin.TeamId, default);
        var bot = await read.Chatbots.SingleAsync(c => c.Name == "Offline");
        var runtime = _host.Get<ChatRuntime>();
        var participant = await runtime.GetOrCreateParticipantAsync(_admin.TeamId, "web", "off@example.test", null, null, default);
        var session = await runtime.StartSessionAsync(_admin.TeamId, bot.Id, participant.Id, "web", null, default);

        var turn = await runtime.SendAsync(_admin.TeamId, session.SessionId, "Is anyone there?", null, default);

        Assert.StartsWith(OfflineModel.ReplyPrefix, turn.Reply!.Content);
        Assert.Contains("Is anyone there?", turn.Reply.Content);
        Assert.Empty(_openAi.Requests);
    }

    /// <summary>A chat message's content: a string, or an array of text parts.</summary>
    private static string Text(JsonNode content) =>
        content is JsonValue v ? v.GetValue<string>() : string.Concat(content.AsArray().Select(p => p?["text"]?.GetValue<string>()));

    private static JsonObject Merge(object a, object b)
    {
        var left = (JsonObject)System.Text.Json.JsonSerializer.SerializeToNode(a, OpenChatStudio.Core.Pipelines.Graph.PipelineGraph.JsonOptions)!;
        foreach (var (key, value) in (JsonObject)System.Text.Json.JsonSerializer.SerializeToNode(b, OpenChatStudio.Core.Pipelines.Graph.PipelineGraph.JsonOptions)!)
        {
            left[key] = value?.DeepClone();
        }
        return left;
    }
}
