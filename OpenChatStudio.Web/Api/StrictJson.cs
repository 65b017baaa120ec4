using System.Text.Json;
using System.Text.Json.Nodes;

namespace OpenChatStudio.Web.Api;

/// <summary>
/// Reads a request body as JSON strictly and completely before anything uses it. System.Text.Json's <see cref="JsonNode"/>
/// checks duplicate property names and string encodings lazily, on first access — after the caller's <c>catch</c>, where
/// they became 500s. Here invalid JSON, invalid UTF-8, lone surrogates (<c>"\ud800"</c>), a property named twice in one
/// object, nesting deeper than 64 and the NUL character (refused the same way on SQLite and PostgreSQL, which cannot
/// store it in text) are all one clear error message for a 400.
/// </summary>
public static class StrictJson
{
    public const int MaxDepth = 64;

    /// <summary>The one answer to NUL anywhere a caller sends text (JSON here, query strings, forms and paths in <c>NulGuard</c>).</summary>
    public const string NulMessage = "Text may not contain the NUL character (\\u0000).";

    public static async Task<(JsonNode? Node, string? Error)> ParseAsync(Stream body, CancellationToken ct)
    {
        try
        {
            var node = await JsonNode.ParseAsync(body, documentOptions: new JsonDocumentOptions { MaxDepth = MaxDepth }, cancellationToken: ct);
            Check(node);
            return (node, null);
        }
        catch (JsonException ex)
        {
            return (null, ex.Message);
        }
        catch (StrictJsonException ex)
        {
            return (null, ex.Message);
        }
        catch (ArgumentException ex) when (ex.Message.Contains("same key", StringComparison.Ordinal))
        {
            return (null, "A property appears twice in one object; each property may appear once.");
        }
        catch (InvalidOperationException)
        {
            return (null, "A string is not valid Unicode (invalid UTF-8, or a lone surrogate such as \\ud800).");
        }
    }

    /// <summary>Walks every property and string once, so every lazy check runs now (depth is bounded by <see cref="MaxDepth"/>).</summary>
    private static void Check(JsonNode? node)
    {
        switch (node)
        {
            case JsonObject obj:
                foreach (var (name, value) in obj)
                {
                    CheckText(name);
                    Check(value);
                }
                break;
            case JsonArray array:
                foreach (var item in array)
                {
                    Check(item);
                }
                break;
            case JsonValue value when value.GetValueKind() == JsonValueKind.String:
                CheckText(value.GetValue<string>());
                break;
        }
    }

    private static void CheckText(string text)
    {
        if (text.Contains('\0', StringComparison.Ordinal))
        {
            throw new StrictJsonException(NulMessage);
        }
    }

    private sealed class StrictJsonException(string message) : Exception(message);
}
