using Microsoft.Extensions.Logging;
using System.Diagnostics;
using OpenChatStudio.Core.Pipelines.Graph;
using OpenChatStudio.Core.Pipelines.Registry;

namespace OpenChatStudio.Core.Pipelines.Execution;

/// <summary>
/// Runs a compiled pipeline as a dataflow: a node runs once every incoming branch has delivered or been skipped.
/// Outgoing edges run in parallel; a router follows only the port it chose and the other branches are skipped; a node
/// whose every input was skipped is skipped too. A node's run is cancelled after its type's timeout. An abort stops
/// every branch. The reply is the End node's input.
/// </summary>
public sealed partial class PipelineExecutor(NodeRegistry registry, IPipelineServices services, ILogger? logger = null)
{
    private readonly GraphValidator _validator = new(registry);

    public NodeRegistry Registry => registry;

    /// <summary>Validates and prepares a graph for repeated runs. Throws <see cref="PipelineValidationException"/>.</summary>
    public CompiledPipeline Compile(PipelineGraph graph)
    {
        var errors = _validator.Validate(graph);
        if (errors.Count > 0)
        {
            throw new PipelineValidationException(errors);
        }
        return CompiledPipeline.Create(graph, registry);
    }

    public async Task<PipelineRunResult> RunAsync(
        CompiledPipeline pipeline,
        PipelineRunState state,
        PipelineRunContext context,
        Func<string, ValueTask>? onToken,
        CancellationToken ct)
    {
        using var runCts = CancellationTokenSource.CreateLinkedTokenSource(ct);
        var scope = new RunScope(state, services, context, onToken);
        var nodes = pipeline.Nodes;
        var remaining = (int[])pipeline.PredecessorCounts.Clone();
        var inputs = new List<(int Order, string Text)>?[nodes.Length];
        var traces = new List<NodeTrace>(nodes.Length);
        var ready = new Queue<(int Index, string[] Inputs)>();
        var inflight = new List<Task<Completion>>();
        string? reply = null, abortMessage = null, error = null, failedNode = null;

        ready.Enqueue((pipeline.StartIndex, [state.UserInput]));

        void Deliver(int target, int order, string? text)
        {
            if (text is not null)
            {
                (inputs[target] ??= []).Add((order, text));
            }
            if (--remaining[target] > 0)
            {
                return;
            }
            if (inputs[target] is { Count: > 0 } arrived)
            {
                arrived.Sort(static (a, b) => a.Order.CompareTo(b.Order));
                ready.Enqueue((target, arrived.Select(a => a.Text).ToArray()));
            }
            else
            {
                // Every branch into this node was skipped: skip it and pass the skip on.
                foreach (var edge in nodes[target].Outgoing)
                {
                    Deliver(edge.Target, edge.Order, null);
                }
            }
        }

        void Complete(Completion done)
        {
            traces.Add(done.Trace);
            if (done.Error is not null)
            {
                error ??= done.Error;
                failedNode ??= done.Trace.NodeId;
                runCts.Cancel();
                return;
            }
            var node = nodes[done.Index];
            var result = done.Result!;
            state.SetOutput(node.Graph.Name, result.Output);
            if (result.AbortMessage is not null)
            {
                abortMessage ??= result.AbortMessage;
                runCts.Cancel();
                return;
            }
            if (done.Index == pipeline.EndIndex)
            {
                reply = result.Output;
            }
            if (result.Route is not null)
            {
                state.RecordRoute(node.Graph.Name, node.Ports[result.Route]);
            }
            foreach (var edge in node.Outgoing)
            {
                var active = result.Route is null || edge.Port == result.Route;
                if (active)
                {
                    state.RecordStep(node.Graph.Name, nodes[edge.Target].Graph.Name);
                }
                Deliver(edge.Target, edge.Order, active ? result.Output : null);
            }
        }

        while (error is null && abortMessage is null)
        {
            while (ready.Count > 0 && error is null && abortMessage is null)
            {
                var (index, nodeInputs) = ready.Dequeue();
                var task = RunNodeAsync(scope, pipeline, index, nodeInputs, runCts.Token);
                if (task.IsCompleted)
                {
                    Complete(await task);
                }
                else
                {
                    inflight.Add(task);
                }
            }
            if (inflight.Count == 0)
            {
                break;
            }
            var finished = await Task.WhenAny(inflight);
            inflight.Remove(finished);
            Complete(await finished);
        }

        // Let branches that were cancelled by an abort or a failure wind down before returning the state.
        foreach (var task in inflight)
        {
            var done = await task;
            traces.Add(done.Trace);
        }
        ct.ThrowIfCancellationRequested();

        if (abortMessage is not null)
        {
            return new PipelineRunResult(abortMessage, traces, state, Aborted: true, Error: null, FailedNodeId: null);
        }
        if (error is null && reply is null)
        {
            error = "No branch reached the End node: the route that was taken ends before End.";
        }
        return new PipelineRunResult(reply, traces, state, Aborted: false, error, failedNode);
    }

