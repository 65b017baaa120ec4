using System.Text.Json.Nodes;
using Microsoft.SemanticKernel.ChatCompletion;
using OpenChatStudio.Core.Pipelines.Execution;
using OpenChatStudio.Core.Pipelines.Graph;
using OpenChatStudio.Tests.TestSupport.Fakes;
using OpenChatStudio.Tests.TestSupport.Pipelines;
using OpenChatStudio.Tests.TestSupport;

namespace OpenChatStudio.Tests.Core.Pipelines.Nodes;

[Trait(TestLayers.Trait, TestLayers.Unit)]
public class LlmNodeTests
{
    private static readonly Guid Provider = Guid.Parse("11111111-2222-3333-4444-555555555555");
    private readonly ScriptedChatService _llm = new();
    private readonly EngineHarness _engine;

    public LlmNodeTests() => _engine = new EngineHarness(new ScriptedLlmResolver(ScriptedChatService.Bind(_llm, inputPerMillion: 1_000_000, outputPerMillion: 2_000_000)));

    private static object Llm(string prompt = "Be brief.", string history = "none", int maxHistory = 10, string[]? tools = null, string mode = "max_history_length", int? tokenLimit = null) =>
        new { llm_provider_id = Provider, llm_model = "gpt-test", prompt, history_type = history, max_history_length = maxHistory, tools = tools ?? [], history_mode = mode, user_max_token_limit = tokenLimit };

    private static PipelineGraph SingleLlm(object parameters) =>
        PipelineGraphBuilder.WithStartAndEnd().Node("llm", "LLMResponseWithPrompt", parameters).Connect("start -> llm", "llm -> end").Build();

    [Fact]
    public async Task Llm_PromptVariables_AreFilled_AndReplyUsageAndCostTraced()
    {
        _llm.Reply("Hello Ada!");
        var state = new PipelineRunState("hi", new JsonObject { ["name"] = "Ada" });

        var result = await _engine.RunAsync(SingleLlm(Llm("Known: {participant_data}. Braces: {{literal}}.")), "hi", state);

        Assert.True(result.Succeeded, result.Error);
        Assert.Equal("Hello Ada!", result.Reply);
        var sent = _llm.Requests.Single().History;
        Assert.Equal("Known: {\"name\":\"Ada\"}. Braces: {literal}.", sent[0].Content);
        Assert.Equal(AuthorRole.User, sent[^1].Role);
        Assert.Equal("hi", sent[^1].Content);
        var trace = result.Trace.Single(t => t.NodeName == "llm");
        Assert.True(trace.InputTokens > 0 && trace.OutputTokens > 0);
        Assert.Equal(trace.InputTokens + 2 * trace.OutputTokens, trace.Cost);
    }

    [Fact]
    public async Task Llm_GlobalHistory_SendsEarlierTurns_LimitedByMaxLength()
    {
        var session = Guid.NewGuid();
        var key = new HistoryKey(session, HistoryType.Global, "");
        await _engine.History.AppendAsync(key, new HistoryTurn("first question", "first answer"), default);
        await _engine.History.AppendAsync(key, new HistoryTurn("second question", "second answer"), default);
        _llm.Reply("ok");

        await _engine.RunAsync(SingleLlm(Llm(history: "global", maxHistory: 1)), "third", context: new PipelineRunContext(SessionId: session));

        var contents = _llm.Requests.Single().History.Select(m => m.Content).ToList();
        Assert.Equal(["Be brief.", "second question", "second answer", "third"], contents);
    }

    [Fact]
    public async Task Llm_NodeHistory_RemembersItsOwnExchangesAcrossRuns()
    {
        var context = new PipelineRunContext(SessionId: Guid.NewGuid());
        _llm.Reply("A1", "A2");
        var graph = SingleLlm(Llm(history: "node"));

        await _engine.RunAsync(graph, "Q1", context: context);
        await _engine.RunAsync(graph, "Q2", context: context);

        Assert.Equal(["Be brief.", "Q1", "A1", "Q2"], _llm.Requests[1].History.Select(m => m.Content));
    }

    [Fact]
    public async Task Llm_TruncateTokens_DropsOldestTurnsToFit()
    {
        var session = Guid.NewGuid();
        var key = new HistoryKey(session, HistoryType.Global, "");
        for (var i = 0; i < 10; i++)
        {
            await _engine.History.AppendAsync(key, new HistoryTurn(new string('q', 400) + i, new string('a', 400) + i), default);
        }
        _llm.Reply("ok");

        await _engine.RunAsync(SingleLlm(Llm(history: "global", mode: "truncate_tokens", tokenLimit: 500)), "now", context: new PipelineRunContext(SessionId: session));

        var sent = _llm.Requests.Single().History;
        Assert.True(sent.Count < 21 && sent.Count >= 3);
        Assert.EndsWith("9", sent[^2].Content);
        Assert.Equal("now", sent[^1].Content);
    }

