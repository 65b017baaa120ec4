using OpenChatStudio.Core.Pipelines.Execution;
using OpenChatStudio.Core.Pipelines.Registry;

namespace OpenChatStudio.Core.Pipelines.Nodes;

[PipelineNode(TypeKey, Label = "Start", Category = "Flow", Description = "Where every message enters the pipeline. Its output is the participant's message.",
    Icon = "play_arrow", CanAdd = false, CanDelete = false)]
public sealed class StartNode : PipelineNode<StartNode.Params>
{
    public const string TypeKey = "StartNode";

    public sealed class Params;

    public override Task<NodeResult> ExecuteAsync(Params parameters, NodeContext context, CancellationToken ct) =>
        Task.FromResult(NodeResult.Continue(context.Input));
}
