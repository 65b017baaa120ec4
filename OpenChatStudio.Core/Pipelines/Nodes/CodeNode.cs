using System.ComponentModel;
using System.ComponentModel.DataAnnotations;
using Acornima.Ast;
using Jint;
using Jint.Native;
using Jint.Runtime;
using OpenChatStudio.Core.Pipelines.Execution;
using OpenChatStudio.Core.Pipelines.Registry;
using OpenChatStudio.Core.Pipelines.Scripting;

namespace OpenChatStudio.Core.Pipelines.Nodes;

/// <summary>
/// OCS's Python node, in JavaScript: the script defines <c>main(input, context)</c> and what it returns is the output.
/// Global helpers (OCS names) read and change participant data, session and temp state, tag, end the session, abort
/// the run or pick one of the node's routes. Runs in strict mode on a pooled <see cref="JsSandbox"/> engine
/// (<see cref="JsEnginePool"/>: frozen built-ins, globals reset after every run).
/// </summary>
[PipelineNode(TypeKey, Label = "Code", Category = "Logic",
    Description = "Runs JavaScript: define main(input, context) and return the output. Helpers such as get_participant_data_key, " +
                  "set_session_state_key, read_attachment_text, add_message_tag, end_session, abort_with_message and set_route read and change state and control " +
                  "the run. Sandboxed: no files, network or .NET; at most 2 s and 32 MB per run.",
    Icon = "code", TimeoutSeconds = 10)]
public sealed class CodeNode : PipelineNode<CodeNode.Params>
{
    public const string TypeKey = "CodeNode";

    public const string DefaultCode = """
        function main(input, context) {
          return input;
        }
        """;

    private const string MissingMain = "Define a function main(input, context) that returns the node's output.";

    private static readonly Prepared<Script> MainLookup = Engine.PrepareScript("typeof main === 'function' ? main : undefined");

    private readonly JsScriptCache _scripts = new();
    private readonly JsEnginePool _engines = new(new JsSandbox(JsSandboxLimits.Default), JsEnginePool.DefaultCapacity);

    /// <summary>Idle pooled engines (for tests).</summary>
    internal int IdleEngines => _engines.IdleCount;

    public sealed class Params
    {
        [Required(ErrorMessage = "Write the code."), StringLength(100_000)]
        [FieldWidget(FieldWidgetAttribute.Code), Description("JavaScript that defines main(input, context); what main returns is the node's output.")]
        public string Code { get; set; } = DefaultCode;

        [FieldWidget(FieldWidgetAttribute.KeywordList)]
        [Description("Optional. One output per route; the code picks one with set_route(name), otherwise the first. Empty: a single output.")]
        public List<string> Routes { get; set; } = [];
    }

    public override IReadOnlyList<OutputPort> Outputs(Params p) => p.Routes.Count == 0 ? OutputPort.Single : RouterKeywords.Ports(p.Routes);

    public override IEnumerable<GraphValidationIssue> Validate(Params p)
    {
        var script = _scripts.Get(p.Code);
        if (script.SyntaxError is { } syntaxError)
        {
            yield return new GraphValidationIssue("code", syntaxError);
        }
        else if (!script.DefinesMain)
        {
            yield return new GraphValidationIssue("code", MissingMain);
        }
        if (p.Routes.Count > 0)
        {
            // Only the names matter here: without set_route the first route is taken, so there is no default index to check.
            foreach (var issue in RouterKeywords.Validate(p.Routes, 0))
            {
                yield return issue with { Field = "routes" };
            }
        }
    }

    public override async Task<NodeResult> ExecuteAsync(Params p, NodeContext context, CancellationToken ct)
    {
        var script = _scripts.Get(p.Code);
        if (script.Prepared is not { } prepared)
        {
            throw new PipelineNodeException(script.SyntaxError ?? "The code could not be parsed.");
        }
        // Helpers are synchronous: what a script may read from the database is read first, and only when it asks for it.
        var schedules = p.Code.Contains("get_participant_schedules", StringComparison.Ordinal)
            ? await context.Services.Reminders.ListAsync(context.Run, ct).ConfigureAwait(false)
            : null;
        // The script is synchronous CPU work: it runs on a thread of its own with a known stack, so parallel branches
        // keep moving, Jint's per-thread memory accounting sees this script alone, and deep work meets the sandbox's
        // nesting limits long before the stack ends (a stack overflow would end the process).
        return await JsScriptThread.RunAsync(() => Run(prepared, p.Routes, context, schedules, ct), ct).ConfigureAwait(false);
    }

    private NodeResult Run(Prepared<Script> prepared, IReadOnlyList<string> routes, NodeContext context,
        IReadOnlyList<Tools.ReminderInfo>? schedules, CancellationToken ct)
    {
        var sandbox = _engines.Sandbox;
        var lease = _engines.Rent();
        var engine = lease.Engine;
        var globals = lease.Globals;
        // Jint's memory and statement limits restart with every call into the engine; the deadline (time and the
        // caller's token) and the allocation check below hold for the whole run (top-level code plus main).
        var allocatedBefore = GC.GetAllocatedBytesForCurrentThread();
        var reusable = false;
        lease.Deadline.Begin(sandbox.Limits.Timeout, ct);
        globals.Attach(context, routes, schedules);
        string output;
        int? selectedRoute;
        try
        {
            engine.Execute(prepared);
            var main = engine.Evaluate(MainLookup);
            if (main.IsUndefined())
            {
                throw new PipelineNodeException(MissingMain);
            }
            var result = engine.Call(main, JsValue.Undefined, [JsString.Create(context.Input), globals.CreateContextArgument()]);
            if (result.IsPromise())
            {
                using var deadline = CancellationTokenSource.CreateLinkedTokenSource(ct);
                deadline.CancelAfter(sandbox.Limits.Timeout);
                result = result.UnwrapIfPromise(deadline.Token);
            }
            output = JsJson.ToOutput(engine, result);
            selectedRoute = globals.SelectedRoute;
            reusable = true;
        }
        catch (AbortRequestedException abort)
        {
            reusable = true;
            context.Note($"abort_with_message: {abort.Message}");
            return NodeResult.Abort(abort.Message);
        }
        catch (Exception ex) when (ex is ExecutionCanceledException or OperationCanceledException && ct.IsCancellationRequested)
        {
            throw new OperationCanceledException(ex.Message, ex, ct);
        }
        catch (Exception ex) when (ex is ExecutionCanceledException or OperationCanceledException)
        {
            throw new PipelineNodeException(sandbox.TimedOut(), ex);
        }
        catch (Exception ex)
        {
            // The script's own errors leave the engine sound; a limit that stopped it mid-statement may not.
            reusable = ex is JavaScriptException or PipelineNodeException or PromiseRejectedException;
            throw new PipelineNodeException(sandbox.Describe(ex), ex);
        }
        finally
        {
            lease.Deadline.End();
            globals.Detach();
            _engines.Return(lease, reusable);
        }
        if (GC.GetAllocatedBytesForCurrentThread() - allocatedBefore > sandbox.Limits.MemoryBytes)
        {
            throw new PipelineNodeException($"Code used more than {sandbox.Limits.MemoryMegabytes} MB of memory.");
        }

        if (routes.Count == 0)
        {
            return NodeResult.Continue(output);
        }
        var index = selectedRoute ?? 0;
        context.Note(selectedRoute is null ? $"No set_route call: took the first route, {routes[0]}." : $"Route: {routes[index]}");
        return NodeResult.RouteTo($"output_{index}", output);
    }
}