    [Fact]
    public async Task Llm_TruncateTokens_CountsTheAttachedFilesText()
    {
        var session = Guid.NewGuid();
        var key = new HistoryKey(session, HistoryType.Global, "");
        for (var i = 0; i < 5; i++)
        {
            await _engine.History.AppendAsync(key, new HistoryTurn(new string('q', 400), new string('a', 400)), default);
        }
        var graph = SingleLlm(Llm(history: "global", mode: "truncate_tokens", tokenLimit: 500));
        _llm.Reply("without", "with");

        await _engine.RunAsync(graph, "now", context: new PipelineRunContext(SessionId: session));
        var file = System.Text.Encoding.UTF8.GetBytes(new string('f', 1_200));
        var withFile = new PipelineRunState("now") { Attachments = [new PipelineAttachment(1, "notes.txt", "text/plain", file.Length, file)] };
        await _engine.RunAsync(graph, "now", withFile, context: new PipelineRunContext(SessionId: session));

        // ≈ 200 tokens a turn: two fit beside a short message, none beside ≈ 300 tokens of attached text.
        Assert.Equal(6, _llm.Requests[0].History.Count);
        var sent = _llm.Requests[1].History;
        Assert.Equal(2, sent.Count);
        Assert.Contains("--- Attached file: notes.txt", sent[^1].Items.OfType<Microsoft.SemanticKernel.TextContent>().Single().Text);
    }

    [Fact]
    public async Task Llm_Summarize_ReplacesOlderTurnsWithSummary()
    {
        var session = Guid.NewGuid();
        var key = new HistoryKey(session, HistoryType.Global, "");
        for (var i = 0; i < 6; i++)
        {
            await _engine.History.AppendAsync(key, new HistoryTurn(new string('q', 600), new string('a', 600)), default);
        }
        _llm.Reply("They talked about q and a.", "final");

        var result = await _engine.RunAsync(SingleLlm(Llm(history: "global", mode: "summarize", tokenLimit: 600)), "now", context: new PipelineRunContext(SessionId: session));

        Assert.Equal("final", result.Reply);
        Assert.Equal(2, _llm.Requests.Count);
        var main = _llm.Requests[1].History;
        Assert.Contains("Summary of the earlier conversation: They talked about q and a.", main[0].Content);
        Assert.Equal(6, main.Count); // system + 2 kept turns + input
    }

    [Fact]
    public async Task Llm_ToolCall_UpdatesParticipantData_ThenAnswers()
    {
        _llm.CallTool("update_user_data", new { key = "name", value = "Ada" }).Reply("Nice to meet you, Ada.");

        var result = await _engine.RunAsync(SingleLlm(Llm(tools: ["update-user-data", "end-session"])), "I'm Ada");

        Assert.Equal("Nice to meet you, Ada.", result.Reply);
        Assert.Equal("Ada", result.State.GetParticipantData("name")!.GetValue<string>());
        Assert.True(result.State.ParticipantDataChanged);
        Assert.Equal(["ocs-end_session", "ocs-update_user_data"], _llm.Requests[0].ToolNames.Order());
        var note = Assert.Single(result.Trace.Single(t => t.NodeName == "llm").Notes);
        Assert.Contains("update_user_data", note);
        Assert.Contains(_llm.Requests[1].History, m => m.Items.OfType<Microsoft.SemanticKernel.FunctionResultContent>().Any());
    }

    [Fact]
    public async Task Llm_EndSessionTool_SetsIntent()
    {
        _llm.CallTool("end_session", new { }).Reply("Goodbye!");
        var result = await _engine.RunAsync(SingleLlm(Llm(tools: ["end-session"])), "bye");
        Assert.True(result.State.HasIntent(PipelineRunState.EndSessionIntent));
        Assert.Equal("Goodbye!", result.Reply);
    }

    [Fact]
    public async Task Llm_ToolsNotEnabled_AreNotOffered()
    {
        _llm.Reply("plain");
        await _engine.RunAsync(SingleLlm(Llm()), "x");
        Assert.False(_llm.Requests.Single().ToolsOffered);
    }

    [Fact]
    public async Task Llm_FeedingEnd_StreamsTokensThatMakeTheReply()
    {
        _llm.Reply("Streaming works fine.");
        var chunks = new List<string>();

        var result = await _engine.RunAsync(SingleLlm(Llm()), "x", onToken: t => { chunks.Add(t); return ValueTask.CompletedTask; });

        Assert.True(chunks.Count > 3);
        Assert.Equal(result.Reply, string.Concat(chunks));
    }

    [Fact]
    public async Task Llm_NotFeedingEndDirectly_DoesNotStream()
    {
        _llm.Reply("inner");
        var graph = PipelineGraphBuilder.WithStartAndEnd().Node("llm", "LLMResponseWithPrompt", Llm())
            .Node("tpl", "RenderTemplate", new { template_string = "[{{ input }}]" }).Connect("start -> llm", "llm -> tpl", "tpl -> end").Build();
        var chunks = new List<string>();

        var result = await _engine.RunAsync(graph, "x", onToken: t => { chunks.Add(t); return ValueTask.CompletedTask; });

        Assert.Equal("[inner]", result.Reply);
        Assert.Empty(chunks);
    }

