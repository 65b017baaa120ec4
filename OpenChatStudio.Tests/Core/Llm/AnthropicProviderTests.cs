using Microsoft.SemanticKernel;
using Microsoft.SemanticKernel.ChatCompletion;
using OpenChatStudio.Core.Llm;
using OpenChatStudio.Tests.TestSupport.Fakes;
using OpenChatStudio.Tests.TestSupport;

namespace OpenChatStudio.Tests.Core.Llm;

/// <summary>The Anthropic package's IChatClient behind SK's bridge, against a local server speaking the Messages API.</summary>
[Trait(TestLayers.Trait, TestLayers.Unit)]
public sealed class AnthropicProviderTests : IAsyncLifetime
{
    private FakeAnthropicServer _server = null!;
    private readonly ChatServiceFactory _factory = LlmTestKit.Factory();

    public async Task InitializeAsync() => _server = await FakeAnthropicServer.StartAsync();

    public async Task DisposeAsync()
    {
        await _server.DisposeAsync();
        _factory.Dispose();
    }

    private IChatCompletionService Chat() =>
        _factory.Create(new LlmProviderSettings(LlmProviderType.Anthropic, _server.Root.ToString(), "sk-ant-test"), "claude-sonnet-4-5");

    [Fact]
    public async Task Anthropic_PlainReply_ReturnsTextAndSendsKeyAndModel()
    {
        _server.Enqueue(FakeReply.Say("Hello from Claude."));

        var reply = await Chat().GetChatMessageContentAsync(LlmTestKit.Ask("Hi", system: "Be brief."), kernel: null, cancellationToken: CancellationToken.None);

        Assert.Equal("Hello from Claude.", reply.Content);
        var request = Assert.Single(_server.Requests);
        Assert.Equal("/v1/messages", request.Path);
        Assert.Equal("claude-sonnet-4-5", request.Body["model"]!.GetValue<string>());
        Assert.Contains("sk-ant-test", request.Header("x-api-key") + request.Header("authorization"));
        Assert.Contains("Be brief.", request.Body["system"]!.ToJsonString());
    }

    [Fact]
    public async Task Anthropic_Streaming_ArrivesInSeveralChunksThatConcatenate()
    {
        _server.Enqueue(FakeReply.Say("Claude streams in pieces."));

        var (text, chunks) = await LlmTestKit.StreamAsync(Chat(), LlmTestKit.Ask("Stream"));

        Assert.Equal("Claude streams in pieces.", text);
        Assert.True(chunks.Count(c => !string.IsNullOrEmpty(c.Content)) >= 5);
    }

    [Fact]
    public async Task Anthropic_Usage_IsReadFromReplyAndFromStream()
    {
        _server.Enqueue(FakeReply.Say("one"), FakeReply.Say("two"));
        var chat = Chat();

        var reply = await chat.GetChatMessageContentAsync(LlmTestKit.Ask("Hi"), kernel: null, cancellationToken: CancellationToken.None);
        var (_, chunks) = await LlmTestKit.StreamAsync(chat, LlmTestKit.Ask("Hi"));

        Assert.Equal((11L, 7L), LlmUsageReader.Read(reply.Metadata));
        Assert.Equal((11L, 7L), chunks.Select(c => LlmUsageReader.Read(c.Metadata)).Last(u => u is not null));
    }

    [Fact]
    public async Task Anthropic_ToolCall_SurfacesAsFunctionCallContentWithPluginName()
    {
        _server.Enqueue(FakeReply.CallTool("""{"city":"Rome"}""", "weather_get_weather"));
        var kernel = LlmTestKit.KernelWithWeather();

        var reply = await Chat().GetChatMessageContentAsync(LlmTestKit.Ask("Weather in Rome?"), LlmTestKit.ManualTools(), kernel, CancellationToken.None);

        var call = Assert.Single(FunctionCallContent.GetFunctionCalls(reply));
        Assert.Equal("weather", call.PluginName);
        Assert.Equal("get_weather", call.FunctionName);
        Assert.Equal("Rome", call.Arguments!["city"]?.ToString());
        var tool = _server.Requests[0].Body["tools"]!.AsArray().Single(t => t!["name"]!.GetValue<string>() == "weather_get_weather")!;
        Assert.NotNull(tool["input_schema"]!["properties"]!["city"]);
    }

    [Fact]
    public async Task Anthropic_StreamingToolCall_BuilderReassemblesTheCall()
    {
        _server.Enqueue(FakeReply.CallTool("""{"city":"Rome","days":2}""", "weather_get_forecast"));
        var kernel = LlmTestKit.KernelWithWeather();
        var history = LlmTestKit.Ask("Forecast for Rome");

        var (_, chunks) = await LlmTestKit.StreamAsync(Chat(), history, LlmTestKit.ManualTools(), kernel);

        var builder = new FunctionCallContentBuilder();
        chunks.ForEach(builder.Append);
        var call = Assert.Single(builder.Build());
        Assert.Equal("weather", call.PluginName);
        Assert.Equal("get_forecast", call.FunctionName);
        Assert.Equal("2", call.Arguments!["days"]?.ToString());
        Assert.Single(history); // the caller's history is left alone
    }

    [Fact]
    public async Task Anthropic_ToolResultRoundTrip_ProducesFinalText()
    {
        _server.Enqueue(FakeReply.CallTool("""{"city":"Rome"}""", "weather_get_weather"));
        var kernel = LlmTestKit.KernelWithWeather();
        var history = LlmTestKit.Ask("Weather in Rome?");
        var chat = Chat();

        var first = await chat.GetChatMessageContentAsync(history, LlmTestKit.ManualTools(), kernel, CancellationToken.None);
        history.Add(first);
        foreach (var call in FunctionCallContent.GetFunctionCalls(first))
        {
            history.Add((await call.InvokeAsync(kernel, CancellationToken.None)).ToChatMessage());
        }
        var final = await chat.GetChatMessageContentAsync(history, LlmTestKit.ManualTools(), kernel, CancellationToken.None);

        Assert.Equal("Tool said: Sunny in Rome", final.Content);
        var sent = _server.Requests[1].Body["messages"]!.AsArray();
        var toolUse = sent[^2]!["content"]!.AsArray().Single(b => b!["type"]!.GetValue<string>() == "tool_use")!;
        Assert.Equal("weather_get_weather", toolUse["name"]!.GetValue<string>());
    }

    [Fact]
    public async Task Anthropic_Unauthorized_ThrowsKeyMessageWithoutRetry()
    {
        _server.Enqueue(FakeReply.Fail(401));

        var error = await Assert.ThrowsAsync<LlmProviderException>(() =>
            Chat().GetChatMessageContentAsync(LlmTestKit.Ask("Hi"), kernel: null, cancellationToken: CancellationToken.None));

        Assert.Equal("The provider rejected the API key (401). Check the key in Providers.", error.UserMessage);
        Assert.Single(_server.Requests);
    }

    [Fact]
    public async Task Anthropic_OverloadedTwiceThenOk_IsRetriedByOurHandlerOnly()
    {
        _server.Enqueue(FakeReply.Fail(529), FakeReply.Fail(503), FakeReply.Fail(503), FakeReply.Say("late"));

        var error = await Assert.ThrowsAsync<LlmProviderException>(() =>
            Chat().GetChatMessageContentAsync(LlmTestKit.Ask("Hi"), kernel: null, cancellationToken: CancellationToken.None));

        // 529 is not in our transient list, so one request and no SDK retries on top.
        Assert.Equal(529, error.StatusCode);
        Assert.Single(_server.Requests);
    }
}
