using OpenChatStudio.Core.Pipelines.Execution;
using OpenChatStudio.Core.Pipelines.Registry;

namespace OpenChatStudio.Core.Pipelines.Nodes;

[PipelineNode("Passthrough", Label = "Do nothing", Category = "Flow", Description = "Passes its input on unchanged. Useful to join branches.",
    Icon = "arrow_forward")]
public sealed class PassthroughNode : PipelineNode<PassthroughNode.Params>
{
    public sealed class Params;

    public override Task<NodeResult> ExecuteAsync(Params parameters, NodeContext context, CancellationToken ct) =>
        Task.FromResult(NodeResult.Continue(context.Input));
}
