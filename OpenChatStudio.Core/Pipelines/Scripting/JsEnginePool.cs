using System.Collections.Concurrent;
using Jint;
using Jint.Constraints;

namespace OpenChatStudio.Core.Pipelines.Scripting;

/// <summary>
/// Reuses sandboxed engines between Code node runs instead of building one per run (building, hardening and installing
/// the helpers is most of a run's cost). An engine serves one run at a time. Isolation between runs rests on three
/// things: built-ins are frozen (<see cref="JsIntrinsics"/>), the global bindings a run adds or changes are restored
/// from a snapshot taken when the engine was built (Jint's <c>RestoreGlobalSnapshot</c>, which also drops queued
/// promise jobs and RegExp statics), and the helpers read the current run from <see cref="CodeNodeGlobals"/>, which is
/// detached after every run. An engine whose run was stopped by a limit, cancelled or failed unexpectedly is thrown
/// away rather than reused.
/// </summary>
internal sealed class JsEnginePool(JsSandbox sandbox, int capacity)
{
    private readonly ConcurrentQueue<PooledJsEngine> _idle = new();
    private int _idleCount;

    public JsSandbox Sandbox => sandbox;

    /// <summary>Engines waiting for a run (for tests).</summary>
    public int IdleCount => Volatile.Read(ref _idleCount);

    public static int DefaultCapacity => Math.Clamp(Environment.ProcessorCount * 2, 4, 32);

    public PooledJsEngine Rent()
    {
        if (_idle.TryDequeue(out var engine))
        {
            Interlocked.Decrement(ref _idleCount);
            return engine;
        }
        return PooledJsEngine.Create(sandbox);
    }

    /// <summary>Resets the engine's globals and keeps it, or disposes it when it cannot be trusted or the pool is full.</summary>
    public void Return(PooledJsEngine engine, bool reusable)
    {
        if (!reusable || !engine.TryReset())
        {
            engine.Dispose();
            return;
        }
        if (Interlocked.Increment(ref _idleCount) > capacity)
        {
            Interlocked.Decrement(ref _idleCount);
            engine.Dispose();
            return;
        }
        _idle.Enqueue(engine);
    }
}

/// <summary>One hardened engine with its helpers installed, its run deadline and the clean state of its globals.</summary>
internal sealed class PooledJsEngine : IDisposable
{
    private readonly GlobalSnapshot _clean;

    private PooledJsEngine(Engine engine, OperationDeadlineConstraint deadline, CodeNodeGlobals globals)
    {
        Engine = engine;
        Deadline = deadline;
        Globals = globals;
        _clean = engine.Advanced.CaptureGlobalSnapshot();
    }

    public Engine Engine { get; }

    /// <summary>Armed with <c>Begin(timeout, ct)</c> for a run and disarmed with <c>End()</c> after it.</summary>
    public OperationDeadlineConstraint Deadline { get; }

    public CodeNodeGlobals Globals { get; }

    public static PooledJsEngine Create(JsSandbox sandbox)
    {
        var deadline = new OperationDeadlineConstraint();
        CodeNodeGlobals? globals = null;
        var engine = sandbox.CreateEngine(deadline, e => globals = new CodeNodeGlobals(e));
        return new PooledJsEngine(engine, deadline, globals!);
    }

    /// <summary>Back to the state right after construction: globals restored, queued jobs dropped, call stack cleared.</summary>
    public bool TryReset()
    {
        try
        {
            Engine.Advanced.ResetCallStack();
            Engine.Advanced.RestoreGlobalSnapshot(_clean);
            return true;
        }
        catch (InvalidOperationException)
        {
            return false;
        }
    }

    public void Dispose() => Engine.Dispose();
}
