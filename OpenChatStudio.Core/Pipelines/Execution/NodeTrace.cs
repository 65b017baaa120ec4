namespace OpenChatStudio.Core.Pipelines.Execution;

/// <summary>What one node did in one run: shown in the preview and stored with the message.</summary>
public sealed record NodeTrace(
    string NodeId,
    string NodeName,
    string NodeType,
    string Input,
    string? Output,
    string? Route,
    double DurationMs,
    long InputTokens,
    long OutputTokens,
    decimal Cost,
    string? Error,
    IReadOnlyList<string> Notes,
    IReadOnlyList<LlmUsage> LlmCalls,
    IReadOnlyList<LlmPrompt>? Prompts = null,
    string? RouteLabel = null,
    IReadOnlyList<StateChange>? StateChanges = null)
{
    /// <summary>The route as people named it (a router's keyword), else the output port (traces stored before labels).</summary>
    [System.Text.Json.Serialization.JsonIgnore]
    public string? RouteName => RouteLabel ?? Route;
}

/// <summary>Tokens and cost of one LLM call, recorded by nodes through <see cref="NodeContext.RecordUsage"/>.</summary>
public sealed record LlmUsage(string Model, long InputTokens, long OutputTokens, decimal Cost);

/// <summary>What one LLM call sent: the rendered system prompt and the message list, as the model saw them.</summary>
public sealed record LlmPrompt(string Model, IReadOnlyList<PromptMessage> Messages)
{
    /// <summary>A message longer than this is cut in the trace (the call itself got all of it).</summary>
    public const int MaxMessageLength = 4000;
}

/// <summary>One message of an LLM call (role: system, user, assistant, tool).</summary>
public sealed record PromptMessage(string Role, string Content);
