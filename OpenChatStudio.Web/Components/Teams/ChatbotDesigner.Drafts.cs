using System.Globalization;
using System.Text.Json;
using System.Text.Json.Nodes;
using Microsoft.AspNetCore.Components;
using Microsoft.Extensions.Logging;
using Microsoft.JSInterop;
using OpenChatStudio.Core.Pipelines.Graph;

namespace OpenChatStudio.Web.Components.Teams;

/// <summary>
/// Unsaved edits outlive the page: while the canvas differs from what is stored, the designer keeps a copy in the
/// browser's localStorage (pipeline, layout, time, the revision it was based on). When the designer opens and finds a
/// copy that differs from the stored pipeline — the circuit was lost, the server restarted, a save was refused — it says
/// so and offers to restore or discard it. A successful save (or Reload, or Discard) removes the copy.
/// </summary>
public partial class ChatbotDesigner
{
    private bool _draftChecked;
    private UnsavedDraft? _draft;

    [Inject] private TimeProvider Clock { get; set; } = default!;

    /// <summary>Where this browser keeps the designer's unsaved edits of a chatbot.</summary>
    public static string DraftKey(Guid chatbotId) => $"ocs-designer-draft:{chatbotId}";

    private sealed record UnsavedDraft(Snapshot Snapshot, DateTime SavedAtUtc, int Revision);

    /// <summary>Once the circuit is live and the pipeline loaded: is there a copy of edits that never reached the server?</summary>
    private async Task CheckDraftAsync()
    {
        if (_draftChecked || !RendererInfo.IsInteractive || _saved is null || ReadOnly)
        {
            return;
        }
        _draftChecked = true;
        string? json;
        try
        {
            json = await JS.InvokeAsync<string?>("localStorage.getItem", PageToken, DraftKey(ChatbotId));
        }
        catch (Exception ex) when (ex is JSException or JSDisconnectedException or OperationCanceledException)
        {
            return;
        }
        if (json is null)
        {
            return;
        }
        var draft = ParseDraft(json);
        if (draft is null || draft.Snapshot.Same(_saved))
        {
            await RemoveDraftAsync(); // unreadable, or the edits were saved after all (e.g. when the old page closed)
            return;
        }
        _draft = draft;
        StateHasChanged();
    }

    private static UnsavedDraft? ParseDraft(string json)
    {
        try
        {
            if (JsonNode.Parse(json) is not JsonObject root || root["savedAt"]?.GetValue<string>() is not { } at)
            {
                return null;
            }
            var (graph, layout) = ParseImport(json);
            return new UnsavedDraft(new Snapshot(graph, layout ?? []),
                DateTime.Parse(at, CultureInfo.InvariantCulture, DateTimeStyles.AdjustToUniversal | DateTimeStyles.AssumeUniversal),
                root["revision"]?.GetValue<int>() ?? 0);
        }
        catch (Exception ex) when (ex is JsonException or FormatException or InvalidOperationException)
        {
            return null;
        }
    }

    /// <summary>Keeps a copy of the canvas while it differs from what is stored (called on every recorded change).</summary>
    private async Task StoreDraftAsync(Snapshot snapshot)
    {
        if (ReadOnly || !RendererInfo.IsInteractive)
        {
            return;
        }
        var root = JsonNode.Parse(ExportJson(snapshot.Graph, snapshot.Layout))!.AsObject();
        root["savedAt"] = Clock.GetUtcNow().UtcDateTime.ToString("O", CultureInfo.InvariantCulture);
        root["revision"] = _revision;
        try
        {
            await JS.InvokeVoidAsync("localStorage.setItem", PageToken, DraftKey(ChatbotId), root.ToJsonString());
        }
        catch (Exception ex) when (ex is JSException or JSDisconnectedException or OperationCanceledException)
        {
            Logger.LogDebug(ex, "The unsaved edits of chatbot {ChatbotId} could not be kept in the browser", ChatbotId);
        }
    }

    private async Task RemoveDraftAsync()
    {
        if (!RendererInfo.IsInteractive)
        {
            return;
        }
        try
        {
            await JS.InvokeVoidAsync("localStorage.removeItem", PageToken, DraftKey(ChatbotId));
        }
        catch (Exception ex) when (ex is JSException or JSDisconnectedException or OperationCanceledException)
        {
            Logger.LogDebug(ex, "The kept edits of chatbot {ChatbotId} could not be removed from the browser", ChatbotId);
        }
    }

    /// <summary>Puts the kept edits back on the canvas (undoable); autosave then stores them.</summary>
    private void RestoreDraft()
    {
        if (_draft is null || ReadOnly)
        {
            return;
        }
        var snapshot = _draft.Snapshot;
        _draft = null;
        _selected = null;
        _selection = [];
        Show(snapshot);
        Interlocked.Increment(ref _changeVersion);
        CheckNow();
    }

    private async Task DiscardDraftAsync()
    {
        _draft = null;
        await RemoveDraftAsync();
    }

    private string DraftTime(UnsavedDraft draft)
    {
        var ago = Clock.GetUtcNow().UtcDateTime - draft.SavedAtUtc;
        var relative = ago.TotalMinutes < 1 ? "less than a minute ago"
            : ago.TotalHours < 1 ? $"{(int)ago.TotalMinutes} min ago"
            : ago.TotalDays < 1 ? $"{(int)ago.TotalHours} h ago"
            : $"{(int)ago.TotalDays} days ago";
        return $"{draft.SavedAtUtc.ToString("yyyy-MM-dd HH:mm", CultureInfo.InvariantCulture)} UTC, {relative}";
    }
}
