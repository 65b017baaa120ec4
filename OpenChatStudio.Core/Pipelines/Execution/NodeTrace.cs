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
    IReadOnlyList<LlmUsage> LlmCalls);

/// <summary>Tokens and cost of one LLM call, recorded by nodes through <see cref="NodeContext.RecordUsage"/>.</summary>
public sealed record LlmUsage(string Model, long InputTokens, long OutputTokens, decimal Cost);
