using Microsoft.SemanticKernel;
using Microsoft.SemanticKernel.ChatCompletion;
using OpenChatStudio.Core.Llm;
using OpenChatStudio.Tests.TestSupport.Fakes;
using OpenChatStudio.Tests.TestSupport.Pipelines;
using OpenChatStudio.Tests.TestSupport;

namespace OpenChatStudio.Tests.Core.Llm;

/// <summary>SK's OpenAI connector, as <see cref="ChatServiceFactory"/> wires it, against a real local OpenAI-speaking server.</summary>
[Trait(TestLayers.Trait, TestLayers.Unit)]
public sealed class OpenAiProviderTests : IAsyncLifetime
{
    private FakeOpenAiServer _server = null!;
    private readonly ChatServiceFactory _factory = LlmTestKit.Factory();

    public async Task InitializeAsync() => _server = await FakeOpenAiServer.StartAsync();

    public async Task DisposeAsync()
    {
        await _server.DisposeAsync();
        _factory.Dispose();
    }

    private LlmProviderSettings Settings(string? key = "sk-test-secret") =>
        new(LlmProviderType.OpenAICompatible, _server.BaseUri.ToString(), key);

    private IChatCompletionService Chat(ChatServiceFactory? factory = null) => (factory ?? _factory).Create(Settings(), "gpt-4o-mini");

    [Fact]
    public async Task OpenAi_PlainReply_ReturnsServerText()
    {
        _server.Enqueue(FakeReply.Say("Hello there, builder."));

        var reply = await Chat().GetChatMessageContentAsync(LlmTestKit.Ask("Hi"), kernel: null, cancellationToken: CancellationToken.None);

        Assert.Equal("Hello there, builder.", reply.Content);
        var request = Assert.Single(_server.Requests);
        Assert.Equal("/v1/chat/completions", request.Path);
        Assert.Equal("gpt-4o-mini", request.Body["model"]!.GetValue<string>());
        Assert.Equal("Bearer sk-test-secret", request.Header("authorization"));
    }

    [Fact]
    public async Task OpenAi_Streaming_ArrivesInSeveralChunksThatConcatenate()
    {
        _server.Enqueue(FakeReply.Say("Streaming works in pieces."));

        var (text, chunks) = await LlmTestKit.StreamAsync(Chat(), LlmTestKit.Ask("Stream please"));

        Assert.Equal("Streaming works in pieces.", text);
        Assert.True(chunks.Count(c => !string.IsNullOrEmpty(c.Content)) >= 5, $"only {chunks.Count} chunks");
    }

    [Fact]
    public async Task OpenAi_ToolCall_SurfacesAsFunctionCallContentAndSendsSchema()
    {
        _server.Enqueue(FakeReply.CallTool("""{"city":"Paris"}""", "weather-get_weather"));
        var kernel = LlmTestKit.KernelWithWeather();

        var reply = await Chat().GetChatMessageContentAsync(LlmTestKit.Ask("Weather in Paris?"), LlmTestKit.ManualTools(), kernel, CancellationToken.None);

        var call = Assert.Single(FunctionCallContent.GetFunctionCalls(reply));
        Assert.Equal("weather", call.PluginName);
        Assert.Equal("get_weather", call.FunctionName);
        Assert.Equal("Paris", call.Arguments!["city"]?.ToString());
        var tools = _server.Requests[0].Body["tools"]!.AsArray();
        var weather = tools.Single(t => t!["function"]!["name"]!.GetValue<string>() == "weather-get_weather")!;
        Assert.Equal("string", weather["function"]!["parameters"]!["properties"]!["city"]!["type"]!.GetValue<string>());
    }

