using System.Collections.Concurrent;
using OpenChatStudio.Core.Pipelines.Execution;
using OpenChatStudio.Core.Pipelines.Graph;

namespace OpenChatStudio.Core.Chat;

/// <summary>Compiled pipelines by chatbot and revision, so a message does not re-parse and re-validate its graph.</summary>
public sealed class PipelineCache
{
    private const int MaxEntries = 2048;
    private readonly ConcurrentDictionary<(Guid ChatbotId, DateTime Revision), CompiledPipeline> _compiled = new();

    public CompiledPipeline GetOrCompile(Guid chatbotId, DateTime revision, string pipelineJson, PipelineExecutor executor)
    {
        if (_compiled.TryGetValue((chatbotId, revision), out var cached))
        {
            return cached;
        }
        var compiled = executor.Compile(PipelineGraph.FromJson(pipelineJson));
        if (_compiled.Count >= MaxEntries)
        {
            _compiled.Clear();
        }
        foreach (var stale in _compiled.Keys.Where(k => k.ChatbotId == chatbotId))
        {
            _compiled.TryRemove(stale, out _);
        }
        _compiled[(chatbotId, revision)] = compiled;
        return compiled;
    }
}
