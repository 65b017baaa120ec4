using OpenChatStudio.Web.Components.PublicChat;
using OpenChatStudio.Tests.TestSupport;

namespace OpenChatStudio.Tests.Web.PublicChat;

/// <summary>The public chat page's markdown: formatting survives, script and dangerous URLs never do.</summary>
[Trait(TestLayers.Trait, TestLayers.Unit)]
public class MarkdownRendererTests
{
    /// <summary>Parses the HTML as a browser would and asserts no element carries an event handler (onerror, onclick…).</summary>
    private static void AssertNoEventHandlers(string html)
    {
        var document = new AngleSharp.Html.Parser.HtmlParser().ParseDocument("<body>" + html + "</body>");
        var handlers = document.Body!.QuerySelectorAll("*").SelectMany(e => e.Attributes)
            .Where(a => a.Name.StartsWith("on", StringComparison.OrdinalIgnoreCase)).Select(a => a.Name).ToList();
        Assert.Empty(handlers);
    }

    private readonly MarkdownRenderer _renderer = new();

    [Fact]
    public void Formatting_IsRendered()
    {
        var html = _renderer.ToHtml("# Title\n\n**bold** and *em* and `code`\n\n- one\n- two\n\n> quote\n\n~~gone~~");

        Assert.Contains("<h1>Title</h1>", html);
        Assert.Contains("<strong>bold</strong>", html);
        Assert.Contains("<em>em</em>", html);
        Assert.Contains("<code>code</code>", html);
        Assert.Contains("<li>one</li>", html);
        Assert.Contains("<blockquote>", html);
        Assert.Contains("<del>gone</del>", html);
    }

    [Fact]
    public void ExternalLinks_OpenInNewTab_WithNoopener()
    {
        var html = _renderer.ToHtml("[site](https://example.org/a?b=1) and https://auto.example.org");

        Assert.Contains("href=\"https://example.org/a?b=1\"", html);
        Assert.Contains("rel=\"noopener noreferrer\"", html);
        Assert.Contains("target=\"_blank\"", html);
        Assert.Contains("href=\"https://auto.example.org\"", html);
    }

    [Fact]
    public void MailtoAndRelativeLinks_AreKept_WithoutNewTab()
    {
        var mail = _renderer.ToHtml("[write](mailto:help@example.org)");
        var relative = _renderer.ToHtml("[docs](/docs/help)");

        Assert.Contains("href=\"mailto:help@example.org\"", mail);
        Assert.DoesNotContain("target=", mail);
        Assert.Contains("href=\"/docs/help\"", relative);
    }

    [Theory]
    [InlineData("<script>alert(1)</script>")]
    [InlineData("<img src=x onerror=alert(1)>")]
    [InlineData("<a href=\"javascript:alert(1)\">x</a>")]
    [InlineData("<iframe src=\"https://evil.example\"></iframe>")]
    [InlineData("<svg onload=alert(1)>")]
    [InlineData("<div style=\"background:url(javascript:alert(1))\">x</div>")]
    public void RawHtml_IsEscapedNotExecuted(string payload)
    {
        var html = _renderer.ToHtml(payload);

        Assert.DoesNotContain("<script", html, StringComparison.OrdinalIgnoreCase);
        Assert.DoesNotContain("<img", html, StringComparison.OrdinalIgnoreCase);
        Assert.DoesNotContain("<iframe", html, StringComparison.OrdinalIgnoreCase);
        Assert.DoesNotContain("<svg", html, StringComparison.OrdinalIgnoreCase);
        Assert.DoesNotContain("<a ", html, StringComparison.OrdinalIgnoreCase);
        Assert.DoesNotContain("<div", html, StringComparison.OrdinalIgnoreCase);
        AssertNoEventHandlers(html);
        Assert.Contains("&lt;", html); // shown as text
    }

    [Theory]
    [InlineData("[x](javascript:alert(1))")]
    [InlineData("[x](JaVaScRiPt:alert(1))")]
    [InlineData("[x](java&#x09;script:alert(1))")]
    [InlineData("[x](data:text/html;base64,PHNjcmlwdD5hbGVydCgxKTwvc2NyaXB0Pg==)")]
    [InlineData("[x](vbscript:msgbox(1))")]
    [InlineData("<javascript:alert(1)>")]
    [InlineData("[x]: javascript:alert(1)\n\n[click][x]")]
    public void DangerousLinkSchemes_LoseTheirHref(string payload)
    {
        var html = _renderer.ToHtml(payload);

        Assert.DoesNotContain("href=\"javascript", html, StringComparison.OrdinalIgnoreCase);
        Assert.DoesNotContain("href=\"data:", html, StringComparison.OrdinalIgnoreCase);
        Assert.DoesNotContain("href=\"vbscript", html, StringComparison.OrdinalIgnoreCase);
        Assert.DoesNotContain("href=\"java", html, StringComparison.OrdinalIgnoreCase);
    }

    [Fact]
    public void Images_AreDropped()
    {
        var html = _renderer.ToHtml("![tracker](https://evil.example/pixel.png) text");

        Assert.DoesNotContain("<img", html);
        Assert.Contains("text", html);
    }

    [Fact]
    public void LinkTitleAndTextInjection_StaysInsideAttributes()
    {
        var html = _renderer.ToHtml("[a\" onclick=\"alert(1)](https://example.org \"t\\\" onmouseover=\\\"alert(1)\")");

        Assert.Contains("href=\"https://example.org\"", html);
        AssertNoEventHandlers(html);
    }

    [Fact]
    public void Empty_IsEmpty() => Assert.Equal("", _renderer.ToHtml(null));
}