    [Fact]
    public async Task OpenAi_StreamingToolCall_BuilderReassemblesTheCall()
    {
        _server.Enqueue(FakeReply.CallTool("""{"city":"Lima","days":3}""", "weather-get_forecast"));
        var kernel = LlmTestKit.KernelWithWeather();

        var (_, chunks) = await LlmTestKit.StreamAsync(Chat(), LlmTestKit.Ask("Forecast for Lima"), LlmTestKit.ManualTools(), kernel);

        var builder = new FunctionCallContentBuilder();
        chunks.ForEach(builder.Append);
        var call = Assert.Single(builder.Build());
        Assert.Equal("weather", call.PluginName);
        Assert.Equal("get_forecast", call.FunctionName);
        Assert.Equal("Lima", call.Arguments!["city"]?.ToString());
        Assert.Equal("3", call.Arguments["days"]?.ToString());
        Assert.True(chunks.Count(c => c.Items.OfType<StreamingFunctionCallUpdateContent>().Any()) > 1);
    }

    [Fact]
    public async Task OpenAi_ToolResultRoundTrip_ProducesFinalText()
    {
        _server.Enqueue(FakeReply.CallTool("""{"city":"Oslo"}""", "weather-get_weather"));
        var kernel = LlmTestKit.KernelWithWeather();
        var history = LlmTestKit.Ask("Weather in Oslo?");
        var chat = Chat();

        var first = await chat.GetChatMessageContentAsync(history, LlmTestKit.ManualTools(), kernel, CancellationToken.None);
        history.Add(first);
        foreach (var call in FunctionCallContent.GetFunctionCalls(first))
        {
            history.Add((await call.InvokeAsync(kernel, CancellationToken.None)).ToChatMessage());
        }
        var final = await chat.GetChatMessageContentAsync(history, LlmTestKit.ManualTools(), kernel, CancellationToken.None);

        Assert.Equal("Tool said: Sunny in Oslo", final.Content);
        var sent = _server.Requests[1].Body["messages"]!.AsArray();
        Assert.Equal("tool", sent[^1]!["role"]!.GetValue<string>());
        Assert.Equal("call_1", sent[^1]!["tool_call_id"]!.GetValue<string>());
        Assert.Equal("weather-get_weather", sent[^2]!["tool_calls"]![0]!["function"]!["name"]!.GetValue<string>());
    }

    [Fact]
    public async Task OpenAi_RateLimitedTwiceThenOk_SucceedsOnTheThirdRequest()
    {
        _server.Enqueue(FakeReply.Fail(429), FakeReply.Fail(429), FakeReply.Say("finally"));

        var reply = await Chat().GetChatMessageContentAsync(LlmTestKit.Ask("Hi"), kernel: null, cancellationToken: CancellationToken.None);

        Assert.Equal("finally", reply.Content);
        Assert.Equal(3, _server.Requests.Count);
    }

    [Fact]
    public async Task OpenAi_ServerErrorOnce_IsRetried()
    {
        _server.Enqueue(FakeReply.Fail(503), FakeReply.Say("recovered"));

        var reply = await Chat().GetChatMessageContentAsync(LlmTestKit.Ask("Hi"), kernel: null, cancellationToken: CancellationToken.None);

        Assert.Equal("recovered", reply.Content);
        Assert.Equal(2, _server.Requests.Count);
    }

    [Fact]
    public async Task OpenAi_RateLimitedForever_ThrowsTransientRateLimitErrorAfterThreeAttempts()
    {
        _server.Enqueue(FakeReply.FailAlways(429));

        var error = await Assert.ThrowsAsync<LlmProviderException>(() =>
            Chat().GetChatMessageContentAsync(LlmTestKit.Ask("Hi"), kernel: null, cancellationToken: CancellationToken.None));

        Assert.True(error.IsTransient);
        Assert.Equal(429, error.StatusCode);
        Assert.Equal("The provider is rate limiting requests (429) and still refused after 3 attempts.", error.UserMessage);
        Assert.Equal(3, _server.Requests.Count);
    }

    [Fact]
    public async Task OpenAi_RateLimitedForeverWhileStreaming_ThrowsTheSameError()
    {
        _server.Enqueue(FakeReply.FailAlways(429));

        var error = await Assert.ThrowsAsync<LlmProviderException>(() => LlmTestKit.StreamAsync(Chat(), LlmTestKit.Ask("Hi")));

        Assert.Equal(429, error.StatusCode);
        Assert.Equal(3, _server.Requests.Count);
    }

