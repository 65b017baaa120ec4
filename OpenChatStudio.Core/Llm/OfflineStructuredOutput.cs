using System.Globalization;
using System.Text;
using System.Text.Encodings.Web;
using System.Text.Json;
using System.Text.RegularExpressions;
using Microsoft.SemanticKernel;
using Microsoft.SemanticKernel.ChatCompletion;

namespace OpenChatStudio.Core.Llm;

/// <summary>The offline model's JSON answer to a "respond with only a JSON object that matches this JSON schema" prompt.</summary>
internal static partial class OfflineStructuredOutput
{
    private static readonly JsonWriterOptions WriterOptions = new() { Encoder = JavaScriptEncoder.UnsafeRelaxedJsonEscaping };

    /// <summary>The schema after the marker in the latest system/developer/user message that has one (and has <c>properties</c>).</summary>
    public static JsonElement? FindSchema(ChatHistory history)
    {
        for (var i = history.Count - 1; i >= 0; i--)
        {
            var message = history[i];
            if (message.Role != AuthorRole.System && message.Role != AuthorRole.User && message.Role != AuthorRole.Developer)
            {
                continue;
            }
            var text = OfflineText.Of(message);
            var marker = text.IndexOf(OfflineModel.JsonSchemaMarker, StringComparison.Ordinal);
            if (marker < 0)
            {
                continue;
            }
            var brace = text.IndexOf('{', marker + OfflineModel.JsonSchemaMarker.Length);
            if (brace < 0)
            {
                continue;
            }
            var reader = new Utf8JsonReader(Encoding.UTF8.GetBytes(text[brace..]), new JsonReaderOptions
            {
                AllowTrailingCommas = true,
                CommentHandling = JsonCommentHandling.Skip,
            });
            try
            {
                if (JsonDocument.TryParseValue(ref reader, out var doc))
                {
                    using (doc)
                    {
                        if (doc.RootElement.ValueKind == JsonValueKind.Object
                            && doc.RootElement.TryGetProperty("properties", out var props) && props.ValueKind == JsonValueKind.Object)
                        {
                            return doc.RootElement.Clone();
                        }
                    }
                }
            }
            catch (JsonException)
            {
                // Not JSON after all; look at earlier messages.
            }
        }
        return null;
    }

    public static string Build(JsonElement schema, ChatHistory history)
    {
        var userTexts = history.Where(m => m.Role == AuthorRole.User).Select(OfflineText.Prose).Reverse().ToList();
        var lastUser = userTexts.FirstOrDefault() ?? "";

        using var buffer = new MemoryStream();
        using (var writer = new Utf8JsonWriter(buffer, WriterOptions))
        {
            writer.WriteStartObject();
            foreach (var property in schema.GetProperty("properties").EnumerateObject())
            {
                writer.WritePropertyName(property.Name);
                var definition = property.Value;
                if (definition.ValueKind == JsonValueKind.Object
                    && definition.TryGetProperty("enum", out var values) && values.ValueKind == JsonValueKind.Array && values.GetArrayLength() > 0)
                {
                    ChooseEnum(values, lastUser).WriteTo(writer);
                    continue;
                }
                var raw = userTexts.Select(text => Find(property.Name, text) ?? FindSpoken(property.Name, text)).FirstOrDefault(v => v is not null);
                if (raw is not null && AsksForFirstName(property.Name, definition))
                {
                    raw = raw.Split(' ', StringSplitOptions.RemoveEmptyEntries)[0];   // "Grace Hopper" → "Grace"
                }
                WriteTyped(writer, raw, TypeOf(definition));
            }
            writer.WriteEndObject();
        }
        return Encoding.UTF8.GetString(buffer.ToArray());
    }

    /// <summary>A field for a first name only: named so (<c>first_name</c>, <c>given_name</c>) or described so ("the participant's first name").</summary>
    private static bool AsksForFirstName(string field, JsonElement definition) =>
        field.ToLowerInvariant() is "first_name" or "firstname" or "given_name"
        || definition.ValueKind == JsonValueKind.Object && definition.TryGetProperty("description", out var description)
           && description.ValueKind == JsonValueKind.String
           && (description.GetString()!.Contains("first name", StringComparison.OrdinalIgnoreCase)
               || description.GetString()!.Contains("given name", StringComparison.OrdinalIgnoreCase));

    /// <summary>
    /// The first enum value (in schema order) found as a whole word in the text; else the first whose everyday words
    /// (<see cref="RouteWords"/>: "price" for sales, "broken" for support…) are in the text; else the first value.
    /// </summary>
    private static JsonElement ChooseEnum(JsonElement values, string text)
    {
        foreach (var value in values.EnumerateArray())
        {
            var literal = OfflineText.Render(value);
            if (literal.Length > 0 && HasWord(text, literal))
            {
                return value;
            }
        }
        foreach (var value in values.EnumerateArray())
        {
            if (RouteWords.TryGetValue(OfflineText.Render(value).Trim(), out var words) && words.Any(w => HasWord(text, w)))
            {
                return value;
            }
        }
        return values[0];
    }

    private static bool HasWord(string text, string word) =>
        Regex.IsMatch(text, $@"(?<![\p{{L}}\p{{N}}_]){Regex.Escape(word)}(?![\p{{L}}\p{{N}}_])",
            RegexOptions.IgnoreCase | RegexOptions.CultureInvariant, TimeSpan.FromSeconds(1));

