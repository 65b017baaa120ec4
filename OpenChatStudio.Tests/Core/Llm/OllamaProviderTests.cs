using Microsoft.SemanticKernel;
using Microsoft.SemanticKernel.ChatCompletion;
using OpenChatStudio.Core.Llm;
using OpenChatStudio.Tests.TestSupport.Fakes;
using OpenChatStudio.Tests.TestSupport;

namespace OpenChatStudio.Tests.Core.Llm;

/// <summary>OllamaSharp's IChatClient behind SK's bridge, against a local server speaking Ollama's /api/chat.</summary>
[Trait(TestLayers.Trait, TestLayers.Unit)]
public sealed class OllamaProviderTests : IAsyncLifetime
{
    private FakeOllamaServer _server = null!;
    private readonly ChatServiceFactory _factory = LlmTestKit.Factory();

    public async Task InitializeAsync() => _server = await FakeOllamaServer.StartAsync();

    public async Task DisposeAsync()
    {
        await _server.DisposeAsync();
        _factory.Dispose();
    }

    private IChatCompletionService Chat(string? baseUrl = null) =>
        _factory.Create(new LlmProviderSettings(LlmProviderType.Ollama, baseUrl ?? _server.Root.ToString()), "llama3.2");

    [Fact]
    public async Task Ollama_PlainReply_ReturnsText()
    {
        _server.Enqueue(FakeReply.Say("Hello from llama."));

        var reply = await Chat().GetChatMessageContentAsync(LlmTestKit.Ask("Hi"), kernel: null, cancellationToken: CancellationToken.None);

        Assert.Equal("Hello from llama.", reply.Content);
        var request = Assert.Single(_server.Requests);
        Assert.Equal("/api/chat", request.Path);
        Assert.Equal("llama3.2", request.Body["model"]!.GetValue<string>());
    }

    [Fact]
    public async Task Ollama_BaseUrlWithV1_StillUsesTheNativeApi()
    {
        var reply = await Chat(_server.Root + "v1").GetChatMessageContentAsync(LlmTestKit.Ask("ping"), kernel: null, cancellationToken: CancellationToken.None);

        Assert.Equal("Echo: ping", reply.Content);
        Assert.Equal("/api/chat", _server.Requests[0].Path);
    }

    [Fact]
    public async Task Ollama_Streaming_ArrivesInSeveralChunksThatConcatenate()
    {
        _server.Enqueue(FakeReply.Say("Llama streams in pieces."));

        var (text, chunks) = await LlmTestKit.StreamAsync(Chat(), LlmTestKit.Ask("Stream"));

        Assert.Equal("Llama streams in pieces.", text);
        Assert.True(chunks.Count(c => !string.IsNullOrEmpty(c.Content)) >= 5);
    }

    [Fact]
    public async Task Ollama_Usage_IsReadFromReplyAndFromStream()
    {
        _server.Enqueue(FakeReply.Say("one"), FakeReply.Say("two"));
        var chat = Chat();

        var reply = await chat.GetChatMessageContentAsync(LlmTestKit.Ask("Hi"), kernel: null, cancellationToken: CancellationToken.None);
        var (_, chunks) = await LlmTestKit.StreamAsync(chat, LlmTestKit.Ask("Hi"));

        Assert.Equal((11L, 7L), LlmUsageReader.Read(reply.Metadata));
        Assert.Equal((11L, 7L), chunks.Select(c => LlmUsageReader.Read(c.Metadata)).Last(u => u is not null));
    }

    [Fact]
    public async Task Ollama_ToolCall_SurfacesAsFunctionCallContentWithPluginName()
    {
        _server.Enqueue(FakeReply.CallTool("""{"city":"Accra"}""", "weather_get_weather"));
        var kernel = LlmTestKit.KernelWithWeather();

        var reply = await Chat().GetChatMessageContentAsync(LlmTestKit.Ask("Weather in Accra?"), LlmTestKit.ManualTools(), kernel, CancellationToken.None);

        var call = Assert.Single(FunctionCallContent.GetFunctionCalls(reply));
        Assert.Equal("weather", call.PluginName);
        Assert.Equal("get_weather", call.FunctionName);
        Assert.Equal("Accra", call.Arguments!["city"]?.ToString());
        Assert.Contains(_server.Requests[0].Body["tools"]!.AsArray(), t => t!["function"]!["name"]!.GetValue<string>() == "weather_get_weather");
    }

    [Fact]
    public async Task Ollama_StreamingToolCall_BuilderReassemblesTheCall()
    {
        _server.Enqueue(FakeReply.CallTool("""{"city":"Accra","days":4}""", "weather_get_forecast"));
        var kernel = LlmTestKit.KernelWithWeather();

        var (_, chunks) = await LlmTestKit.StreamAsync(Chat(), LlmTestKit.Ask("Forecast"), LlmTestKit.ManualTools(), kernel);

        var builder = new FunctionCallContentBuilder();
        chunks.ForEach(builder.Append);
        var call = Assert.Single(builder.Build());
        Assert.Equal("weather", call.PluginName);
        Assert.Equal("get_forecast", call.FunctionName);
        Assert.Equal("4", call.Arguments!["days"]?.ToString());
    }

    [Fact]
    public async Task Ollama_ToolResultRoundTrip_ProducesFinalText()
    {
        _server.Enqueue(FakeReply.CallTool("""{"city":"Accra"}""", "weather_get_weather"));
        var kernel = LlmTestKit.KernelWithWeather();
        var history = LlmTestKit.Ask("Weather in Accra?");
        var chat = Chat();

        var first = await chat.GetChatMessageContentAsync(history, LlmTestKit.ManualTools(), kernel, CancellationToken.None);
        history.Add(first);
        foreach (var call in FunctionCallContent.GetFunctionCalls(first))
        {
            history.Add((await call.InvokeAsync(kernel, CancellationToken.None)).ToChatMessage());
        }
        var final = await chat.GetChatMessageContentAsync(history, LlmTestKit.ManualTools(), kernel, CancellationToken.None);

        Assert.Contains("Sunny in Accra", final.Content);
        Assert.StartsWith("Tool said: ", final.Content);
    }

    [Fact]
    public async Task Ollama_ServerError_IsRetriedThenSucceeds()
    {
        _server.Enqueue(FakeReply.Fail(500), FakeReply.Say("back"));

        var reply = await Chat().GetChatMessageContentAsync(LlmTestKit.Ask("Hi"), kernel: null, cancellationToken: CancellationToken.None);

        Assert.Equal("back", reply.Content);
        Assert.Equal(2, _server.Requests.Count);
    }
}
