using System.Net;
using System.Text;
using System.Text.RegularExpressions;

namespace OpenChatStudio.Core.Channels.Telegram;

/// <summary>
/// The markdown LLMs write, as the small HTML subset Telegram accepts (<c>b i code pre a</c>): everything else is escaped,
/// so no reply can break the message or inject markup.
/// </summary>
public static partial class TelegramFormatting
{
    public static string ToHtml(string markdown)
    {
        var builder = new StringBuilder();
        var fences = Fence().Split(markdown);
        // Split with one capture group: even indexes are prose, odd ones fenced code.
        for (var i = 0; i < fences.Length; i++)
        {
            if (i % 2 == 1)
            {
                builder.Append("<pre>").Append(WebUtility.HtmlEncode(fences[i].Trim('\n'))).Append("</pre>");
                continue;
            }
            builder.Append(Inline(fences[i]));
        }
        return builder.ToString();
    }

    private static string Inline(string text)
    {
        var encoded = WebUtility.HtmlEncode(text);
        encoded = Code().Replace(encoded, "<code>$1</code>");
        encoded = Link().Replace(encoded, m =>
        {
            var url = WebUtility.HtmlDecode(m.Groups[2].Value);
            return Uri.TryCreate(url, UriKind.Absolute, out var uri) && uri.Scheme is "http" or "https"
                ? $"<a href=\"{WebUtility.HtmlEncode(uri.ToString())}\">{m.Groups[1].Value}</a>"
                : m.Value;
        });
        encoded = Bold().Replace(encoded, "<b>$1</b>");
        encoded = Italic().Replace(encoded, "<i>$1</i>");
        encoded = Heading().Replace(encoded, "<b>$1</b>");
        return encoded;
    }

    [GeneratedRegex(@"```[a-zA-Z0-9_-]*\n?(.*?)```", RegexOptions.Singleline)]
    private static partial Regex Fence();

    [GeneratedRegex(@"`([^`\n]+)`")]
    private static partial Regex Code();

    [GeneratedRegex(@"\[([^\]\n]+)\]\(([^)\s]+)\)")]
    private static partial Regex Link();

    [GeneratedRegex(@"\*\*([^*\n]+)\*\*")]
    private static partial Regex Bold();

    [GeneratedRegex(@"(?<![\w*])[*_]([^*_\n]+)[*_](?![\w*])")]
    private static partial Regex Italic();

    [GeneratedRegex(@"^#{1,6} +(.+)$", RegexOptions.Multiline)]
    private static partial Regex Heading();
}
