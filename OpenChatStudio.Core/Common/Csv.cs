using System.Text;

namespace OpenChatStudio.Core.Common;

/// <summary>RFC 4180 CSV: quoted fields with doubled quotes, commas and line breaks inside quotes, CRLF or LF rows.</summary>
public static class Csv
{
    /// <summary>Reads rows (blank lines skipped). Throws <see cref="FormatException"/> for an unterminated quote.</summary>
    public static IEnumerable<string[]> Read(TextReader reader)
    {
        var fields = new List<string>();
        var field = new StringBuilder();
        var inQuotes = false;
        var line = 1;
        var quoteStartLine = 0;
        int c;
        while ((c = reader.Read()) != -1)
        {
            var ch = (char)c;
            if (inQuotes)
            {
                if (ch == '"')
                {
                    if (reader.Peek() == '"')
                    {
                        field.Append('"');
                        reader.Read();
                    }
                    else
                    {
                        inQuotes = false;
                    }
                }
                else
                {
                    if (ch == '\n')
                    {
                        line++;
                    }
                    field.Append(ch);
                }
                continue;
            }
            switch (ch)
            {
                case '"' when field.Length == 0:
                    inQuotes = true;
                    quoteStartLine = line;
                    break;
                case ',':
                    fields.Add(field.ToString());
                    field.Clear();
                    break;
                case '\r':
                    break;
                case '\n':
                    line++;
                    fields.Add(field.ToString());
                    field.Clear();
                    if (fields.Count > 1 || fields[0].Length > 0)
                    {
                        yield return [.. fields];
                    }
                    fields.Clear();
                    break;
                default:
                    field.Append(ch);
                    break;
            }
        }
        if (inQuotes)
        {
            throw new FormatException($"A quoted value that starts on line {quoteStartLine} is never closed.");
        }
        fields.Add(field.ToString());
        if (fields.Count > 1 || fields[0].Length > 0)
        {
            yield return [.. fields];
        }
    }

    /// <summary>One CSV row (no line break), quoting only where needed.</summary>
    public static string Row(IEnumerable<string?> values) => string.Join(',', values.Select(Escape));

    public static string Escape(string? value)
    {
        value ??= "";
        // A leading =, +, - or @ makes spreadsheets run the cell as a formula; prefix a quote so it stays text.
        if (value.Length > 0 && value[0] is '=' or '+' or '-' or '@' && !double.TryParse(value, System.Globalization.CultureInfo.InvariantCulture, out _))
        {
            value = "'" + value;
        }
        return value.AsSpan().IndexOfAny(",\"\r\n") >= 0 ? "\"" + value.Replace("\"", "\"\"") + "\"" : value;
    }
}
