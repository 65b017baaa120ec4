using System.Text.Json.Nodes;
using Jint;
using Jint.Native;
using Jint.Native.Object;
using Jint.Runtime;
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
    private NodeContext? _context;
    private IReadOnlyList<string> _routes = [];
    private IReadOnlyList<Tools.ReminderInfo>? _schedules;
    private int _consoleLines;

    /// <summary>Installs the helpers on <paramref name="engine"/> once; they act on whichever run is attached.</summary>
    public CodeNodeGlobals(Engine engine)
    {
        _engine = engine;
        Install();
    }

    /// <summary>The route index the script chose with set_route, if it did.</summary>
    public int? SelectedRoute { get; private set; }

    /// <summary>Points the helpers at one run's state; <see cref="Detach"/> when the run is over.</summary>
    /// <param name="schedules">The participant's pending scheduled messages, read before the run when the script uses
    /// <c>get_participant_schedules</c> (helpers are synchronous).</param>
    public void Attach(NodeContext context, IReadOnlyList<string> routes, IReadOnlyList<Tools.ReminderInfo>? schedules = null)
    {
        _context = context;
        _routes = routes;
        _schedules = schedules;
        _consoleLines = 0;
        SelectedRoute = null;
    }

    /// <summary>Forgets the run, so a pooled engine holds no reference to a finished run's state.</summary>
    public void Detach()
    {
        _context = null;
        _routes = [];
        _schedules = null;
    }

    private NodeContext Context => _context ?? throw new PipelineNodeException("Helpers are only available while the code runs.");

    /// <summary>The second argument of main: facts about the run that are not state.</summary>
    public JsValue CreateContextArgument()
    {
        var context = Context;
        var participant = context.State.Participant;
        var details = new JsObject(_engine);
        details.FastSetDataProperty("identifier", JsText(participant.Identifier));
        details.FastSetDataProperty("platform", JsText(participant.Platform));
        details.FastSetDataProperty("name", JsText(participant.Name));
        var inputs = new JsValue[context.Inputs.Count];
        for (var i = 0; i < inputs.Length; i++)
        {
            inputs[i] = JsText(context.Inputs[i]);
        }
        var argument = new JsObject(_engine);
        argument.FastSetDataProperty("node_name", JsText(context.Node.Name));
        argument.FastSetDataProperty("user_input", JsText(context.State.UserInput));
        argument.FastSetDataProperty("node_inputs", new JsArray(_engine, inputs));
        argument.FastSetDataProperty("participant_details", details);
        return argument;
    }

    private static JsValue JsText(string? value) => value is null ? JsValue.Null : JsString.Create(value);

    private void Install()
    {
        var global = _engine.Global;

        Define(global, "get_participant_data", 0, _ => JsJson.ToJs(_engine, Context.State.ParticipantDataSnapshot()));
        Define(global, "set_participant_data", 1, args =>
        {
            var data = JsJson.FromJs(_engine, Arg(args, 0), "set_participant_data(data): data") as JsonObject
                ?? throw new PipelineNodeException("set_participant_data(data): data must be an object, e.g. { name: 'Ada' }.");
            Context.State.ReplaceParticipantData(data);
            return JsValue.Undefined;
        });
        Define(global, "get_participant_data_key", 1, args => JsJson.ToJs(_engine, Context.State.GetParticipantData(Key(args, "get_participant_data_key"))));
        Define(global, "set_participant_data_key", 2, args =>
        {
            var key = Key(args, "set_participant_data_key");
            Context.State.SetParticipantData(key, JsJson.FromJs(_engine, Arg(args, 1), "set_participant_data_key(key, value): value"));
            return JsValue.Undefined;
        });
        Define(global, "append_to_participant_data_key", 2, args =>
        {
            var key = Key(args, "append_to_participant_data_key");
            Context.State.AppendParticipantData(key, JsJson.FromJs(_engine, Arg(args, 1), "append_to_participant_data_key(key, value): value"));
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
            return JsNumber.Create(Context.State.IncrementParticipantData(key, by));
        });

        Define(global, "get_temp_state_key", 1, args => JsJson.ToJs(_engine, Context.State.GetTempState(Key(args, "get_temp_state_key"))));
        Define(global, "set_temp_state_key", 2, args =>
        {
            var key = Key(args, "set_temp_state_key");
            Context.State.SetTempState(key, JsJson.FromJs(_engine, Arg(args, 1), "set_temp_state_key(key, value): value"));
            return JsValue.Undefined;
        });
        Define(global, "get_session_state_key", 1, args => JsJson.ToJs(_engine, Context.State.GetSessionState(Key(args, "get_session_state_key"))));
        Define(global, "set_session_state_key", 2, args =>
        {
            var key = Key(args, "set_session_state_key");
            Context.State.SetSessionState(key, JsJson.FromJs(_engine, Arg(args, 1), "set_session_state_key(key, value): value"));
            return JsValue.Undefined;
        });

        Define(global, "read_attachment_text", 1, args =>
        {
            var arg = Arg(args, 0);
            var id = arg is ObjectInstance attachment && !arg.IsArray() ? attachment.Get("id") : arg;
            if (!id.IsNumber())
            {
                throw new PipelineNodeException("read_attachment_text(attachment): pass one of get_temp_state_key('attachments') or its id.");
            }
            var file = Context.State.FindAttachment((int)id.AsNumber())
                ?? throw new PipelineNodeException($"read_attachment_text: this message has no attachment with id {TypeConverter.ToString(id)}.");
            return file.IsText
                ? JsString.Create(file.ReadText())
                : throw new PipelineNodeException($"read_attachment_text: {file.Name} ({file.ContentType}) is not a text file.");
        });

        Define(global, "get_node_output", 1, args =>
            Context.State.GetOutput(Text(args, 0, "get_node_output(node_name): node_name")) is { } output ? JsString.Create(output) : JsValue.Null);
        Define(global, "get_participant_schedules", 0, _ =>
        {
            var items = (Context is null ? [] : _schedules ?? []).Select(r => (JsonNode?)new JsonObject
            {
                ["id"] = r.Id,
                ["name"] = r.Name,
                ["message"] = r.Message,
                ["next_trigger_date"] = r.NextDueUtc.ToString("yyyy-MM-dd'T'HH:mm:ss'Z'", System.Globalization.CultureInfo.InvariantCulture),
                ["schedule"] = r.Schedule,
            }).ToArray();
            return JsJson.ToJs(_engine, new JsonArray(items));
        });
        Define(global, "get_selected_route", 1, args =>
            Context.State.GetSelectedRoute(Text(args, 0, "get_selected_route(router_node_name): router_node_name")) is { } route ? JsString.Create(route) : JsValue.Null);
        Define(global, "get_node_path", 1, args =>
        {
            var path = Context.State.GetNodePath(Text(args, 0, "get_node_path(node_name): node_name"));
            return JsJson.ToJs(_engine, new JsonArray(path.Select(n => (JsonNode?)JsonValue.Create(n)).ToArray()));
        });
        Define(global, "require_node_outputs", 0, args =>
        {
            // Nodes here already wait for every incoming branch, so this only checks that the named nodes ran.
            for (var i = 0; i < args.Length; i++)
            {
                var name = Text(args, i, "require_node_outputs(...node_names): node_name");
                if (Context.State.GetOutput(name) is null)
                {
                    throw new PipelineNodeException(
                        $"require_node_outputs: '{name}' has no output in this run (no node has that name, or its branch was not taken).");
                }
            }
            return JsValue.Undefined;
        });
        Define(global, "add_message_tag", 1, args =>
        {
            Context.State.AddMessageTag(Text(args, 0, "add_message_tag(tag): tag"));
            return JsValue.Undefined;
        });
        Define(global, "add_session_tag", 1, args =>
        {
            Context.State.AddSessionTag(Text(args, 0, "add_session_tag(tag): tag"));
            return JsValue.Undefined;
        });
        Define(global, "end_session", 0, _ =>
        {
            Context.State.RequestEndSession();
            return JsValue.Undefined;
        });
        Define(global, "abort_with_message", 2, args =>
        {
            var message = Text(args, 0, "abort_with_message(message): message");
            if (!Arg(args, 1).IsUndefined() && !Arg(args, 1).IsNull())
            {
                Context.State.AddMessageTag(Text(args, 1, "abort_with_message(message, tag_name): tag_name"), AbortTagCategory);
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
            Context.Note(line.Length > MaxConsoleLineLength ? line[..MaxConsoleLineLength] + "…" : line);
        }
        else if (count == MaxConsoleLines + 1)
        {
            Context.Note($"(console output after {MaxConsoleLines} lines was dropped)");
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

