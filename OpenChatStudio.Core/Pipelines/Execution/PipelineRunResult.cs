namespace OpenChatStudio.Core.Pipelines.Execution;

/// <summary>The outcome of one run: the reply (End's input), the per-node trace and the final state.</summary>
public sealed record PipelineRunResult(
    string? Reply,
    IReadOnlyList<NodeTrace> Trace,
    PipelineRunState State,
    bool Aborted,
    string? Error,
    string? FailedNodeId)
{
    public bool Succeeded => Error is null;

    public long InputTokens => Trace.Sum(t => t.InputTokens);

    public long OutputTokens => Trace.Sum(t => t.OutputTokens);

    public decimal Cost => Trace.Sum(t => t.Cost);
}
