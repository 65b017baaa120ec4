namespace OpenChatStudio.Core.Pipelines.Scripting;

/// <summary>
/// Runs one script on a thread of its own with a known, generous stack. A thread-pool thread has about 1.5 MB of stack
/// on Linux, and a stack overflow ends the whole process (.NET cannot catch it), so scripts never run there. The
/// sandbox's own limits (<see cref="JsSandboxGuards.MaxNesting"/>, the recursion limit, stack probes in every guarded
/// built-in) stop deep work long before this stack is used up; the size is a margin for paths inside the engine that no
/// guard sees. Stack pages are reserved, not committed: a shallow script touches a few hundred kilobytes of it.
/// </summary>
internal static class JsScriptThread
{
    public const int StackBytes = 64 * 1024 * 1024;

    public static Task<T> RunAsync<T>(Func<T> work, CancellationToken ct)
    {
        if (ct.IsCancellationRequested)
        {
            return Task.FromCanceled<T>(ct);
        }
        var done = new TaskCompletionSource<T>(TaskCreationOptions.RunContinuationsAsynchronously);
        var thread = new Thread(() =>
        {
            try
            {
                done.TrySetResult(work());
            }
            catch (OperationCanceledException ex) when (ex.CancellationToken == ct && ct.IsCancellationRequested)
            {
                done.TrySetCanceled(ct);
            }
            catch (Exception ex)
            {
                done.TrySetException(ex);
            }
        }, StackBytes)
        {
            IsBackground = true,
            Name = "Code node script",
        };
        thread.Start();
        return done.Task;
    }
}
