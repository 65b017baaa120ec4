using OpenChatStudio.Core.Pipelines.Execution;

namespace OpenChatStudio.Core.Pipelines.Registry;

/// <summary>The untyped face of a node type, used by the registry and executor. Implement <see cref="PipelineNode{TParams}"/>.</summary>
public interface IPipelineNode
{
    Type ParamsType { get; }

    /// <summary>Output port names for these params (routers have one per route).</summary>
    IReadOnlyList<OutputPort> Outputs(object parameters);

    /// <summary>Checks beyond DataAnnotations (templates compile, code parses, route keys exist).</summary>
    IEnumerable<GraphValidationIssue> Validate(object parameters);

    Task<NodeResult> ExecuteAsync(object parameters, NodeContext context, CancellationToken ct);
}

/// <summary>An output port: <see cref="Name"/> is stored in edges, <see cref="Label"/> is shown.</summary>
public sealed record OutputPort(string Name, string Label)
{
    public static readonly OutputPort Default = new("output", "Output");

    public static readonly IReadOnlyList<OutputPort> Single = [Default];
}

/// <summary>A param problem found by a node's own validation.</summary>
public sealed record GraphValidationIssue(string? Field, string Message);

/// <summary>Base for node types: a typed params record, outputs, validation and execution.</summary>
public abstract class PipelineNode<TParams> : IPipelineNode where TParams : class, new()
{
    public Type ParamsType => typeof(TParams);

    public virtual IReadOnlyList<OutputPort> Outputs(TParams parameters) => OutputPort.Single;

    public virtual IEnumerable<GraphValidationIssue> Validate(TParams parameters) => [];

    public abstract Task<NodeResult> ExecuteAsync(TParams parameters, NodeContext context, CancellationToken ct);

    IReadOnlyList<OutputPort> IPipelineNode.Outputs(object parameters) => Outputs((TParams)parameters);

    IEnumerable<GraphValidationIssue> IPipelineNode.Validate(object parameters) => Validate((TParams)parameters);

    Task<NodeResult> IPipelineNode.ExecuteAsync(object parameters, NodeContext context, CancellationToken ct) =>
        ExecuteAsync((TParams)parameters, context, ct);
}
