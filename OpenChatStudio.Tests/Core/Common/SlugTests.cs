using OpenChatStudio.Core.Common;
using OpenChatStudio.Tests.TestSupport;

namespace OpenChatStudio.Tests.Core.Common;

[Trait(TestLayers.Trait, TestLayers.Unit)]
public class SlugTests
{
    [Theory]
    [InlineData("Acme Research", "acme-research")]
    [InlineData("  Équipe  Santé!! ", "equipe-sante")]
    [InlineData("a--b__c", "a-b-c")]
    [InlineData("!!!", "team")]
    public void From_Name_GivesUrlSafeSlug(string name, string expected) => Assert.Equal(expected, Slug.From(name));

    [Fact]
    public void From_VeryLongName_IsCutToMaxLengthWithoutTrailingDash()
    {
        var slug = Slug.From(new string('a', 59) + " bcd");
        Assert.True(slug.Length <= Slug.MaxLength);
        Assert.False(slug.EndsWith('-'));
        Assert.True(Slug.IsValid(slug));
    }

    [Theory]
    [InlineData("acme", true)]
    [InlineData("acme-2", true)]
    [InlineData("Acme", false)]
    [InlineData("-acme", false)]
    [InlineData("ac me", false)]
    [InlineData("", false)]
    [InlineData("../etc", false)]
    public void IsValid_ChecksShape(string slug, bool valid) => Assert.Equal(valid, Slug.IsValid(slug));
}
