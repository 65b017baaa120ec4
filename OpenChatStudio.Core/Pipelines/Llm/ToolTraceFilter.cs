using System.Diagnostics;
using Microsoft.SemanticKernel;
using OpenChatStudio.Core.Pipelines.Execution;

namespace OpenChatStudio.Core.Pipelines.Llm;

/// <summary>A Semantic Kernel filter that writes every tool call (arguments, result, duration, failure) to the node's trace.</summary>
internal sealed class ToolTraceFilter(NodeContext context) : IFunctionInvocationFilter
{
    public async Task OnFunctionInvocationAsync(FunctionInvocationContext invocation, Func<FunctionInvocationContext, Task> next)
    {
        var started = Stopwatch.GetTimestamp();
        var arguments = string.Join(", ", invocation.Arguments.Select(a => $"{a.Key}={a.Value}"));
        try
        {
            await next(invocation);
            context.Note($"Tool {invocation.Function.Name}({arguments}) → {invocation.Result.GetValue<object>()} ({Stopwatch.GetElapsedTime(started).TotalMilliseconds:0} ms)");
        }
        catch (Exception ex) when (ex is not OperationCanceledException)
        {
            context.Note($"Tool {invocation.Function.Name}({arguments}) failed: {ex.Message}");
            throw;
        }
    }
}
