using Microsoft.AspNetCore.Components;
using Microsoft.AspNetCore.Components.Authorization;
using Microsoft.AspNetCore.Components.Rendering;
using Microsoft.AspNetCore.Components.Web;
using Microsoft.Extensions.Logging;

namespace OpenChatStudio.Web.Components.Layout;

/// <summary>
/// Catches an exception thrown by any component of the studio (rendering, lifecycle or an event handler, dialogs and
/// popovers included): the circuit stays alive, the exception is logged with the user, team and page, and the page is
/// replaced by a blocking message with a reload action and a reference the user can quote.
/// </summary>
public sealed class StudioErrorBoundary : ErrorBoundaryBase
{
    private string? _reference;

    [Inject] private ILogger<StudioErrorBoundary> Logger { get; set; } = default!;

    [Inject] private NavigationManager Navigation { get; set; } = default!;

    [CascadingParameter] private Task<AuthenticationState>? AuthState { get; set; }

    /// <summary>The team slug of the page, when the page belongs to a team.</summary>
    [Parameter] public string? TeamSlug { get; set; }

    protected override async Task OnErrorAsync(Exception exception)
    {
        _reference = Guid.NewGuid().ToString("N")[..8];
        string? user = null;
        try
        {
            user = AuthState is null ? null : (await AuthState).User.Identity?.Name;
        }
        catch (Exception ex) when (ex is not OutOfMemoryException)
        {
            // The authentication state is unavailable; log the error without the user.
        }
        Logger.LogError(exception, "Unhandled error on page {Page} (user {User}, team {Team}, reference {Reference})",
            "/" + Navigation.ToBaseRelativePath(Navigation.Uri).Split('?', '#')[0], user ?? "(anonymous)", TeamSlug ?? "(none)", _reference);
    }

    protected override void BuildRenderTree(RenderTreeBuilder builder)
    {
        if (CurrentException is null)
        {
            builder.AddContent(0, ChildContent);
            return;
        }
        builder.OpenElement(1, "div");
        builder.AddAttribute(2, "class", "ocs-fatal");
        builder.AddAttribute(3, "role", "alertdialog");
        builder.AddAttribute(4, "aria-modal", "true");
        builder.AddAttribute(5, "aria-labelledby", "ocs-fatal-title");
        builder.AddAttribute(6, "data-testid", "app-error");
        builder.OpenElement(7, "div");
        builder.AddAttribute(8, "class", "ocs-fatal-card");
        builder.OpenElement(9, "h2");
        builder.AddAttribute(10, "id", "ocs-fatal-title");
        builder.AddContent(11, "Something went wrong on this page");
        builder.CloseElement();
        builder.OpenElement(12, "p");
        builder.AddContent(13, "The page stopped working and was logged for the team that runs this server. An edit you made in the last moments may not have been saved. Reload the page to carry on.");
        builder.CloseElement();
        builder.OpenElement(14, "p");
        builder.AddAttribute(15, "class", "ocs-fatal-ref");
        builder.AddContent(16, $"Reference: {_reference}");
        builder.CloseElement();
        builder.OpenElement(17, "a");
        builder.AddAttribute(18, "class", "ocs-reload ocs-submit");
        builder.AddAttribute(19, "href", Navigation.Uri);
        builder.AddAttribute(20, "data-enhance-nav", "false");
        builder.AddAttribute(21, "data-testid", "app-error-reload");
        builder.AddContent(22, "Reload the page");
        builder.CloseElement();
        builder.CloseElement();
        builder.CloseElement();
    }
}