    private async Task<Completion> RunNodeAsync(RunScope scope, CompiledPipeline pipeline, int index, string[] inputs, CancellationToken runToken)
    {
        var node = pipeline.Nodes[index];
        var context = new NodeContext(scope, node.Graph, inputs, canStream: index == pipeline.StreamingIndex);
        using var activity = Observability.ChatTelemetry.Source.StartActivity("node " + node.Graph.Type);
        activity?.SetTag(Observability.ChatTelemetry.NodeId, node.Graph.Id);
        activity?.SetTag(Observability.ChatTelemetry.NodeType, node.Graph.Type);
        activity?.SetTag(Observability.ChatTelemetry.NodeName, node.Graph.Name);
        // What the node changed in participant data and session state, for the trace. Branches running at the same time
        // share the state, so a change made by a parallel branch meanwhile can show on both nodes (the turn's sum is exact).
        var participantBefore = scope.State.ParticipantDataSnapshot();
        var sessionBefore = scope.State.SessionStateSnapshot();
        var started = Stopwatch.GetTimestamp();
        NodeResult? result = null;
        string? error = null;
        CancellationTokenSource? timeout = null;
        try
        {
            timeout = CancellationTokenSource.CreateLinkedTokenSource(runToken);
            timeout.CancelAfter(TimeSpan.FromSeconds(node.Descriptor.TimeoutSeconds));
            result = await node.Descriptor.Node.ExecuteAsync(node.Params, context, timeout.Token).ConfigureAwait(false);
            if (result.Route is not null && !node.Ports.ContainsKey(result.Route))
            {
                error = $"'{node.Graph.Name}' chose output '{result.Route}', which it does not have.";
            }
        }
        catch (OperationCanceledException) when (runToken.IsCancellationRequested)
        {
            error = "Cancelled.";
        }
        catch (OperationCanceledException) when (timeout?.IsCancellationRequested == true)
        {
            error = $"'{node.Graph.Name}' did not finish within {node.Descriptor.TimeoutSeconds} s.";
        }
        catch (PipelineNodeException ex)
        {
            error = $"{node.Graph.Name}: {ex.Message}";
        }
        catch (Exception ex) when (ex is Core.Llm.LlmProviderException or Core.Outbound.OutboundBlockedException)
        {
            // Written for people: the provider's or the policy's reason, never a response body.
            error = $"{node.Graph.Name} failed: {ex.Message}";
        }
        catch (Exception ex)
        {
            // A bug or an unforeseen failure: its text may hold anything (paths, connection details), so it goes to the log
            // with its stack, and the trace and the caller get what happened, not the exception's message.
            if (logger is not null)
            {
                LogNodeCrashed(logger, ex, node.Graph.Id, node.Graph.Type, scope.Context.ChatbotId, scope.Context.SessionId);
            }
            error = $"{node.Graph.Name} failed unexpectedly ({ex.GetType().Name}); the details are in the server log.";
        }
        finally
        {
            timeout?.Dispose();
        }
        if (error is not null)
        {
            Observability.ChatTelemetry.Fail(activity, "node failed");
        }
        var elapsed = Stopwatch.GetElapsedTime(started).TotalMilliseconds;
        var (calls, notes, prompts) = context.Usage();
        List<StateChange> changes =
        [
            .. StateChange.Diff(StateChange.ParticipantData, participantBefore, scope.State.ParticipantDataSnapshot()),
            .. StateChange.Diff(StateChange.SessionState, sessionBefore, scope.State.SessionStateSnapshot()),
        ];
        var routeLabel = result?.Route is { } port && node.Ports.TryGetValue(port, out var label) ? label : null;
        var trace = new NodeTrace(node.Graph.Id, node.Graph.Name, node.Graph.Type, context.Input, result?.Output, result?.Route,
            elapsed, calls.Sum(c => c.InputTokens), calls.Sum(c => c.OutputTokens), calls.Sum(c => c.Cost),
            error, notes, calls, prompts, routeLabel, changes.Count > 0 ? changes : null);
        return new Completion(index, error is null ? result : null, error, trace);
    }

