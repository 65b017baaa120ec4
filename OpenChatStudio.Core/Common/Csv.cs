using System.Globalization;
using CsvHelper;
using CsvHelper.Configuration;
using System.Text;

namespace OpenChatStudio.Core.Common;

/// <summary>RFC 4180 CSV: quoted fields with doubled quotes, commas and line breaks inside quotes, CRLF or LF rows.</summary>
public static class Csv
{
    /// <summary>
    /// Reads rows strictly (RFC 4180, CsvHelper): blank lines are skipped; a quote inside an unquoted value, text after a
    /// closing quote, or a quote never closed is a <see cref="FormatException"/> naming the line. Each row comes with the
    /// line it starts on, since a quoted value may span lines.
    /// </summary>
    public static IEnumerable<(int Line, string[] Fields)> Read(TextReader reader)
    {
        var config = new CsvConfiguration(CultureInfo.InvariantCulture)
        {
            HasHeaderRecord = false,
            Mode = CsvMode.RFC4180,
            IgnoreBlankLines = true,
            DetectDelimiter = false,
            BadDataFound = args =>
            {
                var start = (args.Context.Parser?.RawRow ?? 1) - Newlines(args.RawRecord);
                throw new FormatException(QuoteCount(args.RawRecord) % 2 == 1
                    ? $"A quoted value that starts on line {start} is never closed."
                    : $"line {start}: a quote inside a value that is not quoted, or text after a closing quote ({Shorten(args.Field)}). " +
                      "Quote the whole value and double any quote inside it (\"\").");
            },
        };
        using var parser = new CsvParser(reader, config, leaveOpen: true);
        while (true)
        {
            bool more;
            try
            {
                more = parser.Read();
            }
            catch (CsvHelperException ex) when (ex is not BadDataException)
            {
                throw new FormatException($"line {parser.RawRow}: {ex.Message.Split('\n')[0]}", ex);
            }
            if (!more)
            {
                yield break;
            }
            var fields = parser.Record ?? [];
            var line = parser.RawRow - Newlines(parser.RawRecord);
            if (QuoteCount(parser.RawRecord) % 2 == 1)
            {
                // A value still open at the end of the file: CsvHelper returns it with the rest of the file inside.
                throw new FormatException($"A quoted value that starts on line {line} is never closed.");
            }
            if (fields.Any(f => f.Length > 0))
            {
                yield return (line, fields);
            }
        }
    }

    /// <summary>Line breaks inside a raw record (not counting the one that ends it).</summary>
    private static int Newlines(string raw) => raw.TrimEnd('\r', '\n').Count(c => c == '\n');

    private static int QuoteCount(string raw) => raw.Count(c => c == '"');

    private static string Shorten(string field) => field.Length <= 40 ? field : field[..40] + "…";

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
