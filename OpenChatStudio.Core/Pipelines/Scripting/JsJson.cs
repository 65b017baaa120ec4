using System.Text.Json.Nodes;
using Jint;
using Jint.Native;
using Jint.Native.Error;
using Jint.Native.Function;
using Jint.Native.Json;
using Jint.Runtime;
using OpenChatStudio.Core.Pipelines.Execution;

namespace OpenChatStudio.Core.Pipelines.Scripting;

/// <summary>
/// Moves data between pipeline state (<see cref="JsonNode"/>) and a script (<see cref="JsValue"/>) through JSON text, so
/// a script only ever sees plain objects, arrays, numbers, strings, booleans and null, never a .NET object.
/// </summary>
internal static class JsJson
{
    public static JsValue ToJs(Engine engine, JsonNode? node) => node switch
    {
        null => JsValue.Null,
        JsonValue v when v.TryGetValue<string>(out var s) => JsString.Create(s),
        _ => new JsonParser(engine).Parse(node.ToJsonString()),
    };

    /// <summary>JSON.stringify semantics; undefined becomes null. Functions and symbols are not data and are refused.</summary>
    public static JsonNode? FromJs(Engine engine, JsValue value, string what)
    {
        if (value.IsUndefined() || value.IsNull())
        {
            return null;
        }
        if (value.IsString())
        {
            return JsonValue.Create(value.AsString());
        }
        var json = JsSandboxGuards.Stringify(engine, value);
        if (json.IsUndefined())
        {
            throw new PipelineNodeException($"{what} must be data (text, number, boolean, object, array or null), not a {Describe(value)}.");
        }
        var text = json.AsString();
        CheckDepth(text, what);
        return JsonNode.Parse(text, documentOptions: new System.Text.Json.JsonDocumentOptions { MaxDepth = MaxDataDepth });
    }

    /// <summary>
    /// How deep data a script hands to the host (its output, participant data, session and temp state) may nest: as JSON
    /// bodies of the APIs (<c>StrictJson.MaxDepth</c>) and System.Text.Json's default, which deeper state would break
    /// later, when it is saved or read back.
    /// </summary>
    public const int MaxDataDepth = 64;

    private static void CheckDepth(string json, string what)
    {
        var depth = 0;
        var inString = false;
        for (var i = 0; i < json.Length; i++)
        {
            var c = json[i];
            if (inString)
            {
                if (c == '\\')
                {
                    i++;
                }
                else if (c == '"')
                {
                    inString = false;
                }
                continue;
            }
            switch (c)
            {
                case '"':
                    inString = true;
                    break;
                case '[' or '{' when ++depth > MaxDataDepth:
                    throw new PipelineNodeException(
                        $"{what} nests more than {MaxDataDepth} levels deep. Data a script returns or saves may nest {MaxDataDepth} levels at most.");
                case ']' or '}':
                    depth--;
                    break;
            }
        }
    }

    /// <summary>The node's output: text as is, anything else as JSON.</summary>
    public static string ToOutput(Engine engine, JsValue value)
    {
        if (value.IsString())
        {
            return value.AsString();
        }
        if (value.IsUndefined())
        {
            throw new PipelineNodeException("main() returned nothing. Return the node's output, e.g. 'return input;'.");
        }
        var json = JsSandboxGuards.Stringify(engine, value);
        if (json.IsUndefined())
        {
            throw new PipelineNodeException($"main() returned a {Describe(value)}; return text or data.");
        }
        var text = json.AsString();
        CheckDepth(text, "main()'s return value");
        return text;
    }

    /// <summary>How console.log shows one argument: text as is, data as JSON, errors and functions by their description.</summary>
    public static string ToConsoleText(Engine engine, JsValue value)
    {
        switch (value)
        {
            case var _ when value.IsString():
                return value.AsString();
            case var _ when value.IsUndefined():
                return "undefined";
            case JsSymbol symbol:
                return symbol.ToString();
            case Function:
                return "[Function]";
            case ErrorInstance:
                return TypeConverter.ToString(value);
        }
        try
        {
            var json = JsSandboxGuards.Stringify(engine, value);
            return json.IsUndefined() ? TypeConverter.ToString(value) : json.AsString();
        }
        catch (JavaScriptException)
        {
            return "[object that cannot be shown as JSON]";
        }
    }

    private static string Describe(JsValue value) => value switch
    {
        Function => "function",
        JsSymbol => "symbol",
        _ => value.Type.ToString().ToLowerInvariant(),
    };
}
