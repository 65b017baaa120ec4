using Bunit;
using Microsoft.AspNetCore.Components;
using Microsoft.AspNetCore.Components.Rendering;
using Microsoft.AspNetCore.Components.Web;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;
using OpenChatStudio.Web.Components.Layout;
using OpenChatStudio.Tests.TestSupport;

namespace OpenChatStudio.Tests.Web.Components.Layout;

/// <summary>A component that throws (here from a click handler) is caught: blocking screen with reload, logged with user/team/page.</summary>
[Trait(TestLayers.Trait, TestLayers.Unit)]
public class StudioErrorBoundaryTests : BunitTestContext
{
    private readonly CapturingLogger _log = new();

    public StudioErrorBoundaryTests()
    {
        Ctx.Services.AddSingleton<ILogger<StudioErrorBoundary>>(_log);
        Ctx.AddAuthorization().SetAuthorized("rita@example.test");
        Ctx.Services.GetRequiredService<NavigationManager>().NavigateTo("/t/clinic/chatbots?tab=1");
    }

    [Fact]
    public void ClickHandlerThrows_BlockingScreenWithReload_AndLogWithUserTeamPage()
    {
        var cut = Ctx.Render<StudioErrorBoundary>(p => p
            .Add(b => b.TeamSlug, "clinic")
            .AddChildContent<Thrower>());
        Assert.Empty(cut.FindAll("[data-testid=app-error]"));

        cut.Find("button#boom").Click();

        var screen = cut.WaitForElement("[data-testid=app-error]");
        Assert.Equal("alertdialog", screen.GetAttribute("role"));
        Assert.Contains("Something went wrong on this page", screen.TextContent);
        Assert.Contains("ocs-reload", cut.Find("[data-testid=app-error-reload]").ClassName);
        Assert.Empty(cut.FindAll("button#boom"));   // the broken page is gone, not left half-working

        var entry = Assert.Single(_log.Entries);
        Assert.Equal(LogLevel.Error, entry.Level);
        Assert.IsType<InvalidOperationException>(entry.Exception);
        Assert.Contains("/t/clinic/chatbots", entry.Message);
        Assert.Contains("rita@example.test", entry.Message);
        Assert.Contains("clinic", entry.Message);
        var reference = screen.QuerySelector(".ocs-fatal-ref")!.TextContent.Replace("Reference: ", "").Trim();
        Assert.Contains(reference, entry.Message);
    }

    private sealed class Thrower : ComponentBase
    {
        protected override void BuildRenderTree(RenderTreeBuilder builder)
        {
            builder.OpenElement(0, "button");
            builder.AddAttribute(1, "id", "boom");
            builder.AddAttribute(2, "onclick", EventCallback.Factory.Create<MouseEventArgs>(this, () => throw new InvalidOperationException("broken")));
            builder.AddContent(3, "Press");
            builder.CloseElement();
        }
    }

    private sealed class CapturingLogger : ILogger<StudioErrorBoundary>
    {
        public List<(LogLevel Level, string Message, Exception? Exception)> Entries { get; } = [];

        public IDisposable? BeginScope<TState>(TState state) where TState : notnull => null;

        public bool IsEnabled(LogLevel logLevel) => true;

        public void Log<TState>(LogLevel logLevel, EventId eventId, TState state, Exception? exception, Func<TState, Exception?, string> formatter)
        {
            lock (Entries)
            {
                Entries.Add((logLevel, formatter(state, exception), exception));
            }
        }
    }
}
