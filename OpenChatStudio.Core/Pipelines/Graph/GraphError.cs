namespace OpenChatStudio.Core.Pipelines.Graph;

/// <summary>A problem with a pipeline, keyed by node (null for the whole graph) and, for params, by field.</summary>
public sealed record GraphError(string? NodeId, string? Field, string Message)
{
    public override string ToString() => NodeId is null ? Message : Field is null ? $"[{NodeId}] {Message}" : $"[{NodeId}.{Field}] {Message}";
}
