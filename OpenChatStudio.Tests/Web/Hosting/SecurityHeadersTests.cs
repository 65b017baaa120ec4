using OpenChatStudio.Web.Hosting;
using OpenChatStudio.Tests.TestSupport;

namespace OpenChatStudio.Tests.Web.Hosting;

/// <summary>The sites a team lists on its public-page channel become the page's CSP frame-ancestors.</summary>
[Trait(TestLayers.Trait, TestLayers.Unit)]
public class SecurityHeadersTests
{
    [Theory]
    [InlineData(new string[0], "'self'")]
    [InlineData(new[] { "partner.example.org" }, "'self' partner.example.org:*")]
    [InlineData(new[] { "*.example.org", "127.0.0.1" }, "'self' *.example.org:* 127.0.0.1:*")]
    [InlineData(new[] { "*" }, "'self' *")]
    [InlineData(new[] { "bad host; script-src *", "ok.example" }, "'self' ok.example:*")]
    public void FrameAncestors_FromTheListedSites(string[] sites, string expected) =>
        Assert.Equal(expected, SecurityHeaders.FrameAncestors(sites));
}
