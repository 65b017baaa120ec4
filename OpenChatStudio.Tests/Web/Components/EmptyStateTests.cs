using Bunit;
using OpenChatStudio.Web.Components.Shared;
using OpenChatStudio.Tests.TestSupport;

namespace OpenChatStudio.Tests.Web.Components;

[Trait(TestLayers.Trait, TestLayers.Unit)]
public class EmptyStateTests : BunitTestContext
{
    [Fact]
    public void EmptyState_RendersTitleMessageAndAction()
    {
        var cut = Ctx.Render<EmptyState>(p => p
            .Add(x => x.Title, "No chatbots yet")
            .Add(x => x.Message, "Create one to start.")
            .AddChildContent("<button id=\"create\">Create</button>"));

        Assert.Equal("No chatbots yet", cut.Find("h6").TextContent);
        Assert.Contains("Create one to start.", cut.Markup);
        Assert.NotNull(cut.Find("#create"));
    }

    [Fact]
    public void EmptyState_WithoutMessage_RendersNoMessageLine()
    {
        var cut = Ctx.Render<EmptyState>(p => p.Add(x => x.Title, "Nothing"));
        Assert.Empty(cut.FindAll("p"));
    }
}
