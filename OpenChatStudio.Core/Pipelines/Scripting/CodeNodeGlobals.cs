using System.Text.Json.Nodes;
using Jint;
using Jint.Native;
using Jint.Native.Object;
using Jint.Runtime.Descriptors;
using Jint.Runtime.Interop;
using OpenChatStudio.Core.Pipelines.Execution;

namespace OpenChatStudio.Core.Pipelines.Scripting;

/// <summary>
/// The helper functions a Code node's script sees as globals, with OCS's snake_case names, mapped onto the typed
/// <see cref="PipelineRunState"/>. Misuse (a reserved key, an unknown route, a key that is not text) throws a
/// <see cref="PipelineNodeException"/>, which the script cannot catch: the node fails with that message and its line.
/// </summary>
internal sealed class CodeNodeGlobals
{
    /// <summary>Category OCS gives the tag that abort_with_message(message, tag) puts on the reply.</summary>
    public const string AbortTagCategory = "safety_layer_response";

    private const int MaxConsoleLines = 200;
    private const int MaxConsoleLineLength = 2_000;

    private readonly Engine _engine;
    private readonly NodeContext _context;
    private readonly IReadOnlyList<string> _routes;
    private int _consoleLines;

    public CodeNodeGlobals(Engine engine, NodeContext context, IReadOnlyList<string> routes)
    {
        _engine = engine;
        _context = context;
        _routes = routes;
        Install();
    }

    /// <summary>The route index the script chose with set_route, if it did.</summary>
    public int? SelectedRoute { get; private set; }

    /// <summary>The second argument of main: facts about the run that are not state.</summary>
    public JsValue CreateContextArgument() => JsJson.ToJs(_engine, new JsonObject
    {
        ["node_name"] = _context.Node.Name,
        ["user_input"] = _context.State.UserInput,
        ["node_inputs"] = new JsonArray(_context.Inputs.Select(i => (JsonNode?)JsonValue.Create(i)).ToArray()),
        ["participant_details"] = new JsonObject
        {
            ["identifier"] = _context.State.Participant.Identifier,
            ["platform"] = _context.State.Participant.Platform,
            ["name"] = _context.State.Participant.Name,
        },
    });

