using System.ComponentModel.DataAnnotations;
using OpenChatStudio.Core.Pipelines.Execution;
using OpenChatStudio.Core.Pipelines.Registry;

namespace OpenChatStudio.Tests.TestSupport.Pipelines;

/// <summary>Node types that exist only in tests, to drive the executor into timeouts, failures and aborts.</summary>
public static class TestNodes
{
    public static IEnumerable<IPipelineNode> All => [new SlowNode(), new FailNode(), new CrashNode(), new AbortNode(), new SuffixNode(), new BadRouteNode()];

    [PipelineNode("TestSlow", Label = "Slow", TimeoutSeconds = 1)]
    public sealed class SlowNode : PipelineNode<SlowNode.Params>
    {
        public sealed class Params
        {
            public int DelayMs { get; set; } = 5_000;
        }

        public override async Task<NodeResult> ExecuteAsync(Params p, NodeContext context, CancellationToken ct)
        {
            await Task.Delay(p.DelayMs, ct);
            return NodeResult.Continue(context.Input + " (slow)");
        }
    }

    [PipelineNode("TestFail", Label = "Fail")]
    public sealed class FailNode : PipelineNode<FailNode.Params>
    {
        public sealed class Params;

        public override Task<NodeResult> ExecuteAsync(Params p, NodeContext context, CancellationToken ct) =>
            throw new PipelineNodeException("boom");
    }

    /// <summary>A bug: an exception nobody meant to reach a person, with text that must not leak.</summary>
    [PipelineNode("TestCrash", Label = "Crash")]
    public sealed class CrashNode : PipelineNode<CrashNode.Params>
    {
        public const string Secret = "Host=db.internal;Password=hunter2";

        public sealed class Params;

        public override Task<NodeResult> ExecuteAsync(Params p, NodeContext context, CancellationToken ct) =>
            throw new InvalidOperationException("Could not open " + Secret);
    }

    [PipelineNode("TestAbort", Label = "Abort")]
    public sealed class AbortNode : PipelineNode<AbortNode.Params>
    {
        public sealed class Params;

        public override async Task<NodeResult> ExecuteAsync(Params p, NodeContext context, CancellationToken ct)
        {
            await Task.Yield();
            return NodeResult.Abort("Sorry, I can't help with that.");
        }
    }

    [PipelineNode("TestSuffix", Label = "Suffix")]
    public sealed class SuffixNode : PipelineNode<SuffixNode.Params>
    {
        public sealed class Params
        {
            [Required] public string Suffix { get; set; } = "!";

            public int DelayMs { get; set; }
        }

        public override async Task<NodeResult> ExecuteAsync(Params p, NodeContext context, CancellationToken ct)
        {
            if (p.DelayMs > 0)
            {
                await Task.Delay(p.DelayMs, ct);
            }
            context.State.AddSessionTag("visited-" + context.Node.Name);
            return NodeResult.Continue(context.Input + p.Suffix);
        }
    }

    [PipelineNode("TestBadRoute", Label = "Bad route")]
    public sealed class BadRouteNode : PipelineNode<BadRouteNode.Params>
    {
        public sealed class Params;

        public override Task<NodeResult> ExecuteAsync(Params p, NodeContext context, CancellationToken ct) =>
            Task.FromResult(NodeResult.RouteTo("output_9", context.Input));
    }
}
