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
        return JsonNode.Parse(json.AsString());
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
        return json.IsUndefined()
            ? throw new PipelineNodeException($"main() returned a {Describe(value)}; return text or data.")
            : json.AsString();
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
