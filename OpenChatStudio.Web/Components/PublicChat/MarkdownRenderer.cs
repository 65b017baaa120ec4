using AngleSharp.Dom;
using Ganss.Xss;
using Markdig;

namespace OpenChatStudio.Web.Components.PublicChat;

/// <summary>
/// Bot replies as safe HTML for the public chat page: Markdig with raw HTML disabled, then HtmlSanitizer with an allowlist
/// of formatting tags, no images, no styles, and links limited to http(s), mailto and relative URLs. External links open
/// in a new tab with <c>rel="noopener noreferrer"</c>. Thread-safe; one instance serves the whole process.
/// </summary>
public sealed class MarkdownRenderer
{
    /// <summary>Longer messages are not rendered (the page then shows them as plain text).</summary>
    public const int MaxLength = 100_000;

    private static readonly MarkdownPipeline Pipeline = new MarkdownPipelineBuilder()
        .DisableHtml()
        .UseAutoLinks()
        .UsePipeTables()
        .UseEmphasisExtras(Markdig.Extensions.EmphasisExtras.EmphasisExtraOptions.Strikethrough)
        .UseSoftlineBreakAsHardlineBreak()
        .Build();

    private static readonly string[] Tags =
    [
        "p", "br", "strong", "em", "del", "s", "code", "pre", "blockquote", "ul", "ol", "li", "a", "hr",
        "h1", "h2", "h3", "h4", "h5", "h6", "table", "thead", "tbody", "tr", "th", "td",
    ];

    private readonly HtmlSanitizer _sanitizer;

    public MarkdownRenderer()
    {
        _sanitizer = new HtmlSanitizer(new HtmlSanitizerOptions
        {
            AllowedTags = new HashSet<string>(Tags, StringComparer.OrdinalIgnoreCase),
            AllowedAttributes = new HashSet<string>(["href", "title", "start"], StringComparer.OrdinalIgnoreCase),
            AllowedSchemes = new HashSet<string>(["http", "https", "mailto"], StringComparer.OrdinalIgnoreCase),
            UriAttributes = new HashSet<string>(["href"], StringComparer.OrdinalIgnoreCase),
            AllowedCssProperties = new HashSet<string>(),
            AllowedAtRules = new HashSet<AngleSharp.Css.Dom.CssRuleType>(),
        });
        _sanitizer.PostProcessNode += (_, e) =>
        {
            if (e.Node is IElement { LocalName: "a" } link)
            {
                var href = link.GetAttribute("href") ?? "";
                if (href.StartsWith("http://", StringComparison.OrdinalIgnoreCase) || href.StartsWith("https://", StringComparison.OrdinalIgnoreCase))
                {
                    link.SetAttribute("rel", "noopener noreferrer");
                    link.SetAttribute("target", "_blank");
                }
            }
        };
    }

    /// <summary>The HTML of a message's markdown (empty for empty input).</summary>
    public string ToHtml(string? markdown)
    {
        if (string.IsNullOrEmpty(markdown))
        {
            return "";
        }
        if (markdown.Length > MaxLength)
        {
            return "<p>" + System.Net.WebUtility.HtmlEncode(markdown) + "</p>";
        }
        var html = Markdown.ToHtml(markdown, Pipeline);
        return _sanitizer.Sanitize(html).Trim();
    }
}
