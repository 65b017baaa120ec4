using OpenChatStudio.Core.Email;
using OpenChatStudio.Core.Llm;
using OpenChatStudio.Core.Pipelines.Execution;
using OpenChatStudio.Core.Pipelines.Graph;
using OpenChatStudio.Core.Pipelines.Registry;
using OpenChatStudio.Core.Pipelines.Templates;
using Microsoft.Extensions.Logging.Abstractions;

namespace OpenChatStudio.Tests.TestSupport.Pipelines;

/// <summary>The engine with in-memory services: registry of every Core node plus <see cref="TestNodes"/>.</summary>
public sealed class EngineHarness
{
    public EngineHarness(ILlmResolver? llm = null, IEmailSender? email = null, OpenChatStudio.Core.Pipelines.Tools.IReminderStore? reminders = null)
    {
        Registry = new NodeRegistry(NodeRegistry.DiscoverNodes(typeof(NodeRegistry).Assembly).Concat(TestNodes.All));
        History = new InMemoryChatHistoryStore();
        Services = new PipelineServices(llm ?? new UnconfiguredLlm(), History, email ?? new LogEmailSender(NullLogger<LogEmailSender>.Instance),
            new FluidTemplateRenderer(), TimeProvider.System, reminders: reminders);
        Executor = new PipelineExecutor(Registry, Services);
    }

    public NodeRegistry Registry { get; }

    public InMemoryChatHistoryStore History { get; }

    public PipelineServices Services { get; }

    public PipelineExecutor Executor { get; }

    public Task<PipelineRunResult> RunAsync(PipelineGraph graph, string input, PipelineRunState? state = null, PipelineRunContext? context = null,
        Func<string, ValueTask>? onToken = null, CancellationToken ct = default) =>
        Executor.RunAsync(Executor.Compile(graph), state ?? new PipelineRunState(input), context ?? PipelineRunContext.None, onToken, ct);

    private sealed class UnconfiguredLlm : ILlmResolver
    {
        public Task<LlmBinding> ResolveAsync(Guid providerId, string model, CancellationToken ct) =>
            throw new PipelineNodeException("No LLM configured in this test.");
    }
}
