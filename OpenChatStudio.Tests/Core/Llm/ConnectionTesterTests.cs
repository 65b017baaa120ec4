using Microsoft.Extensions.Logging.Abstractions;
using OpenChatStudio.Core.Llm;
using OpenChatStudio.Tests.TestSupport.Fakes;
using OpenChatStudio.Tests.TestSupport;

namespace OpenChatStudio.Tests.Core.Llm;

[Trait(TestLayers.Trait, TestLayers.Unit)]
public sealed class ConnectionTesterTests : IAsyncLifetime
{
    private FakeOpenAiServer _server = null!;
    private readonly ChatServiceFactory _factory = LlmTestKit.Factory(maxRetries: 1);
    private ConnectionTester _tester = null!;

    public async Task InitializeAsync()
    {
        _server = await FakeOpenAiServer.StartAsync();
        _tester = new ConnectionTester(_factory, NullLogger<ConnectionTester>.Instance);
    }

    public async Task DisposeAsync()
    {
        await _server.DisposeAsync();
        _factory.Dispose();
    }

    [Fact]
    public async Task ConnectionTester_ProviderAnswers_ReportsModelAndLatency()
    {
        var result = await _tester.TestAsync(new LlmProviderSettings(LlmProviderType.OpenAICompatible, _server.BaseUri.ToString()), "llama3.2", CancellationToken.None);

        Assert.True(result.Ok);
        Assert.Matches(@"^Connected: llama3\.2 answered in \d+ ms\.$", result.Message);
        Assert.NotNull(result.LatencyMs);
        Assert.Single(_server.Requests);
    }

    [Fact]
    public async Task ConnectionTester_KeyRejected_ReportsKeyProblem()
    {
        _server.Enqueue(FakeReply.Fail(401));

        var result = await _tester.TestAsync(new LlmProviderSettings(LlmProviderType.OpenAI, _server.BaseUri.ToString(), "bad"), "gpt-4o", CancellationToken.None);

        Assert.False(result.Ok);
        Assert.Equal("The provider rejected the API key (401). Check the key in Providers.", result.Message);
        Assert.Null(result.LatencyMs);
    }

    [Fact]
    public async Task ConnectionTester_NothingListening_ReportsUnreachable()
    {
        var nowhere = FakeLlmServer.UnusedLocalUri();

        var result = await _tester.TestAsync(new LlmProviderSettings(LlmProviderType.Ollama, nowhere.ToString()), "llama3.2", CancellationToken.None);

        Assert.False(result.Ok);
        Assert.Equal($"Could not reach {nowhere.GetLeftPart(UriPartial.Authority)}: connection refused.", result.Message);
    }

    [Fact]
    public async Task ConnectionTester_BadBaseUrl_ReportsConfigurationProblem()
    {
        var result = await _tester.TestAsync(new LlmProviderSettings(LlmProviderType.OpenAICompatible, "localhost:11434"), "m", CancellationToken.None);

        Assert.False(result.Ok);
        Assert.Equal("The base URL \"localhost:11434\" is not an http(s) URL.", result.Message);
    }

    [Fact]
    public async Task ConnectionTester_OfflineModel_IsAlwaysConnected()
    {
        var result = await _tester.TestAsync(new LlmProviderSettings(LlmProviderType.Offline), OfflineModel.ModelName, CancellationToken.None);

        Assert.True(result.Ok);
        Assert.StartsWith("Connected: offline answered in ", result.Message);
    }
}
