using System.Collections.Concurrent;
using System.Diagnostics;
using System.Diagnostics.Metrics;
using Microsoft.Extensions.DependencyInjection;
using OpenChatStudio.Core.Chat;
using OpenChatStudio.Core.Chatbots;
using OpenChatStudio.Core.Observability;
using OpenChatStudio.Core.Teams;
using OpenChatStudio.Core.Versions;
using OpenChatStudio.Tests.TestSupport;

namespace OpenChatStudio.Tests.Core.Observability;

/// <summary>
/// A turn is a span with a child span per node and an LLM-call span (GenAI attributes) under its node; turns and tokens
/// are counted; message content stays out unless asked for. Listened to the way OpenTelemetry listens (ActivityListener,
/// MeterListener); other tests' turns are told apart by session id.
/// </summary>
public sealed class ChatTelemetryTests : IAsyncLifetime, IDisposable
{
    private readonly ConcurrentQueue<Activity> _spans = new();
    private readonly ConcurrentQueue<(string Instrument, long Value, string? TokenType)> _measurements = new();
    private readonly ActivityListener _listener;
    private readonly MeterListener _meters = new();
    private CoreHost _host = new();
    private TeamAccess _editor = default!;

    public ChatTelemetryTests()
    {
        _listener = new ActivityListener
        {
            ShouldListenTo = source => source.Name == ChatTelemetry.SourceName,
            Sample = (ref ActivityCreationOptions<ActivityContext> _) => ActivitySamplingResult.AllDataAndRecorded,
            ActivityStopped = _spans.Enqueue,
        };
        ActivitySource.AddActivityListener(_listener);
        _meters.InstrumentPublished = (instrument, listener) =>
        {
            if (instrument.Meter.Name == ChatTelemetry.SourceName)
            {
                listener.EnableMeasurementEvents(instrument);
            }
        };
        _meters.SetMeasurementEventCallback<long>((instrument, value, tags, _) =>
        {
            string? type = null;
            foreach (var tag in tags)
            {
                if (tag.Key == ChatTelemetry.GenAiTokenType)
                {
                    type = tag.Value as string;
                }
            }
            _measurements.Enqueue((instrument.Name, value, type));
        });
        _meters.Start();
    }

    public async Task InitializeAsync() => await StartHostAsync(includeContent: false);

    private async Task StartHostAsync(bool includeContent)
    {
        _host = new CoreHost(s => s.AddSingleton(new ChatTelemetryOptions { IncludeContent = includeContent }));
        await _host.InitializeAsync();
        var owner = await _host.CreateUserAsync();
        var teams = _host.Get<TeamService>();
        var team = (await teams.CreateTeamAsync(owner.Id, "Observed", default)).Value!;
        _editor = (await teams.GetAccessAsync(owner.Id, team.Slug, default))!;
    }

    public Task DisposeAsync() => _host.DisposeAsync();

    public void Dispose()
    {
        _listener.Dispose();
        _meters.Dispose();
    }

    private async Task<(Guid Session, ChatTurn Turn)> TurnAsync(string text)
    {
        var bot = (await _host.Get<ChatbotService>().CreateAsync(_editor, "Observed bot", ChatbotTemplates.SimpleAssistant, default)).Value!;
        var runtime = _host.Get<ChatRuntime>();
        var participant = await runtime.ParticipantIdAsync(_editor.TeamId, "api", "observed@example.test", null, default);
        var session = (await runtime.StartSessionAsync(_editor.TeamId, bot.Id, participant, "api", null, default, VersionChoice.Working)).SessionId;
        return (session, await runtime.SendAsync(_editor.TeamId, session, text, null, default));
    }

    private Activity TurnSpan(Guid session) =>
        _spans.Single(a => a.OperationName == "chat turn" && (string?)a.GetTagItem(ChatTelemetry.SessionId) == session.ToString());

    [Fact]
    public async Task ATurn_IsASpan_WithNodeSpans_AndAnLlmSpanCarryingGenAiAttributes_AndNoContent()
    {
        var (session, turn) = await TurnAsync("my secret is 4711");
        Assert.NotNull(turn.Reply);

        var root = TurnSpan(session);
        Assert.Equal(nameof(TurnOutcome.Replied), root.GetTagItem(ChatTelemetry.Outcome));
        Assert.Equal(_editor.TeamId.ToString(), root.GetTagItem(ChatTelemetry.TeamId));
        Assert.Equal("working", root.GetTagItem(ChatTelemetry.ChatbotVersion));
        Assert.Equal("api", root.GetTagItem(ChatTelemetry.Platform));
        var nodes = _spans.Where(a => a.ParentSpanId == root.SpanId && a.TraceId == root.TraceId).ToList();
        Assert.Contains(nodes, n => n.OperationName == "node LLMResponseWithPrompt" && (string?)n.GetTagItem(ChatTelemetry.NodeId) == "assistant");
        var llmNode = nodes.Single(n => n.OperationName == "node LLMResponseWithPrompt");
        var call = Assert.Single(_spans, a => a.ParentSpanId == llmNode.SpanId);
        Assert.Equal(ActivityKind.Client, call.Kind);
        Assert.Equal("chat", call.GetTagItem(ChatTelemetry.GenAiOperation));
        Assert.True(Convert.ToInt64(call.GetTagItem(ChatTelemetry.GenAiInputTokens)) > 0);
        Assert.True(Convert.ToInt64(call.GetTagItem(ChatTelemetry.GenAiOutputTokens)) > 0);

        var trace = _spans.Where(a => a.TraceId == root.TraceId).ToList();
        Assert.DoesNotContain(trace.SelectMany(a => a.TagObjects), t => t.Value?.ToString()?.Contains("4711") == true);
        Assert.Contains(_measurements, m => m.Instrument == "ocs.chat.turns");
        Assert.Contains(_measurements, m => m.Instrument == "gen_ai.client.token.usage" && m.TokenType == "input" && m.Value > 0);
    }

    [Fact]
    public async Task WithContentSwitchedOn_TheTurnSpanCarriesTheMessageAndTheReply()
    {
        await _host.DisposeAsync();
        await StartHostAsync(includeContent: true);

        var (session, turn) = await TurnAsync("my secret is 4711");

        var root = TurnSpan(session);
        Assert.Equal("my secret is 4711", root.GetTagItem(ChatTelemetry.Input));
        Assert.Equal(turn.Reply!.Content, root.GetTagItem(ChatTelemetry.Output));
    }
}