    [Fact]
    public async Task OpenAi_RetryAfterHeader_IsWaitedFor()
    {
        _server.Enqueue(FakeReply.Fail(429, retryAfter: "1"), FakeReply.Say("after waiting"));
        var time = new RecordingTimeProvider();
        using var factory = LlmTestKit.Factory(time: time);

        var reply = await Chat(factory).GetChatMessageContentAsync(LlmTestKit.Ask("Hi"), kernel: null, cancellationToken: CancellationToken.None);

        Assert.Equal("after waiting", reply.Content);
        // The retry waited for the server's Retry-After (1 s), not the 10 ms base back-off: read from the timer it set.
        Assert.Contains(TimeSpan.FromSeconds(1), time.Timers);
        Assert.Equal(2, _server.Requests.Count);
    }

    [Fact]
    public async Task OpenAi_Unauthorized_ThrowsKeyMessageWithoutRetryOrLeakingTheKey()
    {
        _server.Enqueue(FakeReply.Fail(401, """{"error":{"message":"Incorrect API key provided: sk-test-secret"}}"""));

        var error = await Assert.ThrowsAsync<LlmProviderException>(() =>
            Chat().GetChatMessageContentAsync(LlmTestKit.Ask("Hi"), kernel: null, cancellationToken: CancellationToken.None));

        Assert.Equal("The provider rejected the API key (401). Check the key in Providers.", error.UserMessage);
        Assert.False(error.IsTransient);
        Assert.Equal(401, error.StatusCode);
        Assert.Single(_server.Requests);
        Assert.DoesNotContain("sk-test-secret", error.ToString(), StringComparison.Ordinal);
    }

    [Fact]
    public async Task OpenAi_UnknownModel_SaysStatusAndHint_NeverTheBody_WhichStaysForTheLog()
    {
        _server.Enqueue(FakeReply.Fail(404, """{"error":{"message":"The model gpt-9 does not exist"}}"""));

        var error = await Assert.ThrowsAsync<LlmProviderException>(() =>
            Chat().GetChatMessageContentAsync(LlmTestKit.Ask("Hi"), kernel: null, cancellationToken: CancellationToken.None));

        // A base URL may point at an internal service: what it answers is not echoed to the person testing it.
        Assert.Equal("The provider does not know this model or address (404). Check the model name and the base URL.", error.UserMessage);
        Assert.Contains("The model gpt-9 does not exist", error.ProviderDetail);
        Assert.Single(_server.Requests);
    }

    [Fact]
    public async Task OpenAi_ServerSlowerThanTimeout_ThrowsTimeoutMessage()
    {
        using var factory = LlmTestKit.Factory(timeoutSeconds: 0.5);
        _server.Enqueue(FakeReply.Say("too late") with { Delay = TimeSpan.FromSeconds(5) });

        // Without the timeout the call would succeed with "too late" after 5 s: the exception and its message are the proof.
        var error = await Assert.ThrowsAsync<LlmProviderException>(() =>
            Chat(factory).GetChatMessageContentAsync(LlmTestKit.Ask("Hi"), kernel: null, cancellationToken: CancellationToken.None));

        Assert.Equal("The provider did not answer within 0.5 s.", error.UserMessage);
        Assert.True(error.IsTransient);
    }

    [Fact]
    public async Task OpenAi_StreamFirstChunkLaterThanTimeout_ThrowsTimeoutMessage()
    {
        using var factory = LlmTestKit.Factory(timeoutSeconds: 0.5);
        _server.Enqueue(FakeReply.Say("too late") with { FirstChunkDelay = TimeSpan.FromSeconds(5) });

        var error = await Assert.ThrowsAsync<LlmProviderException>(() => LlmTestKit.StreamAsync(Chat(factory), LlmTestKit.Ask("Hi")));

        Assert.Equal("The provider did not answer within 0.5 s.", error.UserMessage);
    }

