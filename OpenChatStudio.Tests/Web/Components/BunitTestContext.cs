using Bunit;
using Microsoft.Extensions.DependencyInjection;
using MudBlazor;
using MudBlazor.Services;

namespace OpenChatStudio.Tests.Web.Components;

/// <summary>bUnit with MudBlazor as STACK_NOTES.md describes: loose JS interop, async dispose under xunit v2.</summary>
public abstract class BunitTestContext : IAsyncLifetime
{
    protected BunitContext Ctx { get; } = new();

    protected BunitTestContext()
    {
        // Components here talk to a real database (PostgreSQL in CI, on a busy 2-core machine): allow real latency.
        BunitContext.DefaultWaitTimeout = TimeSpan.FromSeconds(10);
        Ctx.JSInterop.Mode = JSRuntimeMode.Loose;
        Ctx.Services.AddMudServices(o =>
        {
            o.SnackbarConfiguration.ShowTransitionDuration = 0;
            o.SnackbarConfiguration.HideTransitionDuration = 0;
            o.PopoverOptions.CheckForPopoverProvider = false;
        });
        Ctx.Services.AddSingleton<OpenChatStudio.Web.Components.PublicChat.MarkdownRenderer>();
    }

    public virtual Task InitializeAsync() => Task.CompletedTask;

    public virtual async Task DisposeAsync() => await Ctx.DisposeAsync();
}
