using System.Diagnostics;
using System.Diagnostics.Metrics;

namespace OpenChatStudio.Core.Observability;

/// <summary>
/// Traces and metrics of the chat path (docs/observability.md), on .NET's own <see cref="ActivitySource"/> and
/// <see cref="Meter"/>: nothing is recorded unless a listener is attached (the host attaches OpenTelemetry when an OTLP
/// endpoint is configured). A turn is a span; every node of its pipeline a child span; every LLM call a child of its node,
/// with the OpenTelemetry GenAI attributes. No message content unless <see cref="ChatTelemetryOptions.IncludeContent"/>.
/// </summary>
public static class ChatTelemetry
{
    public const string SourceName = "OpenChatStudio";

    public static readonly ActivitySource Source = new(SourceName);

    public static readonly Meter Meter = new(SourceName);

    /// <summary>Turns run, with <c>ocs.outcome</c> (a <c>TurnOutcome</c>: Replied, Failed, SessionEnded…).</summary>
    public static readonly Counter<long> Turns = Meter.CreateCounter<long>("ocs.chat.turns", "{turn}", "Chat turns run");

    public static readonly Histogram<double> TurnDuration = Meter.CreateHistogram<double>("ocs.chat.turn.duration", "s", "Time to run a chat turn");

    /// <summary>GenAI semantic convention: tokens per LLM call, <c>gen_ai.token.type</c> input or output.</summary>
    public static readonly Histogram<long> TokenUsage = Meter.CreateHistogram<long>("gen_ai.client.token.usage", "{token}", "Tokens used per LLM call");

    /// <summary>GenAI semantic convention: duration of an LLM call.</summary>
    public static readonly Histogram<double> OperationDuration = Meter.CreateHistogram<double>("gen_ai.client.operation.duration", "s", "Duration of an LLM call");

    // Attribute names (OpenTelemetry GenAI conventions where they exist, ocs.* for ours).
    public const string TeamId = "ocs.team.id";
    public const string ChatbotId = "ocs.chatbot.id";
    public const string ChatbotVersion = "ocs.chatbot.version";
    public const string SessionId = "ocs.session.id";
    public const string Platform = "ocs.session.platform";
    public const string Outcome = "ocs.outcome";
    public const string NodeId = "ocs.node.id";
    public const string NodeType = "ocs.node.type";
    public const string NodeName = "ocs.node.name";
    public const string Input = "ocs.message.input";
    public const string Output = "ocs.message.output";
    public const string GenAiOperation = "gen_ai.operation.name";
    public const string GenAiProvider = "gen_ai.provider.name";
    public const string GenAiRequestModel = "gen_ai.request.model";
    public const string GenAiInputTokens = "gen_ai.usage.input_tokens";
    public const string GenAiOutputTokens = "gen_ai.usage.output_tokens";
    public const string GenAiTokenType = "gen_ai.token.type";

    /// <summary>Marks a span failed with a description that carries no message content.</summary>
    public static void Fail(Activity? activity, string description)
    {
        activity?.SetStatus(ActivityStatusCode.Error, description);
    }
}

/// <summary>What telemetry may carry (configuration section <c>Observability</c>).</summary>
public sealed class ChatTelemetryOptions
{
    /// <summary>Add the participant's message and the reply to the turn span. Off by default: traces often leave the instance.</summary>
    public bool IncludeContent { get; set; }
}