    [Fact]
    public async Task OpenAi_CallerCancels_ThrowsOperationCanceledNotProviderError()
    {
        _server.Enqueue(FakeReply.Say("slow") with { Delay = TimeSpan.FromSeconds(5) });
        using var cts = new CancellationTokenSource(TimeSpan.FromMilliseconds(200));

        await Assert.ThrowsAnyAsync<OperationCanceledException>(() =>
            Chat().GetChatMessageContentAsync(LlmTestKit.Ask("Hi"), kernel: null, cancellationToken: cts.Token));
    }

    [Fact]
    public async Task OpenAi_ConnectionRefused_ThrowsUnreachableMessage()
    {
        var nowhere = FakeLlmServer.UnusedLocalUri();
        var chat = _factory.Create(new LlmProviderSettings(LlmProviderType.OpenAICompatible, nowhere + "v1"), "m");

        var error = await Assert.ThrowsAsync<LlmProviderException>(() =>
            chat.GetChatMessageContentAsync(LlmTestKit.Ask("Hi"), kernel: null, cancellationToken: CancellationToken.None));

        Assert.Equal($"Could not reach {nowhere.GetLeftPart(UriPartial.Authority)}: connection refused.", error.UserMessage);
        Assert.True(error.IsTransient);
        Assert.Null(error.StatusCode);
    }

    [Fact]
    public async Task OpenAi_Usage_IsReadFromReplyAndFromLastStreamChunk()
    {
        _server.Enqueue(FakeReply.Say("counted"), FakeReply.Say("counted too"));
        var chat = Chat();

        var reply = await chat.GetChatMessageContentAsync(LlmTestKit.Ask("Hi"), kernel: null, cancellationToken: CancellationToken.None);
        var (_, chunks) = await LlmTestKit.StreamAsync(chat, LlmTestKit.Ask("Hi"));

        Assert.Equal((11L, 7L), LlmUsageReader.Read(reply.Metadata));
        Assert.Equal((11L, 7L), LlmUsageReader.Read(chunks[^1].Metadata));
        Assert.True(_server.Requests[1].Body["stream_options"]?["include_usage"]?.GetValue<bool>());
    }

    [Fact]
    public async Task OpenAiCompatible_BaseUrlWithV1_PostsChatCompletionsUnderIt()
    {
        var chat = _factory.Create(new LlmProviderSettings(LlmProviderType.OpenAICompatible, _server.BaseUri + "/"), "local-model");

        var reply = await chat.GetChatMessageContentAsync(LlmTestKit.Ask("ping"), kernel: null, cancellationToken: CancellationToken.None);

        Assert.Equal("Echo: ping", reply.Content);
        Assert.Equal("/v1/chat/completions", _server.Requests[0].Path);
    }

    [Fact]
    public async Task Azure_PlainReply_UsesDeploymentPathVersionAndApiKeyHeader()
    {
        var settings = new LlmProviderSettings(LlmProviderType.AzureOpenAI, _server.Root + "/", "azure-key")
        {
            ApiVersion = "2024-10-21",
            Deployment = "my-gpt4o",
        };

        var reply = await _factory.Create(settings, "gpt-4o")
            .GetChatMessageContentAsync(LlmTestKit.Ask("Hi Azure"), kernel: null, cancellationToken: CancellationToken.None);

        Assert.Equal("Echo: Hi Azure", reply.Content);
        var request = Assert.Single(_server.Requests);
        Assert.Equal("/openai/deployments/my-gpt4o/chat/completions", request.Path);
        Assert.Contains("api-version=2024-10-21", request.Query);
        Assert.Equal("azure-key", request.Header("api-key"));
    }

