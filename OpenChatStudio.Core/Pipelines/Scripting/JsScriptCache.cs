using System.Collections.Concurrent;
using Acornima;
using Acornima.Ast;
using Jint;

namespace OpenChatStudio.Core.Pipelines.Scripting;

/// <summary>
/// Parses user JavaScript once per distinct source and keeps the result, so saving validates it and every later run
/// reuses the parsed tree. Scripts run in strict mode. A <see cref="Prepared{Script}"/> is immutable and may be shared by engines on any thread.
/// </summary>
internal sealed class JsScriptCache
{
    private const int MaxEntries = 512;

    private const string StrictPrefix = "'use strict'; ";

    private readonly ConcurrentDictionary<string, JsScript> _scripts = new(StringComparer.Ordinal);

    public JsScript Get(string code)
    {
        if (_scripts.TryGetValue(code, out var cached))
        {
            return cached;
        }
        var script = Prepare(code);
        if (_scripts.Count < MaxEntries)
        {
            _scripts.TryAdd(code, script);
        }
        return script;
    }

    private static JsScript Prepare(string code)
    {
        try
        {
            // Strict mode, on the first line so line numbers stay the user's: writes to frozen built-ins and undeclared
            // variables fail loudly instead of silently doing nothing.
            var prepared = Engine.PrepareScript(StrictPrefix + code, source: "code");
            return new JsScript(prepared, null, DefinesFunction(prepared.Program!, "main"));
        }
        catch (ScriptPreparationException ex) when (ex.InnerException is ParseErrorException parse)
        {
            return new JsScript(null, $"Syntax error on line {parse.LineNumber}: {parse.Description}", false);
        }
        catch (ParseErrorException parse)
        {
            return new JsScript(null, $"Syntax error on line {parse.LineNumber}: {parse.Description}", false);
        }
        catch (Exception ex) when (ex is InsufficientExecutionStackException || ex.InnerException is InsufficientExecutionStackException)
        {
            return new JsScript(null, "The code nests brackets or expressions too deeply to be read.", false);
        }
    }

    /// <summary>True when the top level declares <paramref name="name"/> as a function, a variable or an assignment.</summary>
    private static bool DefinesFunction(Script program, string name) =>
        program.Body.Any(statement => statement switch
        {
            FunctionDeclaration { Id.Name: var id } => id == name,
            VariableDeclaration declaration => declaration.Declarations.Any(d => d.Id is Identifier identifier && identifier.Name == name),
            ExpressionStatement { Expression: AssignmentExpression { Left: Identifier identifier } } => identifier.Name == name,
            _ => false,
        });
}

/// <summary>Parsed code, or the syntax error that stopped it (with its line).</summary>
internal sealed record JsScript(Prepared<Script>? Prepared, string? SyntaxError, bool DefinesMain);
