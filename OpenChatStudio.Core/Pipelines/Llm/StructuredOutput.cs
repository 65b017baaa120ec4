using System.Text.Json;
using System.Text.Json.Nodes;

namespace OpenChatStudio.Core.Pipelines.Llm;

/// <summary>
/// Asks any model for JSON matching a schema (an instruction every provider understands, and which the offline model
/// recognises), and reads the first JSON object out of the reply.
/// </summary>
public static class StructuredOutput
{
    /// <summary>The same sentence the offline model recognises (one definition, so the two cannot drift).</summary>
    public const string Marker = OpenChatStudio.Core.Llm.OfflineModel.JsonSchemaMarker;

    public static string Instruction(JsonObject schema) => $"{Marker}\n{schema.ToJsonString()}";

    /// <summary>The first complete JSON object in <paramref name="reply"/> (models sometimes wrap it in prose or fences).</summary>
    public static JsonObject? Parse(string? reply)
    {
        if (string.IsNullOrEmpty(reply))
        {
            return null;
        }
        for (var start = reply.IndexOf('{'); start >= 0; start = reply.IndexOf('{', start + 1))
        {
            var depth = 0;
            var inString = false;
            for (var i = start; i < reply.Length; i++)
            {
                var c = reply[i];
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
                if (c == '"')
                {
                    inString = true;
                }
                else if (c == '{')
                {
                    depth++;
                }
                else if (c == '}' && --depth == 0)
                {
                    try
                    {
                        if (JsonNode.Parse(reply[start..(i + 1)]) is JsonObject obj)
                        {
                            return obj;
                        }
                    }
                    catch (JsonException)
                    {
                    }
                    break;
                }
            }
        }
        return null;
    }

    /// <summary>OCS data_schema ({"field": "description", ...}, nested objects allowed) as a JSON schema with nullable fields.</summary>
    public static JsonObject SchemaFromDescriptions(JsonObject dataSchema)
    {
        var properties = new JsonObject();
        foreach (var (name, value) in dataSchema)
        {
            properties[name] = value switch
            {
                JsonObject nested => SchemaFromDescriptions(nested),
                JsonArray => new JsonObject { ["type"] = new JsonArray("array", "null"), ["description"] = value.ToJsonString() },
                _ => new JsonObject { ["type"] = new JsonArray("string", "null"), ["description"] = value?.ToString() ?? "" },
            };
        }
        return new JsonObject { ["type"] = "object", ["properties"] = properties };
    }
}