    [Fact]
    public async Task Azure_ToolCall_LlmNodeCompletesTheToolLoop_OnTheDeploymentPath()
    {
        var settings = new LlmProviderSettings(LlmProviderType.AzureOpenAI, _server.Root + "/", "azure-key")
        {
            ApiVersion = "2024-10-21",
            Deployment = "my-gpt4o",
        };
        // A generous call timeout: the first Azure call JIT-compiles the SDK, which can be slow on a busy machine.
        using var factory = LlmTestKit.Factory(timeoutSeconds: 30);
        var binding = new LlmBinding(factory.Create(settings, "gpt-4o"), new LlmModelInfo("gpt-4o", 128_000), "Azure");
        var engine = new EngineHarness(new ScriptedLlmResolver(binding));
        var graph = PipelineGraphBuilder.WithStartAndEnd()
            .Node("llm", "LLMResponseWithPrompt", new { llm_provider_id = Guid.NewGuid(), llm_model = "gpt-4o", history_type = "none", tools = new[] { "update-user-data" } })
            .Connect("start -> llm", "llm -> end").Build();
        _server.Enqueue(FakeReply.CallTool("""{"key": "drink", "value": "tea"}""", "ocs-update_user_data"), FakeReply.Say("Noted: you like tea."));
        var tokens = new List<string>();

        var result = await engine.RunAsync(graph, "I like tea", onToken: t => { tokens.Add(t); return ValueTask.CompletedTask; });

        Assert.True(result.Succeeded, result.Error);
        Assert.Equal("Noted: you like tea.", result.Reply);
        Assert.Equal("tea", result.State.GetParticipantData("drink")!.GetValue<string>());
        Assert.Equal(result.Reply, string.Concat(tokens));
        Assert.Equal(2, _server.Requests.Count);
        Assert.All(_server.Requests, r =>
        {
            Assert.Equal("/openai/deployments/my-gpt4o/chat/completions", r.Path);
            Assert.Contains("api-version=2024-10-21", r.Query);
            Assert.Equal("azure-key", r.Header("api-key"));
            Assert.True(r.Body["stream"]?.GetValue<bool>());
        });
        Assert.Contains("ocs-update_user_data", _server.Requests[0].Body["tools"]!.ToJsonString());
        var sent = _server.Requests[1].Body["messages"]!.AsArray();
        Assert.Equal("tool", sent[^1]!["role"]!.GetValue<string>());
        var callId = sent[^2]!["tool_calls"]![0]!["id"]!.GetValue<string>();
        Assert.Equal(callId, sent[^1]!["tool_call_id"]!.GetValue<string>());
        Assert.Equal("ocs-update_user_data", sent[^2]!["tool_calls"]![0]!["function"]!["name"]!.GetValue<string>());
    }

    [Fact]
    public void Azure_UnknownApiVersion_IsRefusedWithTheSupportedList()
    {
        var settings = new LlmProviderSettings(LlmProviderType.AzureOpenAI, "https://x.openai.azure.com/", "k") { ApiVersion = "1999-01-01" };

        var error = Assert.Throws<LlmProviderException>(() => _factory.Create(settings, "gpt-4o"));

        Assert.StartsWith("Azure API version \"1999-01-01\" is not supported. Use one of: ", error.UserMessage);
        Assert.Contains("2024-10-21", error.UserMessage);
    }

    [Theory]
    [InlineData(null)]
    [InlineData("  ")]
    public void OpenAiCompatible_WithoutBaseUrl_IsRefusedWithWhatToEnter(string? baseUrl)
    {
        var error = Assert.Throws<LlmProviderException>(() =>
            _factory.Create(new LlmProviderSettings(LlmProviderType.OpenAICompatible, baseUrl), "m"));

        Assert.Contains("including /v1", error.UserMessage);
    }

    [Fact]
    public void ProviderSettings_ToString_HidesTheKey()
    {
        var text = new LlmProviderSettings(LlmProviderType.OpenAI, null, "sk-very-secret").ToString();

        Assert.DoesNotContain("sk-very-secret", text, StringComparison.Ordinal);
        Assert.Contains("ApiKey = ***", text, StringComparison.Ordinal);
    }
}
