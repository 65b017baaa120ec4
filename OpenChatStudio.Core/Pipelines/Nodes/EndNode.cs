using OpenChatStudio.Core.Pipelines.Execution;
using OpenChatStudio.Core.Pipelines.Registry;

namespace OpenChatStudio.Core.Pipelines.Nodes;

[PipelineNode(TypeKey, Label = "End", Category = "Flow", Description = "Where the pipeline finishes. What arrives here is the chatbot's reply.",
    Icon = "stop", CanAdd = false, CanDelete = false)]
public sealed class EndNode : PipelineNode<EndNode.Params>
{
    public const string TypeKey = "EndNode";

    public sealed class Params;

    public override IReadOnlyList<OutputPort> Outputs(Params parameters) => [];

    public override Task<NodeResult> ExecuteAsync(Params parameters, NodeContext context, CancellationToken ct) =>
        Task.FromResult(NodeResult.Continue(context.Input));
}
