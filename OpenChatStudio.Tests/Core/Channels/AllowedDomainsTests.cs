using OpenChatStudio.Core.Channels;
using OpenChatStudio.Tests.TestSupport;

namespace OpenChatStudio.Tests.Core.Channels;

[Trait(TestLayers.Trait, TestLayers.Unit)]
public class AllowedDomainsTests
{
    [Theory]
    [InlineData("example.com", "example.com", true)]
    [InlineData("example.com", "EXAMPLE.com", true)]
    [InlineData("example.com", "example.com.", true)]
    [InlineData("example.com", "www.example.com", false)]
    [InlineData("example.com", "notexample.com", false)]
    [InlineData("*.example.com", "www.example.com", true)]
    [InlineData("*.example.com", "a.b.example.com", true)]
    [InlineData("*.example.com", "example.com", false)]
    [InlineData("*.example.com", "badexample.com", false)]
    [InlineData("*.example.com", "example.com.evil.test", false)]
    [InlineData("*", "anything.test", true)]
    [InlineData("localhost", "localhost", true)]
    [InlineData("127.0.0.1", "127.0.0.1", true)]
    [InlineData("127.0.0.1", "127.0.0.2", false)]
    public void Matches(string pattern, string host, bool expected) =>
        Assert.Equal(expected, AllowedDomains.Matches([pattern], host));

    [Fact]
    public void Matches_NoPatternsOrNoHost_IsFalse()
    {
        Assert.False(AllowedDomains.Matches([], "example.com"));
        Assert.False(AllowedDomains.Matches(["*"], null));
        Assert.False(AllowedDomains.Matches(["*"], " "));
    }

    [Theory]
    [InlineData("https://shop.example.com:8443", "shop.example.com")]
    [InlineData("http://127.0.0.1:5000/page?x=1", "127.0.0.1")]
    [InlineData("null", null)]
    [InlineData("", null)]
    [InlineData("not a url", null)]
    public void HostOf_DropsSchemePortAndPath(string value, string? expected) => Assert.Equal(expected, AllowedDomains.HostOf(value));

    [Fact]
    public void Parse_NormalisesAndDropsDuplicates()
    {
        var parsed = AllowedDomains.Parse("Example.com\n*.Partner.test, example.com  localhost");

        Assert.True(parsed.Succeeded, parsed.Error);
        Assert.Equal(["example.com", "*.partner.test", "localhost"], parsed.Value!);
    }

    [Theory]
    [InlineData("https://example.com", "no https://")]
    [InlineData("example.com/path", "no https://")]
    [InlineData("example.com:8080", "leave out the port")]
    [InlineData("www.*.example.com", "wildcard")]
    [InlineData("exa mple", null)]
    [InlineData("ex_ample.com", "not a valid host name")]
    [InlineData("-bad.com", "not a valid host name")]
    public void Parse_ExplainsBadPatterns(string text, string? fragment)
    {
        var parsed = AllowedDomains.Parse(text);

        if (fragment is null)
        {
            Assert.True(parsed.Succeeded); // spaces separate patterns
            return;
        }
        Assert.False(parsed.Succeeded);
        Assert.Contains(fragment, parsed.Error);
    }
}
