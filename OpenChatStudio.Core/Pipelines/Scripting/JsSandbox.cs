using System.Globalization;
using System.Text.RegularExpressions;
using Jint;
using Jint.Constraints;
using Jint.Native;
using Jint.Native.Function;
using Jint.Native.Object;
using Jint.Runtime;
using Jint.Runtime.Descriptors;
using Jint.Runtime.Interop;
using OpenChatStudio.Core.Pipelines.Execution;

namespace OpenChatStudio.Core.Pipelines.Scripting;

/// <summary>
/// Creates locked-down Jint engines for user code and turns Jint's failures into messages a pipeline author can act
/// on. An engine has no CLR access (interop off, no <c>importNamespace</c>), no <c>require</c>, modules, files, network
/// or timers, no <c>eval</c>/<c>new Function</c>, and runs under time, memory, recursion, statement and array-size
/// limits. Every built-in object is frozen once the engine is set up (<see cref="JsIntrinsics"/>), so a pooled engine
/// can serve many runs: global bindings are reset between runs by <see cref="JsEnginePool"/>. Engines are not
/// thread-safe: one run at a time.
/// </summary>
internal sealed class JsSandbox(JsSandboxLimits limits)
{
    /// <summary>
    /// Binary buffers allocate their whole size in one call, before Jint's memory check can run, and ShadowRealm would
    /// hand out fresh, unguarded built-ins. Chatbot code needs neither.
    /// </summary>
    private static readonly string[] RemovedGlobals =
    [
        "ArrayBuffer", "SharedArrayBuffer", "DataView", "Atomics", "TypedArray",
        "Int8Array", "Uint8Array", "Uint8ClampedArray", "Int16Array", "Uint16Array", "Int32Array", "Uint32Array",
        "Float16Array", "Float32Array", "Float64Array", "BigInt64Array", "BigUint64Array",
        "ShadowRealm",
    ];

    public JsSandboxLimits Limits => limits;

    /// <summary>
    /// A fresh engine with no deadline armed: the caller brackets each run with <paramref name="deadline"/>'s
    /// <c>Begin</c>/<c>End</c>, so one budget and one cancellation token cover the whole run however many times it enters
    /// the engine. <paramref name="configure"/> installs host globals before the built-ins are frozen.
    /// </summary>
    public Engine CreateEngine(OperationDeadlineConstraint deadline, Action<Engine>? configure = null)
    {
        var engine = new Engine(options =>
        {
            options.LimitMemory(limits.MemoryBytes)
                .LimitRecursion(limits.MaxRecursion)
                .MaxStatements(limits.MaxStatements)
                .Constraint(deadline);
            options.Constraints.MaxArraySize = limits.MaxArrayLength;
            options.Constraints.RegexTimeout = limits.Timeout;
            options.Interop.Enabled = false;
            options.Host.StringCompilationAllowed = false;
            options.Culture = CultureInfo.InvariantCulture;
            options.TimeZone = TimeZoneInfo.Utc;
        });
        foreach (var name in RemovedGlobals)
        {
            engine.Global.Delete(name);
        }
        JsSandboxGuards.Install(engine, limits);
        configure?.Invoke(engine);
        engine.Execute(JsIntrinsics.Harden);
        return engine;
    }

    /// <summary>A clear message for anything that stopped the script (its own errors, helper misuse, the limits).</summary>
    public string Describe(Exception ex) => ex switch
    {
        JavaScriptException js => $"Code error{OnLine(ex)}: {js.Message}",
        PromiseRejectedException rejected => $"Code error: {rejected.RejectedValue}",
        PipelineNodeException => $"Code error{OnLine(ex)}: {ex.Message}",
        TimeoutException or RegexMatchTimeoutException => $"Code ran longer than {Seconds(limits.Timeout)} s{StoppedOn(ex)}.",
        MemoryLimitExceededException when ex.Message.StartsWith("The array size", StringComparison.Ordinal) =>
            $"Code made an array longer than {limits.MaxArrayLength.ToString("N0", CultureInfo.InvariantCulture)} items{StoppedOn(ex)}.",
        MemoryLimitExceededException or SandboxMemoryException => $"Code used more than {limits.MemoryMegabytes} MB of memory{StoppedOn(ex)}.",
        SandboxNestingException => $"Code nested data or calls more than {JsSandboxGuards.MaxNesting.ToString("N0", CultureInfo.InvariantCulture)} levels deep{StoppedOn(ex)}.",
        InsufficientExecutionStackException => $"Code nested data or calls too deeply for the stack{StoppedOn(ex)}.",
        RecursionDepthOverflowException => $"Code called functions more than {limits.MaxRecursion} levels deep (recursion limit){StoppedOn(ex)}.",
        StatementsCountOverflowException => $"Code ran more than {limits.MaxStatements.ToString("N0", CultureInfo.InvariantCulture)} statements{StoppedOn(ex)}.",
        _ => $"Code error{OnLine(ex)}: {ex.Message}",
    };

    /// <summary>The message for a run stopped by the sandbox's own wall-clock deadline.</summary>
    public string TimedOut() => $"Code ran longer than {Seconds(limits.Timeout)} s.";

    private static string OnLine(Exception ex) =>
        JintException.TryGetJavaScriptLocation(ex, out var location) && location.Start.Line > 0 ? $" on line {location.Start.Line}"
        : ex is JavaScriptException { Location.Start.Line: > 0 } js ? $" on line {js.Location.Start.Line}"
        : "";

    private static string StoppedOn(Exception ex) => OnLine(ex) is { Length: > 0 } line ? $" (stopped{line})" : "";

    private static string Seconds(TimeSpan t) => t.TotalSeconds.ToString("0.##", CultureInfo.InvariantCulture);
}
