using Bunit;
using OpenChatStudio.Web.Components.Shared;
using OpenChatStudio.Tests.TestSupport;

namespace OpenChatStudio.Tests.Web.Components;

/// <summary>Preview and transcript show a bot's markdown as the public page does (same sanitiser); people's words stay as typed.</summary>
[Trait(TestLayers.Trait, TestLayers.Unit)]
public class MessageTextTests : BunitTestContext
{
    [Fact]
    public void BotReply_RendersSanitisedMarkdown()
    {
        var cut = Ctx.Render<MessageText>(p => p
            .Add(x => x.Text, "**Take** the [leaflet](https://example.org/a)\n\n- one\n- two\n<script>alert(1)</script>")
            .Add(x => x.AsMarkdown, true));

        Assert.Equal("Take", cut.Find(".ocs-md strong").TextContent);
        var link = cut.Find(".ocs-md a");
        Assert.Equal("https://example.org/a", link.GetAttribute("href"));
        Assert.Equal("_blank", link.GetAttribute("target"));
        Assert.Equal(2, cut.FindAll(".ocs-md li").Count);
        Assert.Empty(cut.FindAll("script"));
        Assert.DoesNotContain("**", cut.Markup);
    }

    [Fact]
    public void ParticipantText_StaysPlain_MarkupShownAsTyped()
    {
        var cut = Ctx.Render<MessageText>(p => p.Add(x => x.Text, "**not bold** <b>x</b>").Add(x => x.AsMarkdown, false));

        Assert.Empty(cut.FindAll("strong, b"));
        Assert.Equal("**not bold** <b>x</b>", cut.Find(".ocs-plain").TextContent);
    }
}
