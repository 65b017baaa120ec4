using Microsoft.AspNetCore.Components;
using Microsoft.AspNetCore.Components.Authorization;
using OpenChatStudio.Core.Teams;
using OpenChatStudio.Web.Teams;

namespace OpenChatStudio.Web.Components.Teams;

/// <summary>
/// Base for pages under <c>/t/{teamSlug}</c>. The route policy has already checked membership; this resolves the
/// <see cref="TeamAccess"/> the page hands to feature services.
/// </summary>
public abstract class TeamPageBase : ComponentBase, IDisposable
{
    private readonly CancellationTokenSource _cts = new();

    [Parameter] public string TeamSlug { get; set; } = "";

    [CascadingParameter] private Task<AuthenticationState> AuthState { get; set; } = default!;

    [Inject] protected TeamService Teams { get; set; } = default!;

    protected TeamAccess? Access { get; private set; }

    /// <summary>Cancelled when the user leaves the page.</summary>
    protected CancellationToken PageToken => _cts.Token;

    protected override async Task OnParametersSetAsync()
    {
        if (Access?.Slug == TeamSlug)
        {
            return;
        }
        var user = (await AuthState).User.GetUserId();
        Access = user is null ? null : await Teams.GetAccessAsync(user.Value, TeamSlug, PageToken);
        if (Access is not null)
        {
            await OnTeamLoadedAsync();
        }
    }

    protected virtual Task OnTeamLoadedAsync() => Task.CompletedTask;

    /// <summary>Runs when the page is disposed, before <see cref="PageToken"/> is cancelled.</summary>
    protected virtual void OnDisposing()
    {
    }

    public void Dispose()
    {
        OnDisposing();
        // Cancelled, not disposed: work still running when the user leaves (a page that was loading) reads PageToken
        // after this, and must see a cancelled token (which Blazor ignores), not an ObjectDisposedException (which
        // ended the circuit). A source without timers holds nothing that needs disposing.
        _cts.Cancel();
        GC.SuppressFinalize(this);
    }
}