    [Theory]
    [InlineData("{\"route\": \"FR\"}", "fr")]
    [InlineData("Sure! ```json\n{\"route\":\"en\"}\n```", "en")]
    [InlineData("I cannot help with that.", "en")]
    [InlineData("{\"route\": \"DE\"}", "en")]
    public async Task Router_PicksRouteFromModel_OrDefault(string modelReply, string expectedBranch)
    {
        _llm.Reply(modelReply);
        var graph = PipelineGraphBuilder.WithStartAndEnd()
            .Node("router", "RouterNode", new { llm_provider_id = Provider, llm_model = "m", prompt = "Language?", keywords = new[] { "EN", "FR" }, default_keyword_index = 0, tag_output_message = true })
            .Node("en", "RenderTemplate", new { template_string = "en" })
            .Node("fr", "RenderTemplate", new { template_string = "fr" })
            .Connect("start -> router", "router:output_0 -> en", "router:output_1 -> fr", "en -> end", "fr -> end").Build();

        var result = await _engine.RunAsync(graph, "bonjour");

        Assert.Equal(expectedBranch, result.Reply);
        Assert.Contains(result.State.MessageTags, t => t.Tag == expectedBranch.ToUpperInvariant());
        var system = _llm.Requests.Single().History[0].Content!;
        Assert.Contains("Respond with only a JSON object that matches this JSON schema:", system);
        Assert.Contains("\"enum\":[\"EN\",\"FR\"]", system);
    }

    [Fact]
    public async Task ExtractStructuredData_OutputsModelJson()
    {
        _llm.Reply("{\"name\": \"Ada\", \"age\": null}");
        var graph = PipelineGraphBuilder.WithStartAndEnd()
            .Node("extract", "ExtractStructuredData", new { llm_provider_id = Provider, llm_model = "m", data_schema = "{\"name\": \"their name\", \"age\": \"their age\"}" })
            .Connect("start -> extract", "extract -> end").Build();

        var result = await _engine.RunAsync(graph, "I am Ada");

        Assert.Equal("{\"name\":\"Ada\",\"age\":null}", result.Reply);
        Assert.Contains("\"age\":{\"type\":[\"string\",\"null\"]", _llm.Requests.Single().History[0].Content);
    }

    [Fact]
    public async Task UpdateParticipantData_MergesFoundFields_UnderKeyName_PassesInputOn()
    {
        _llm.Reply("{\"city\": \"Lima\", \"age\": null}");
        var graph = PipelineGraphBuilder.WithStartAndEnd()
            .Node("update", "ExtractParticipantData", new { llm_provider_id = Provider, llm_model = "m", data_schema = "{\"city\": \"where they live\", \"age\": \"age\"}", key_name = "profile" })
            .Connect("start -> update", "update -> end").Build();
        var state = new PipelineRunState("I live in Lima", new JsonObject { ["profile"] = new JsonObject { ["name"] = "Ada" } });

        var result = await _engine.RunAsync(graph, "I live in Lima", state);

        Assert.Equal("I live in Lima", result.Reply);
        Assert.Equal("{\"name\":\"Ada\",\"city\":\"Lima\"}", result.State.GetParticipantData("profile")!.ToJsonString());
    }

    [Fact]
    public async Task UpdateParticipantData_ModelWithoutJson_FailsClearly()
    {
        _llm.Reply("I don't know.");
        var graph = PipelineGraphBuilder.WithStartAndEnd()
            .Node("update", "ExtractParticipantData", new { llm_provider_id = Provider, llm_model = "m", data_schema = "{\"city\": \"city\"}" })
            .Connect("start -> update", "update -> end").Build();

        var result = await _engine.RunAsync(graph, "hi");

        Assert.Equal("update", result.FailedNodeId);
        Assert.Contains("did not answer with JSON", result.Error);
    }

    [Fact]
    public void Validation_ReportsUnknownVariableToolSchemaAndProvider()
    {
        var graph = PipelineGraphBuilder.WithStartAndEnd()
            .Node("llm", "LLMResponseWithPrompt", new { llm_provider_id = Guid.Empty, llm_model = "m", prompt = "Hi {user_name}", tools = new[] { "teleport" } })
            .Node("extract", "ExtractStructuredData", new { llm_provider_id = Provider, llm_model = "m", data_schema = "[1,2]" })
            .Connect("start -> llm", "llm -> extract", "extract -> end").Build();

        var errors = new GraphValidator(_engine.Registry).Validate(graph);

        Assert.Contains(errors, e => e is { NodeId: "llm", Field: "llm_provider_id" });
        Assert.Contains(errors, e => e is { NodeId: "llm", Field: "prompt" } && e.Message.Contains("{user_name}"));
        Assert.Contains(errors, e => e is { NodeId: "llm", Field: "tools" } && e.Message.Contains("teleport"));
        Assert.Contains(errors, e => e is { NodeId: "extract", Field: "data_schema" });
    }
}