    private void Install()
    {
        var state = _context.State;
        var global = _engine.Global;

        Define(global, "get_participant_data", 0, _ => JsJson.ToJs(_engine, state.ParticipantDataSnapshot()));
        Define(global, "set_participant_data", 1, args =>
        {
            var data = JsJson.FromJs(_engine, Arg(args, 0), "set_participant_data(data): data") as JsonObject
                ?? throw new PipelineNodeException("set_participant_data(data): data must be an object, e.g. { name: 'Ada' }.");
            state.MergeParticipantData(data);
            return JsValue.Undefined;
        });
        Define(global, "get_participant_data_key", 1, args => JsJson.ToJs(_engine, state.GetParticipantData(Key(args, "get_participant_data_key"))));
        Define(global, "set_participant_data_key", 2, args =>
        {
            var key = Key(args, "set_participant_data_key");
            state.SetParticipantData(key, JsJson.FromJs(_engine, Arg(args, 1), "set_participant_data_key(key, value): value"));
            return JsValue.Undefined;
        });
        Define(global, "append_to_participant_data_key", 2, args =>
        {
            var key = Key(args, "append_to_participant_data_key");
            state.AppendParticipantData(key, JsJson.FromJs(_engine, Arg(args, 1), "append_to_participant_data_key(key, value): value"));
            return JsValue.Undefined;
        });
        Define(global, "increment_participant_data_key", 2, args =>
        {
            var key = Key(args, "increment_participant_data_key");
            var by = Arg(args, 1).IsUndefined() ? 1 : Arg(args, 1).IsNumber() ? Arg(args, 1).AsNumber() : double.NaN;
            if (!double.IsFinite(by))
            {
                throw new PipelineNodeException("increment_participant_data_key(key, by): by must be a number.");
            }
            return JsNumber.Create(state.IncrementParticipantData(key, by));
        });

        Define(global, "get_temp_state_key", 1, args => JsJson.ToJs(_engine, state.GetTempState(Key(args, "get_temp_state_key"))));
        Define(global, "set_temp_state_key", 2, args =>
        {
            var key = Key(args, "set_temp_state_key");
            state.SetTempState(key, JsJson.FromJs(_engine, Arg(args, 1), "set_temp_state_key(key, value): value"));
            return JsValue.Undefined;
        });
        Define(global, "get_session_state_key", 1, args => JsJson.ToJs(_engine, state.GetSessionState(Key(args, "get_session_state_key"))));
        Define(global, "set_session_state_key", 2, args =>
        {
            var key = Key(args, "set_session_state_key");
            state.SetSessionState(key, JsJson.FromJs(_engine, Arg(args, 1), "set_session_state_key(key, value): value"));
            return JsValue.Undefined;
        });

        Define(global, "get_node_output", 1, args =>
            state.GetOutput(Text(args, 0, "get_node_output(node_name): node_name")) is { } output ? JsString.Create(output) : JsValue.Null);
        Define(global, "add_message_tag", 1, args =>
        {
            state.AddMessageTag(Text(args, 0, "add_message_tag(tag): tag"));
            return JsValue.Undefined;
        });
        Define(global, "add_session_tag", 1, args =>
        {
            state.AddSessionTag(Text(args, 0, "add_session_tag(tag): tag"));
            return JsValue.Undefined;
        });
        Define(global, "end_session", 0, _ =>
        {
            state.RequestEndSession();
            return JsValue.Undefined;
        });
        Define(global, "abort_with_message", 2, args =>
        {
            var message = Text(args, 0, "abort_with_message(message): message");
            if (!Arg(args, 1).IsUndefined() && !Arg(args, 1).IsNull())
            {
                state.AddMessageTag(Text(args, 1, "abort_with_message(message, tag_name): tag_name"), AbortTagCategory);
            }
            throw new AbortRequestedException(message);
        });

        Define(global, "set_route", 1, args =>
        {
            var name = Text(args, 0, "set_route(name): name");
            if (_routes.Count == 0)
            {
                throw new PipelineNodeException("set_route: this node has no routes. Add routes in its settings first.");
            }
            var wanted = name.Trim().ToUpperInvariant();
            var index = _routes.Select(r => r.Trim().ToUpperInvariant()).ToList().IndexOf(wanted);
            SelectedRoute = index >= 0
                ? index
                : throw new PipelineNodeException($"set_route: unknown route '{name}'. Routes: {string.Join(", ", _routes)}.");
            return JsValue.Undefined;
        });
        Define(global, "get_all_routes", 0, _ => JsJson.ToJs(_engine, new JsonArray(_routes.Select(r => (JsonNode?)JsonValue.Create(r)).ToArray())));

        var console = new JsObject(_engine);
        foreach (var level in new[] { "log", "info", "debug", "warn", "error" })
        {
            var prefix = level is "warn" or "error" ? level + ": " : "";
            Define(console, level, 0, args => Print(prefix, args));
        }
        global.FastSetProperty("console", new PropertyDescriptor(console, PropertyFlag.Writable | PropertyFlag.Configurable));
        Define(global, "print", 0, args => Print("", args));
    }

    private JsValue Print(string prefix, JsValue[] args)
    {
        var line = prefix + string.Join(' ', args.Select(a => JsJson.ToConsoleText(_engine, a)));
        var count = Interlocked.Increment(ref _consoleLines);
        if (count <= MaxConsoleLines)
        {
            _context.Note(line.Length > MaxConsoleLineLength ? line[..MaxConsoleLineLength] + "…" : line);
        }
        else if (count == MaxConsoleLines + 1)
        {
            _context.Note($"(console output after {MaxConsoleLines} lines was dropped)");
        }
        return JsValue.Undefined;
    }

    private void Define(ObjectInstance target, string name, int length, Func<JsValue[], JsValue> body) =>
        target.FastSetProperty(name, new PropertyDescriptor(
            new ClrFunction(_engine, name, (_, args) => body(args), length, PropertyFlag.Configurable),
            PropertyFlag.Writable | PropertyFlag.Configurable));

    private static JsValue Arg(JsValue[] args, int index) => index < args.Length ? args[index] : JsValue.Undefined;

    private static string Key(JsValue[] args, string function) => Text(args, 0, $"{function}(key): key");

    private static string Text(JsValue[] args, int index, string what)
    {
        var value = Arg(args, index);
        return value.IsString() && value.AsString().Trim().Length > 0
            ? value.AsString()
            : throw new PipelineNodeException($"{what} must be non-empty text, not {(value.IsString() ? "empty text" : value.Type.ToString().ToLowerInvariant())}.");
    }
}

