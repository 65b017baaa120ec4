using OpenChatStudio.Core.Pipelines.Graph;

namespace OpenChatStudio.Core.Pipelines.Execution;

/// <summary>Everything a node may see and touch while it runs.</summary>
public sealed class NodeContext
{
    private readonly PipelineExecutor.RunScope _run;
    private List<string>? _notes;
    private List<LlmUsage>? _calls;
    private List<LlmPrompt>? _prompts;

    internal NodeContext(PipelineExecutor.RunScope run, GraphNode node, IReadOnlyList<string> inputs, bool canStream)
    {
        _run = run;
        Node = node;
        Inputs = inputs;
        Input = inputs.Count == 1 ? inputs[0] : string.Join("\n\n", inputs);
        CanStream = canStream;
    }

    public GraphNode Node { get; }

    /// <summary>The incoming message; several branches' outputs are joined with a blank line.</summary>
    public string Input { get; }

    /// <summary>Each incoming branch's output, in the order of the graph's edges.</summary>
    public IReadOnlyList<string> Inputs { get; }

    public PipelineRunState State => _run.State;

    public IPipelineServices Services => _run.Services;

    public PipelineRunContext Run => _run.Context;

    /// <summary>True when this node's output is the reply, so streaming its tokens shows the reply as it is written.</summary>
    public bool CanStream { get; }

    public ValueTask StreamAsync(string delta) => CanStream && _run.OnToken is { } onToken ? onToken(delta) : ValueTask.CompletedTask;

    public void RecordUsage(LlmUsage usage)
    {
        lock (this)
        {
            (_calls ??= []).Add(usage);
        }
    }

    /// <summary>Records what an LLM call sent, for the trace ("what the model saw").</summary>
    public void RecordPrompt(LlmPrompt prompt)
    {
        lock (this)
        {
            (_prompts ??= []).Add(prompt);
        }
    }

    /// <summary>Adds a line to this node's trace (console output, tool calls, decisions).</summary>
    public void Note(string text)
    {
        lock (this)
        {
            (_notes ??= []).Add(text);
        }
    }

    internal (IReadOnlyList<LlmUsage> Calls, IReadOnlyList<string> Notes, IReadOnlyList<LlmPrompt>? Prompts) Usage()
    {
        lock (this)
        {
            return ((IReadOnlyList<LlmUsage>?)_calls?.ToList() ?? [], (IReadOnlyList<string>?)_notes?.ToList() ?? [], _prompts?.ToList());
        }
    }
}

/// <summary>Who and what a run belongs to, for history, tools and traces. All optional in the editor's test runs.</summary>
public sealed record PipelineRunContext(Guid? TeamId = null, Guid? ChatbotId = null, Guid? SessionId = null, Guid? ParticipantId = null)
{
    public static readonly PipelineRunContext None = new();
}