    /// <summary>
    /// Everyday words for common route names, so routers in demos and templates route typical messages the way a real
    /// model would ("How much is the pro plan?" → SALES) without the route's name in the message. Deterministic, small,
    /// documented in docs/providers.md.
    /// </summary>
    private static readonly Dictionary<string, string[]> RouteWords = new(StringComparer.OrdinalIgnoreCase)
    {
        ["sales"] = ["buy", "buying", "purchase", "price", "prices", "pricing", "cost", "costs", "quote", "plan", "plans", "discount", "order", "subscribe", "trial", "demo"],
        ["support"] = ["help", "broken", "error", "problem", "issue", "bug", "crash", "crashes", "fix", "won't", "doesn't", "not working", "login", "password", "reset"],
        ["billing"] = ["invoice", "invoices", "charge", "charged", "refund", "payment", "paid", "receipt", "card"],
        ["yes"] = ["yeah", "yep", "sure", "ok", "okay", "agree", "correct", "right"],
        ["no"] = ["nope", "nah", "disagree", "wrong", "not really"],
    };

    /// <summary><c>name: v</c>, <c>name is v</c>, <c>my name is v</c>, <c>name=v</c>; underscores in the name may be spaces.</summary>
    private static string? Find(string name, string text)
    {
        var pattern = string.Join("[ _]", name.Split('_').Select(Regex.Escape));
        var match = Regex.Match(text,
            $@"(?<![\p{{L}}\p{{N}}_]){pattern}(?:\s*[:=]\s*|\s+is\s+)(?<v>""[^""]*""|'[^']*'|[^\r\n,;!?]+?)(?=\s*(?:[\r\n,;!?]|\.(?:\s|$)|$))",
            RegexOptions.IgnoreCase | RegexOptions.CultureInvariant, TimeSpan.FromSeconds(1));
        if (!match.Success)
        {
            return null;
        }
        var value = match.Groups["v"].Value.Trim();
        if (value.Length >= 2 && (value[0] == '"' && value[^1] == '"' || value[0] == '\'' && value[^1] == '\''))
        {
            value = value[1..^1];
        }
        else
        {
            // "my name is Ana and I am 34": the value ends where the next clause starts.
            value = ClauseEnd().Split(value)[0].Trim();
        }
        return value.Length == 0 ? null : value;
    }

    [GeneratedRegex(@"\s+(?:and|but|or|so|because|who|which|i\s+am|i'm|im)\b", RegexOptions.IgnoreCase | RegexOptions.CultureInvariant)]
    private static partial Regex ClauseEnd();

    /// <summary>
    /// How people say their name and age without naming the field: "my name is Ana", "I'm Ana", "call me Ana", "I am 34",
    /// "34 years old".
    /// Only for fields named like a name (<c>name</c>, <c>first_name</c>) or an age (<c>age</c>).
    /// </summary>
    private static string? FindSpoken(string field, string text)
    {
        var key = field.ToLowerInvariant();
        Match match;
        if (key is "name" or "first_name" or "firstname" or "given_name")
        {
            match = SpokenName().Match(text);
        }
        else if (key is "age" or "age_years")
        {
            match = SpokenAge().Match(text);
        }
        else
        {
            return null;
        }
        return match.Success ? match.Groups["v"].Value : null;
    }

    [GeneratedRegex(@"(?<![\p{L}])(?i:my\s+name\s+is|name's|i\s+am|i'm|im|call\s+me|this\s+is)\s+(?<v>\p{Lu}[\p{L}'-]+)", RegexOptions.CultureInvariant)]
    private static partial Regex SpokenName();

    [GeneratedRegex(@"(?:(?:i\s+am|i'm|im)\s+(?<v>\d{1,3})(?!\d)(?!\s*(?:kg|cm|km|%))|(?<v>\d{1,3})\s*(?:years?|yrs?)(?:\s+old)?)", RegexOptions.IgnoreCase | RegexOptions.CultureInvariant)]
    private static partial Regex SpokenAge();

    private static string TypeOf(JsonElement definition)
    {
        if (definition.ValueKind != JsonValueKind.Object || !definition.TryGetProperty("type", out var type))
        {
            return "string";
        }
        return type.ValueKind switch
        {
            JsonValueKind.String => type.GetString() ?? "string",
            JsonValueKind.Array => type.EnumerateArray().Select(t => t.GetString()).FirstOrDefault(t => t is not null and not "null") ?? "null",
            _ => "string",
        };
    }

    private static void WriteTyped(Utf8JsonWriter writer, string? raw, string type)
    {
        if (raw is null)
        {
            writer.WriteNullValue();
            return;
        }
        switch (type)
        {
            case "integer" when LeadingNumber().Match(raw) is { Success: true } m
                                && long.TryParse(m.Groups["int"].Value, NumberStyles.AllowLeadingSign, CultureInfo.InvariantCulture, out var whole):
                writer.WriteNumberValue(whole);
                break;
            case "number" when LeadingNumber().Match(raw) is { Success: true } m
                               && decimal.TryParse(m.Value, NumberStyles.Float, CultureInfo.InvariantCulture, out var number):
                writer.WriteNumberValue(number);
                break;
            case "boolean" when Truthy(raw) is { } flag:
                writer.WriteBooleanValue(flag);
                break;
            case "string":
                writer.WriteStringValue(raw);
                break;
            default:
                writer.WriteNullValue();
                break;
        }
    }

    private static bool? Truthy(string raw)
    {
        var word = raw.Split((char[]?)null, 2, StringSplitOptions.RemoveEmptyEntries).FirstOrDefault()?.ToLowerInvariant();
        return word switch
        {
            "true" or "yes" or "y" => true,
            "false" or "no" or "n" => false,
            _ => null,
        };
    }

    [GeneratedRegex(@"^(?<int>[-+]?\d+)(?:\.\d+)?", RegexOptions.CultureInvariant)]
    private static partial Regex LeadingNumber();
}
