using Microsoft.Extensions.DependencyInjection;
using OpenChatStudio.Core.Observability;
using OpenChatStudio.Tests.TestSupport;
using OpenChatStudio.Tests.Web.Api;

namespace OpenChatStudio.Tests.Web.Hosting;

/// <summary>
/// With <c>Observability:OtlpEndpoint</c> set, the app exports its chat spans and metrics over OTLP/HTTP to a local
/// collector speaking the protocol; without it, nothing listens.
/// </summary>
public sealed class ObservabilityTests : IAsyncLifetime
{
    private FakeOtlpCollector _collector = default!;
    private readonly OcsAppFactory _app = new();

    public async Task InitializeAsync()
    {
        _collector = await FakeOtlpCollector.StartAsync();
        _app.ExtraSettings["Observability:OtlpEndpoint"] = _collector.Url;
        _app.ExtraSettings["Observability:ExportIntervalMs"] = "200";
        await ((IAsyncLifetime)_app).InitializeAsync();
    }

    public async Task DisposeAsync()
    {
        await ((IAsyncLifetime)_app).DisposeAsync();
        await _collector.DisposeAsync();
    }

    [Fact]
    public async Task AWidgetTurn_IsExportedOverOtlp_AsATurnSpan_WithItsSession_AndWithoutTheMessage()
    {
        var kit = new ChatApiTestKit(_app);
        var bot = await kit.BotAsync();
        var session = await kit.StartAsync(bot);
        var secret = "secret-" + Guid.NewGuid().ToString("N");
        await kit.SendAsync(session, "remember " + secret);
        await kit.IdleAsync();

        var deadline = DateTime.UtcNow.AddSeconds(20);
        while (!(_collector.Saw("/v1/traces", "chat turn", session) && _collector.Saw("/v1/metrics", "ocs.chat.turns")))
        {
            Assert.True(DateTime.UtcNow < deadline, $"the collector got {_collector.Received.Count} exports, none with the turn span and the turn metric");
            await Task.Delay(100);
        }
        Assert.All(_collector.Received, r => Assert.Equal("application/x-protobuf", r.ContentType));
        Assert.True(_collector.Saw("/v1/traces", "gen_ai.usage.input_tokens"), "the LLM call's GenAI attributes are exported");
        Assert.DoesNotContain(_collector.Received, r => FakeOtlpCollector.Contains(r.Body, secret));
        Assert.False(_app.Services.GetRequiredService<ChatTelemetryOptions>().IncludeContent);
    }
}