    private sealed record Completion(int Index, NodeResult? Result, string? Error, NodeTrace Trace);

    [LoggerMessage(Level = LogLevel.Error, Message = "Node {NodeId} ({NodeType}) of chatbot {ChatbotId} failed unexpectedly in session {SessionId}")]
    private static partial void LogNodeCrashed(ILogger logger, Exception ex, string nodeId, string nodeType, Guid? chatbotId, Guid? sessionId);

    internal sealed class RunScope(PipelineRunState state, IPipelineServices services, PipelineRunContext context, Func<string, ValueTask>? onToken)
    {
        public PipelineRunState State { get; } = state;

        public IPipelineServices Services { get; } = services;

        public PipelineRunContext Context { get; } = context;

        public Func<string, ValueTask>? OnToken { get; } = onToken;
    }
}

/// <summary>A validated graph with params parsed and edges indexed, ready to run many times.</summary>
public sealed class CompiledPipeline
{
    internal CompiledNode[] Nodes { get; private init; } = [];

    internal int[] PredecessorCounts { get; private init; } = [];

    internal int StartIndex { get; private init; }

    internal int EndIndex { get; private init; }

    /// <summary>The node whose output is the reply when it is End's only input; -1 otherwise.</summary>
    internal int StreamingIndex { get; private init; } = -1;

    public PipelineGraph Graph { get; private init; } = PipelineGraph.Empty;

    internal static CompiledPipeline Create(PipelineGraph graph, NodeRegistry registry)
    {
        var start = graph.Nodes.Single(n => n.Type == Pipelines.Nodes.StartNode.TypeKey);
        var outgoing = graph.Edges.ToLookup(e => e.Source, e => e.Target);
        // Only nodes reachable from Start take part; others would wait forever for an input.
        var reachable = GraphValidator.Reachable(start.Id, outgoing);
        var list = graph.Nodes.Where(n => reachable.Contains(n.Id)).ToList();
        var index = list.Select((n, i) => (n.Id, i)).ToDictionary(x => x.Id, x => x.i, StringComparer.Ordinal);
        var counts = new int[list.Count];
        var compiled = new CompiledNode[list.Count];
        for (var i = 0; i < list.Count; i++)
        {
            var descriptor = registry.Get(list[i].Type);
            var parameters = registry.ParseValid(descriptor, list[i].Params);
            var edges = graph.Edges.Select((e, order) => (e, order))
                .Where(x => x.e.Source == list[i].Id && index.ContainsKey(x.e.Target))
                .Select(x => new CompiledEdge(x.e.SourcePort, index[x.e.Target], x.order))
                .ToArray();
            foreach (var edge in edges)
            {
                counts[edge.Target]++;
            }
            compiled[i] = new CompiledNode(list[i], descriptor, parameters, edges,
                descriptor.Node.Outputs(parameters).ToDictionary(p => p.Name, p => p.Label, StringComparer.Ordinal));
        }
        var endIndex = list.FindIndex(n => n.Type == Pipelines.Nodes.EndNode.TypeKey);
        var intoEnd = compiled.Where(n => n.Outgoing.Any(e => e.Target == endIndex)).ToList();
        return new CompiledPipeline
        {
            Graph = graph,
            Nodes = compiled,
            PredecessorCounts = counts,
            StartIndex = index[start.Id],
            EndIndex = endIndex,
            StreamingIndex = counts[endIndex] == 1 && intoEnd.Count == 1 ? Array.IndexOf(compiled, intoEnd[0]) : -1,
        };
    }
}

/// <param name="Ports">Output port names and their labels (a router's labels are its routes).</param>
internal sealed record CompiledNode(GraphNode Graph, NodeDescriptor Descriptor, object Params, CompiledEdge[] Outgoing, Dictionary<string, string> Ports);

internal sealed record CompiledEdge(string Port, int Target, int Order);

/// <summary>A pipeline that cannot run, with every problem keyed by node.</summary>
public sealed class PipelineValidationException(IReadOnlyList<GraphError> errors)
    : Exception("The pipeline has problems: " + string.Join("; ", errors.Select(e => e.ToString())))
{
    public IReadOnlyList<GraphError> Errors { get; } = errors;
}
