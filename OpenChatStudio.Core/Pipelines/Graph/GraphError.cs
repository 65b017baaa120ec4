namespace OpenChatStudio.Core.Pipelines.Graph;

/// <summary>A problem with a pipeline, keyed by node (null for the whole graph) and, for params, by field.</summary>
public sealed record GraphError(string? NodeId, string? Field, string Message, GraphIssueSeverity Severity = GraphIssueSeverity.Error)
{
    public override string ToString() => NodeId is null ? Message : Field is null ? $"[{NodeId}] {Message}" : $"[{NodeId}.{Field}] {Message}";
}

/// <summary>An error stops the pipeline from running; a warning points at something probably not meant.</summary>
public enum GraphIssueSeverity
{
    Error,
    Warning,
}
