using System.Text.Json;
using System.Text.Json.Nodes;
using Blazor.Diagrams;
using Blazor.Diagrams.Core.Anchors;
using Blazor.Diagrams.Core.Geometry;
using Blazor.Diagrams.Core.Models;
using Blazor.Diagrams.Core.Models.Base;
using Microsoft.AspNetCore.Components;
using Microsoft.AspNetCore.Components.Forms;
using Microsoft.AspNetCore.Components.Routing;
using Microsoft.AspNetCore.Components.Web;
using Microsoft.Extensions.Logging;
using Microsoft.JSInterop;
using MudBlazor;
using OpenChatStudio.Core.Chatbots;
using OpenChatStudio.Core.Pipelines.Graph;
using OpenChatStudio.Core.Pipelines.Nodes;
using OpenChatStudio.Core.Pipelines.Registry;
using OpenChatStudio.Core.Providers;
using OpenChatStudio.Core.Teams;
using OpenChatStudio.Web.Components.Pipelines.Designer;
using OpenChatStudio.Web.Hosting;
using OpenChatStudio.Web.Components.Pipelines.Diagram;

namespace OpenChatStudio.Web.Components.Teams;

/// <summary>
/// The pipeline designer: palette, canvas (a view of the engine graph via <see cref="DesignerMapper"/>), generated inspector,
/// validation on every change, undo/redo snapshots, copy/paste, autosave with optimistic concurrency, import/export.
/// </summary>
public partial class ChatbotDesigner
{
    public enum SaveState { Saved, Unsaved, Saving }

    private const int MaxHistory = 50;
    private static readonly TimeSpan CheckDelay = TimeSpan.FromMilliseconds(250);
    private static readonly TimeSpan AutosaveDelay = TimeSpan.FromSeconds(2);

    private readonly List<Snapshot> _history = [];
    private int _historyIndex = -1;
    private Snapshot? _saved;
    private BlazorDiagram? _diagram;
    private ChatbotDetails? _details;
    private bool _loading = true;
    private bool _notFound;
    private int _revision;
    private SaveState _saveState = SaveState.Saved;
    private string? _saveError;
    private string? _saveFailure;
    private IReadOnlyList<PipelineNodeModel> _selection = [];
    private IReadOnlyList<GraphError> _errors = [];
    private IReadOnlyList<GraphError> _warnings = [];
    private readonly DesignerViewStateSource _viewStateSource = new();
    private PipelineNodeModel? _selected;
    private string? _nameError;
    private int _tab;
    private IReadOnlyList<ProviderSummary> _providers = [];
    private IReadOnlyList<OpenChatStudio.Core.Chatbots.SourceMaterialDto> _sourceMaterials = [];
    private List<(GraphNode Node, NodePosition Position)> _clipboard = [];
    private List<GraphEdge> _clipboardEdges = [];
    private string? _dragType;
    private long _changeVersion;
    private long _autosaveVersion;
    private Task? _saving;
    private bool _fitted;
    private bool _paletteOpen = true;
    private bool _inspectorOpen = true;
    private const string PanelsKey = "ocs-designer-panels";
    private bool _importOpen;
    private string _importText = "";
    private string? _importError;
    private bool _exportOpen;
    private string _exportJson = "";

    private sealed record Snapshot(PipelineGraph Graph, Dictionary<string, NodePosition> Layout)
    {
        public bool Same(Snapshot? other) =>
            other is not null && Graph.SameAs(other.Graph) && Layout.Count == other.Layout.Count &&
            Layout.All(p => other.Layout.TryGetValue(p.Key, out var q) && q == p.Value);
    }

    [Parameter] public Guid ChatbotId { get; set; }

    [Inject] private ChatbotService Chatbots { get; set; } = default!;

    [Inject] private ProviderService ProviderService { get; set; } = default!;

    [Inject] private OpenChatStudio.Core.Chatbots.ResourceService Resources { get; set; } = default!;

    [Inject] private NodeRegistry Registry { get; set; } = default!;

    [Inject] private IDialogService Dialogs { get; set; } = default!;

    [Inject] private ISnackbar Snackbar { get; set; } = default!;

    [Inject] private ILogger<ChatbotDesigner> Logger { get; set; } = default!;

    [Inject] private IJSRuntime JS { get; set; } = default!;

    private string BodyClass => "ocs-designer-body" + (_paletteOpen ? "" : " no-palette") + (_inspectorOpen ? "" : " no-inspector");

    protected override async Task OnAfterRenderAsync(bool firstRender)
    {
        if (!_draftChecked && _saved is not null)
        {
            await CheckDraftAsync();
        }
        if (!firstRender || !RendererInfo.IsInteractive)
        {
            return;
        }
        // Panels the user hid stay hidden on their next visit (this browser).
        var panels = await JS.InvokeAsync<string?>("localStorage.getItem", PanelsKey);
        if (panels is not null)
        {
            _paletteOpen = !panels.Contains("no-palette", StringComparison.Ordinal);
            _inspectorOpen = !panels.Contains("no-inspector", StringComparison.Ordinal);
            StateHasChanged();
        }
    }

    private Task TogglePaletteAsync()
    {
        _paletteOpen = !_paletteOpen;
        return RememberPanelsAsync();
    }

    private Task ToggleInspectorAsync()
    {
        _inspectorOpen = !_inspectorOpen;
        return RememberPanelsAsync();
    }

    private async Task RememberPanelsAsync()
    {
        // The canvas gets wider or narrower; the diagram library notices through its resize observer.
        await JS.InvokeVoidAsync("localStorage.setItem", PanelsKey, (_paletteOpen ? "" : "no-palette ") + (_inspectorOpen ? "" : "no-inspector"));
    }

    private DesignerViewState ViewState => _viewStateSource.Current;

    private bool ReadOnly => Access is null || !Access.Can(TeamPermission.EditPipelines);

    private bool Blocked => _saveError is not null;

    private bool CanUndo => !ReadOnly && _historyIndex > 0;

    private bool CanRedo => !ReadOnly && _historyIndex < _history.Count - 1;

    private string SettingsHref => $"/t/{TeamSlug}/chatbots/{ChatbotId}/settings";

    private string SaveStateText => _saveState switch
    {
        SaveState.Saving => "Saving…",
        SaveState.Unsaved => "Unsaved changes",
        _ => "Saved",
    };

    private IReadOnlyDictionary<string, string> NodeNames =>
        _diagram?.Nodes.OfType<PipelineNodeModel>().GroupBy(n => n.NodeId).ToDictionary(g => g.Key, g => g.First().Name) ?? new Dictionary<string, string>();

    protected override async Task OnTeamLoadedAsync()
    {
        // Prerendering (static HTML before the circuit starts) shows only the progress bar: the canvas needs the live
        // circuit anyway, and loading the chatbot, providers and resources twice made the designer open slower.
        if (RendererInfo is { Name: "Static", IsInteractive: false })
        {
            return;
        }
        _providers = await ProviderService.ListAsync(Access!, PageToken);
        _sourceMaterials = await Resources.ListSourceMaterialsAsync(Access!, PageToken);
        await LoadAsync();
    }

    private async Task LoadAsync()
    {
        _loading = true;
        _details = await Chatbots.GetAsync(Access!, ChatbotId, PageToken);
        _notFound = _details is null;
        _loading = false;
        if (_details is null)
        {
            return;
        }
        _revision = _details.EditRevision;
        _saveError = null;
        _saveFailure = null;
        _selected = null;
        _selection = [];
        _diagram ??= CreateDiagram();
        var layout = _details.Layout.Count > 0 ? _details.Layout : AutoLayout.Compute(_details.Pipeline);
        Show(new Snapshot(_details.Pipeline, new Dictionary<string, NodePosition>(layout)));
        _saved = Capture();
        _history.Clear();
        _history.Add(_saved);
        _historyIndex = 0;
        _saveState = SaveState.Saved;
        Validate(_saved.Graph);
    }

    private BlazorDiagram CreateDiagram()
    {
        var diagram = DesignerMapper.CreateDiagram(ReadOnly);
        diagram.Nodes.Added += node =>
        {
            node.Locked = ReadOnly;
            if (node is MovableModel movable)
            {
                movable.Moved += _ => ScheduleCheck();
            }
            ScheduleCheck();
        };
        diagram.Nodes.Removed += node =>
        {
            if (ReferenceEquals(node, _selected))
            {
                _selected = null;
            }
            ScheduleCheck();
        };
        diagram.Links.Added += link =>
        {
            link.TargetAttached += _ => ScheduleCheck();
            ScheduleCheck();
        };
        diagram.Links.Removed += _ => ScheduleCheck();
        diagram.SelectionChanged += changed =>
        {
            // The inspector edits one node; with several selected it offers the bulk actions instead.
            var selection = diagram.Nodes.OfType<PipelineNodeModel>().Where(n => n.Selected).ToList();
            var selected = selection.Count == 1 ? selection[0] : null;
            var selectionChanged = selection.Count != _selection.Count || selection.Where((n, i) => !ReferenceEquals(n, _selection[i])).Any();
            _selection = selection;
            if (!ReferenceEquals(selected, _selected) || selectionChanged)
            {
                _selected = selected;
                _nameError = null;
                if (selection.Count > 0)
                {
                    _tab = 0;
                }
                _ = InvokeAsync(StateHasChanged);
            }
        };
        diagram.KeyDown += e => _ = InvokeAsync(() => OnCanvasKeyAsync(e.Key, e.CtrlKey, e.ShiftKey));
        diagram.ContainerChanged += () => _ = InvokeAsync(OnContainerChanged);
        diagram.ZoomChanged += () => _ = InvokeAsync(StateHasChanged);
        return diagram;
    }

    private void Show(Snapshot snapshot)
    {
        DesignerMapper.ToDiagram(snapshot.Graph, snapshot.Layout, Registry, _diagram!);
        foreach (var node in _diagram!.Nodes)
        {
            node.Locked = ReadOnly;
        }
    }

    private Snapshot Capture()
    {
        var (graph, layout) = DesignerMapper.ToGraph(_diagram!);
        return new Snapshot(graph, layout);
    }

    private void Validate(PipelineGraph graph)
    {
        var validator = new GraphValidator(Registry);
        _errors = validator.Validate(graph);
        _warnings = validator.Warnings(graph, _errors);
        _viewStateSource.Current = DesignerViewState.From(_errors);
        if (_diagram is not null)
        {
            foreach (var node in _diagram.Nodes)
            {
                node.Refresh();
            }
        }
    }

    /// <summary>Debounced: after the canvas settles, take a snapshot; if it differs, record it for undo, validate and autosave.</summary>
    private void ScheduleCheck()
    {
        var version = Interlocked.Increment(ref _changeVersion);
        _ = Task.Delay(CheckDelay, PageToken).ContinueWith(t =>
        {
            if (!t.IsCanceled && version == Interlocked.Read(ref _changeVersion))
            {
                _ = InvokeAsync(CheckNow);
            }
        }, TaskScheduler.Default);
    }

    private void CheckNow()
    {
        if (_diagram is null || _historyIndex < 0)
        {
            return;
        }
        var snapshot = Capture();
        if (snapshot.Same(_history[_historyIndex]))
        {
            return;
        }
        _history.RemoveRange(_historyIndex + 1, _history.Count - _historyIndex - 1);
        _history.Add(snapshot);
        if (_history.Count > MaxHistory)
        {
            _history.RemoveAt(0);
        }
        _historyIndex = _history.Count - 1;
        AfterChange(snapshot);
    }

    private void AfterChange(Snapshot snapshot)
    {
        Validate(snapshot.Graph);
        _saveState = snapshot.Same(_saved) ? SaveState.Saved : SaveState.Unsaved;
        if (_saveState == SaveState.Unsaved)
        {
            // Sent before the render that shows "Unsaved changes": if the connection drops now, the browser has the edits.
            _ = StoreDraftAsync(snapshot);
            ScheduleAutosave();
        }
        StateHasChanged();
    }

    private void ScheduleAutosave()
    {
        if (ReadOnly || Blocked)
        {
            return;
        }
        var version = Interlocked.Increment(ref _autosaveVersion);
        _ = Task.Delay(AutosaveDelay, PageToken).ContinueWith(t =>
        {
            if (!t.IsCanceled && version == Interlocked.Read(ref _autosaveVersion))
            {
                _ = InvokeAsync(SaveAsync);
            }
        }, TaskScheduler.Default);
    }

    /// <summary>
    /// Saves what is on the canvas now. A save already running is awaited first (its snapshot may be older than the
    /// canvas), so Ctrl+S, autosave, leaving the page and the preview never lose an edit to a save in flight.
    /// </summary>
    private async Task SaveAsync()
    {
        while (_saving is { IsCompleted: false } running)
        {
            await running;
        }
        _saving = SaveOnceAsync();
        await _saving;
    }

    private async Task SaveOnceAsync()
    {
        if (ReadOnly || Blocked || _diagram is null || Access is null)
        {
            return;
        }
        // An edit whose debounced check is still pending is part of this save (and of the undo history).
        Interlocked.Increment(ref _changeVersion);
        CheckNow();
        var snapshot = Capture();
        if (snapshot.Same(_saved))
        {
            _saveState = SaveState.Saved;
            return;
        }
        _saveState = SaveState.Saving;
        StateHasChanged();
        try
        {
            var result = await Chatbots.SavePipelineAsync(Access, ChatbotId, snapshot.Graph, snapshot.Layout, _revision, PageToken);
            if (result.Succeeded)
            {
                _revision = result.Value;
                _saved = snapshot;
                _saveFailure = null;
                if (Capture().Same(_saved))
                {
                    await RemoveDraftAsync();
                }
                Validate(snapshot.Graph);
                if (_errors.Count > 0)
                {
                    Snackbar.Add("Saved as a draft: the preview cannot run this pipeline until its problems are fixed.", Severity.Warning);
                }
            }
            else if (await IsConflictAsync())
            {
                // Someone else saved since this page loaded: stop saving, never overwrite their work; the user reloads.
                _saveError = result.Error;
                _saveFailure = null;
            }
            else
            {
                _saveFailure = $"Your changes were not saved: {result.Error} They are still here; try again.";
            }
        }
        catch (OperationCanceledException) when (PageToken.IsCancellationRequested)
        {
            return; // the page is being disposed: OnDisposing saves what is left
        }
        catch (Exception ex)
        {
            // The database (or the network to it) failed: keep the edits on the page and let the user retry.
            Logger.LogWarning(ex, "Saving the pipeline of chatbot {ChatbotId} failed", ChatbotId);
            _saveFailure = "Your changes could not be saved: the server could not reach its database. They are still here; try again in a moment.";
        }
        _saveState = Capture().Same(_saved) ? SaveState.Saved : SaveState.Unsaved;
        StateHasChanged();
    }

    /// <summary>True while the canvas holds edits that are not stored (or a save of them is still running).</summary>
    private bool HasUnsavedEdits =>
        !ReadOnly && _diagram is not null && _saved is not null && (_saving is { IsCompleted: false } || !Capture().Same(_saved));

    /// <summary>
    /// Leaving for another page of the studio: save the pending edits first (no autosave delay to wait out). When they
    /// cannot be saved, the user decides whether to leave without them.
    /// </summary>
    private async Task OnBeforeInternalNavigationAsync(LocationChangingContext context)
    {
        if (!HasUnsavedEdits)
        {
            return;
        }
        if (!Blocked)
        {
            await SaveAsync();
            if (!HasUnsavedEdits)
            {
                return;
            }
        }
        var leave = await Dialogs.ShowMessageBoxAsync("Leave without saving?",
            Blocked ? "Someone else saved this pipeline since you opened it, so your edits here cannot be saved. Leave and discard them?"
                    : "Your latest edits could not be saved. Leave and discard them, or stay and try again?",
            yesText: "Leave without saving", cancelText: "Stay");
        if (leave != true)
        {
            context.PreventNavigation();
        }
    }

    /// <summary>
    /// The page goes away without a navigation the lock saw (the tab closed after the browser's prompt, the circuit
    /// ended): store edits still pending, outside the page's lifetime.
    /// </summary>
    protected override void OnDisposing()
    {
        if (!HasUnsavedEdits || Blocked || Access is null)
        {
            return;
        }
        var snapshot = Capture();
        var (access, chatbotId, revision, chatbots, logger) = (Access, ChatbotId, _revision, Chatbots, Logger);
        _ = Task.Run(async () =>
        {
            try
            {
                var result = await chatbots.SavePipelineAsync(access, chatbotId, snapshot.Graph, snapshot.Layout, revision, CancellationToken.None);
                if (!result.Succeeded)
                {
                    logger.LogWarning("Edits to chatbot {ChatbotId} pending when the designer closed were not saved: {Error}", chatbotId, result.Error);
                }
            }
            catch (Exception ex)
            {
                logger.LogWarning(ex, "Edits to chatbot {ChatbotId} pending when the designer closed could not be saved", chatbotId);
            }
        });
    }

    /// <summary>A refused save is a conflict when the stored revision moved on since this page loaded it.</summary>
    private async Task<bool> IsConflictAsync()
    {
        try
        {
            var current = await Chatbots.GetAsync(Access!, ChatbotId, PageToken);
            return current is not null && current.EditRevision != _revision;
        }
        catch (Exception ex) when (ex is not OperationCanceledException)
        {
            return false;
        }
    }

    private async Task RetrySaveAsync()
    {
        _saveFailure = null;
        await SaveAsync();
    }

    private async Task ReloadAsync()
    {
        if (_saveState != SaveState.Saved || _saveError is not null)
        {
            var confirmed = await Dialogs.ShowMessageBoxAsync("Reload the pipeline?",
                "Your unsaved edits on this page will be discarded and replaced by the saved pipeline.", yesText: "Reload", cancelText: "Cancel");
            if (confirmed != true)
            {
                return;
            }
        }
        _draft = null;
        await RemoveDraftAsync();
        await LoadAsync();
    }

    // ---- Editing ---------------------------------------------------------------------------------------------------

    private void Undo() => Restore(-1);

    private void Redo() => Restore(1);

    private void Restore(int delta)
    {
        // Record an edit whose debounced check is still pending, so Undo right after it undoes that edit.
        if (!ReadOnly && _diagram is not null)
        {
            Interlocked.Increment(ref _changeVersion);
            CheckNow();
        }
        var index = _historyIndex + delta;
        if (ReadOnly || index < 0 || index >= _history.Count)
        {
            return;
        }
        _historyIndex = index;
        var selectedId = _selected?.NodeId;
        Show(_history[index]);
        _selected = selectedId is null ? null : FindNode(selectedId);
        if (_selected is not null)
        {
            _diagram!.SelectModel(_selected, true);
        }
        AfterChange(_history[index]);
    }

    private PipelineNodeModel? FindNode(string id) => _diagram?.Nodes.OfType<PipelineNodeModel>().FirstOrDefault(n => n.NodeId == id);

    private void AddNode(string typeKey) => AddNodeAt(typeKey, null);

    private PipelineNodeModel? AddNodeAt(string typeKey, Point? at)
    {
        if (ReadOnly || _diagram is null || Registry.Find(typeKey) is not { CanAdd: true } descriptor)
        {
            return null;
        }
        var name = UniqueName(SnakeName(descriptor.Label));
        var node = new GraphNode(NewId(typeKey), typeKey, name, DesignerMapper.DefaultParams(descriptor));
        var model = DesignerMapper.CreateNode(node, Snap(at ?? FreePosition()), Registry);
        _diagram.Nodes.Add(model);
        _diagram.SelectModel(model, true);
        return model;
    }

    private async Task OnKeyDownAsync(KeyboardEventArgs e)
    {
        if ((e.CtrlKey || e.MetaKey) && e.Key is "s" or "S")
        {
            await SaveAsync();
        }
    }

    private async Task OnCanvasKeyAsync(string key, bool ctrl, bool shift)
    {
        if (!ctrl)
        {
            return;
        }
        switch (key.ToLowerInvariant())
        {
            case "z" when shift:
            case "y":
                Redo();
                break;
            case "z":
                Undo();
                break;
            case "c":
                Copy();
                break;
            case "v":
                Paste();
                break;
        }
        await Task.CompletedTask;
    }

    private void Copy()
    {
        if (_diagram is null)
        {
            return;
        }
        var selected = _diagram.Nodes.OfType<PipelineNodeModel>().Where(n => n.Selected && DesignerMapper.CanDelete(n)).ToList();
        if (selected.Count == 0)
        {
            return;
        }
        var (graph, layout) = DesignerMapper.ToGraph(_diagram);
        var ids = selected.Select(n => n.NodeId).ToHashSet(StringComparer.Ordinal);
        _clipboard = graph.Nodes.Where(n => ids.Contains(n.Id)).Select(n => (n, layout[n.Id])).ToList();
        _clipboardEdges = graph.Edges.Where(e => ids.Contains(e.Source) && ids.Contains(e.Target)).ToList();
        Snackbar.Add($"Copied {_clipboard.Count} node(s).", Severity.Info);
    }

    private void Paste()
    {
        if (ReadOnly || _diagram is null || _clipboard.Count == 0)
        {
            return;
        }
        var map = new Dictionary<string, PipelineNodeModel>(StringComparer.Ordinal);
        _diagram.Batch(() =>
        {
            _diagram.UnselectAll();
            foreach (var (node, position) in _clipboard)
            {
                var copy = new GraphNode(NewId(node.Type), node.Type, UniqueName($"{node.Name}_copy"), (JsonObject)node.Params.DeepClone());
                var model = DesignerMapper.CreateNode(copy, Snap(new Point(position.X + 40, position.Y + 40)), Registry);
                _diagram.Nodes.Add(model);
                map[node.Id] = model;
                _diagram.SelectModel(model, false);
            }
            foreach (var edge in _clipboardEdges)
            {
                if (map[edge.Source].FindOutput(edge.SourcePort) is { } output && map[edge.Target].InputPort is { } input)
                {
                    _diagram.Links.Add(new LinkModel(output, input));
                }
            }
        });
        // The next paste lands a little further away.
        _clipboard = _clipboard.Select(c => (c.Node, new NodePosition(c.Position.X + 40, c.Position.Y + 40))).ToList();
    }

    private void RunAutoLayout()
    {
        if (ReadOnly || _diagram is null)
        {
            return;
        }
        var (graph, _) = DesignerMapper.ToGraph(_diagram);
        var positions = AutoLayout.Compute(graph);
        _diagram.Batch(() =>
        {
            foreach (var node in _diagram.Nodes.OfType<PipelineNodeModel>())
            {
                if (positions.TryGetValue(node.NodeId, out var p))
                {
                    node.SetPosition(p.X, p.Y);
                }
            }
        });
        ScheduleCheck();
        ZoomToFit();
    }

    /// <summary>
    /// Zooms and pans so every node is visible (never above 100 %). The library's ZoomToFit fits only the selection when
    /// something is selected, which hid the rest of the pipeline. With <paramref name="minimumZoom"/> the zoom stays
    /// readable and a pipeline too large for the canvas is shown from its top-left (where Start is).
    /// </summary>
    private void ZoomToFit() => ZoomToFit(_diagram?.Options.Zoom.Minimum ?? 0.2);

    private void ZoomToFit(double minimumZoom)
    {
        if (_diagram?.Container is not { } container || _diagram.Nodes.Count == 0 || container.Width <= 0 || container.Height <= 0)
        {
            return;
        }
        const double margin = 40;
        var boxes = _diagram.Nodes.Select(n => n.GetBounds() ?? new Rectangle(n.Position.X, n.Position.Y, n.Position.X + 200, n.Position.Y + 100)).ToList();
        var left = boxes.Min(b => b.Left) - margin;
        var top = boxes.Min(b => b.Top) - margin;
        var width = boxes.Max(b => b.Right) + margin - left;
        var height = boxes.Max(b => b.Bottom) + margin - top;
        var zoom = Math.Clamp(Math.Min(container.Width / width, container.Height / height), minimumZoom, 1.0);
        _diagram.SetZoom(zoom);
        _diagram.SetPan(-left * zoom + Math.Max(0, (container.Width - width * zoom) / 2), -top * zoom + Math.Max(0, (container.Height - height * zoom) / 2));
        // A node added a moment ago may not be measured yet (its size above was a guess): fit again once every node is.
        var unmeasured = _diagram.Nodes.Where(n => n.Size is null).ToList();
        if (unmeasured.Count > 0)
        {
            _refitZoom = minimumZoom;
            foreach (var node in unmeasured)
            {
                node.SizeChanged -= OnMeasuredForFit;
                node.SizeChanged += OnMeasuredForFit;
            }
        }
        else
        {
            _refitZoom = null;
        }
        StateHasChanged();
    }

    private double? _refitZoom;

    private void OnMeasuredForFit(NodeModel node)
    {
        node.SizeChanged -= OnMeasuredForFit;
        if (_refitZoom is { } zoom && _diagram is not null && _diagram.Nodes.All(n => n.Size is not null))
        {
            _refitZoom = null;
            _ = InvokeAsync(() => ZoomToFit(zoom));
        }
    }

    /// <summary>The first time the canvas has a size, fit the pipeline into it, no smaller than readable.</summary>
    private void OnContainerChanged()
    {
        if (_fitted || _diagram?.Container is not { Width: > 0, Height: > 0 } || _diagram.Nodes.Count == 0)
        {
            return;
        }
        _fitted = true;
        ZoomToFit(FirstFitMinimumZoom);
    }

    private const double FirstFitMinimumZoom = 0.75;

    private int ZoomPercent => (int)Math.Round((_diagram?.Zoom ?? 1) * 100);

    /// <summary>Zooms by a step around the centre of the canvas (the +/− buttons; the wheel zooms around the pointer).</summary>
    private void ZoomBy(double factor)
    {
        if (_diagram?.Container is not { } container)
        {
            return;
        }
        var old = _diagram.Zoom;
        var zoom = Math.Clamp(old * factor, _diagram.Options.Zoom.Minimum, _diagram.Options.Zoom.Maximum);
        var (cx, cy) = (container.Width / 2, container.Height / 2);
        _diagram.SetZoom(zoom);
        _diagram.SetPan(cx - (cx - _diagram.Pan.X) * zoom / old, cy - (cy - _diagram.Pan.Y) * zoom / old);
        StateHasChanged();
    }

    private void SelectNodeById(string nodeId)
    {
        if (FindNode(nodeId) is { } node)
        {
            _diagram!.SelectModel(node, true);
            _selected = node;
            _tab = 0;
            StateHasChanged();
        }
    }

    private void OnRename(string name)
    {
        if (_selected is null)
        {
            return;
        }
        name = name.Trim();
        if (name.Length == 0)
        {
            _nameError = "Give the node a name.";
            return;
        }
        if (_diagram!.Nodes.OfType<PipelineNodeModel>().Any(n => !ReferenceEquals(n, _selected) && n.Name == name))
        {
            _nameError = $"Another node is already named '{name}'.";
            return;
        }
        _nameError = null;
        _selected.Name = name;
        _selected.Refresh();
        ScheduleCheck();
    }

    private void OnParamsChanged(string field)
    {
        if (_selected is null || _diagram is null)
        {
            return;
        }
        var removed = DesignerMapper.SyncPorts(_selected, Registry);
        if (removed.Count > 0)
        {
            _diagram.Links.Remove(removed);
        }
        _selected.Refresh();
        _selected.RefreshAll();
        ScheduleCheck();
    }

    private async Task<IReadOnlyList<string>> LoadModelsAsync(Guid providerId) =>
        (await ProviderService.ModelsAsync(Access!, providerId, PageToken)).Select(m => m.Name).ToList();

    // ---- Connections (keyboard/inspector alternative to dragging between ports) ------------------------------------

    private IEnumerable<(TypedPortModel Port, List<(BaseLinkModel Link, PipelineNodeModel Target)> Links)> Connections(PipelineNodeModel node) =>
        node.OutputPorts.OrderBy(p => p.Order).Select(port => (port, port.Links
            .Select(l => (Link: l, Edge: DesignerMapper.ToEdge(l)))
            .Where(x => x.Edge is not null && x.Edge.Source == node.NodeId && x.Edge.SourcePort == port.PortName)
            .Select(x => (x.Link, FindNode(x.Edge!.Target)!)).ToList()));

    private IEnumerable<PipelineNodeModel> ConnectableTargets(TypedPortModel output) =>
        _diagram?.Nodes.OfType<PipelineNodeModel>().Where(n => n.InputPort is { } input && TypedPortModel.CanConnect(output, input)) ?? [];

    private void Connect(TypedPortModel output, string? targetId)
    {
        if (ReadOnly || targetId is null || FindNode(targetId)?.InputPort is not { } input || !TypedPortModel.CanConnect(output, input))
        {
            return;
        }
        _diagram!.Links.Add(new LinkModel(output, input));
    }

    private void Disconnect(BaseLinkModel link)
    {
        if (!ReadOnly)
        {
            _diagram?.Links.Remove(link);
        }
    }

    /// <summary>Deletes every selected node except Start and End, with their links (one undo step).</summary>
    private void DeleteSelection()
    {
        if (ReadOnly || _diagram is null)
        {
            return;
        }
        var doomed = _diagram.Nodes.OfType<PipelineNodeModel>().Where(n => n.Selected && DesignerMapper.CanDelete(n)).ToList();
        if (doomed.Count == 0)
        {
            return;
        }
        _diagram.Batch(() =>
        {
            _diagram.Links.Remove(doomed.SelectMany(n => n.PortLinks.Concat(n.Links)).Distinct().ToList());
            _diagram.Nodes.Remove(doomed);
        });
        _selected = null;
        _selection = _diagram.Nodes.OfType<PipelineNodeModel>().Where(n => n.Selected).ToList();
    }

    private void DeleteSelected()
    {
        if (ReadOnly || _selected is null || !DesignerMapper.CanDelete(_selected))
        {
            return;
        }
        _diagram!.Links.Remove(_selected.PortLinks.Concat(_selected.Links).Distinct().ToList());
        _diagram.Nodes.Remove(_selected);
        _selected = null;
    }

    // ---- Palette drag and drop --------------------------------------------------------------------------------------

    private void OnPaletteDragStart(string typeKey) => _dragType = typeKey;

    private void OnCanvasDrop(DragEventArgs e)
    {
        if (_dragType is null || _diagram?.Container is null)
        {
            return;
        }
        var point = _diagram.GetRelativeMousePoint(e.ClientX, e.ClientY);
        AddNodeAt(_dragType, point);
        _dragType = null;
    }

    // ---- Tabs (save before the preview runs) -----------------------------------------------------------------------

    private async Task OnTabChanged(int index)
    {
        _tab = index;
        if (index == 1 && _saveState != SaveState.Saved)
        {
            await SaveAsync();
        }
    }

    // ---- Import / export -------------------------------------------------------------------------------------------

    private void OpenExport()
    {
        var (graph, layout) = DesignerMapper.ToGraph(_diagram!);
        _exportJson = ExportJson(graph, layout);
        _exportOpen = true;
    }

    public static string ExportJson(PipelineGraph graph, IReadOnlyDictionary<string, NodePosition> layout) =>
        new JsonObject
        {
            ["pipeline"] = JsonNode.Parse(graph.ToJson()),
            ["layout"] = JsonSerializer.SerializeToNode(layout, PipelineGraph.JsonOptions),
        }.ToJsonString(new JsonSerializerOptions { WriteIndented = true });

    private string ExportHref => "data:application/json;charset=utf-8," + Uri.EscapeDataString(_exportJson);

    private string ExportFileName => $"{(_details?.Name ?? "pipeline").Replace(' ', '-').ToLowerInvariant()}-pipeline.json";

    private void OpenImport()
    {
        _importText = "";
        _importError = null;
        _importOpen = true;
    }

    /// <summary>Reads <c>{ "pipeline": …, "layout": … }</c> (as exported) or a bare pipeline graph.</summary>
    public static (PipelineGraph Graph, Dictionary<string, NodePosition>? Layout) ParseImport(string text)
    {
        var root = JsonNode.Parse(text) ?? throw new JsonException("The JSON is empty.");
        if (root is JsonObject obj && obj.TryGetPropertyValue("pipeline", out var pipeline) && pipeline is not null)
        {
            var layout = obj["layout"] is { } l ? l.Deserialize<Dictionary<string, NodePosition>>(PipelineGraph.JsonOptions) : null;
            return (PipelineGraph.FromJson(pipeline.ToJsonString()), layout);
        }
        return (PipelineGraph.FromJson(text), null);
    }

    private void Import() => ImportText(_importText);

    /// <summary>An exported file, streamed in chunks (not one hub message), size-checked before it is read.</summary>
    private async Task ImportFileAsync(InputFileChangeEventArgs e)
    {
        _importError = null;
        if (ReadOnly)
        {
            return;
        }
        if (e.File.Size > StudioLimits.MaxPipelineFileBytes)
        {
            _importError = $"{e.File.Name} is {e.File.Size / (1024.0 * 1024):0.#} MB; a pipeline file may be at most {StudioLimits.MaxPipelineFileBytes / (1024 * 1024)} MB.";
            return;
        }
        string text;
        try
        {
            await using var stream = e.File.OpenReadStream(StudioLimits.MaxPipelineFileBytes, PageToken);
            using var reader = new StreamReader(stream);
            text = await reader.ReadToEndAsync(PageToken);
        }
        catch (IOException ex)
        {
            _importError = $"{e.File.Name} could not be read: {ex.Message}";
            return;
        }
        ImportText(text);
    }

    private void ImportText(string text)
    {
        if (ReadOnly)
        {
            return;
        }
        try
        {
            var (graph, layout) = ParseImport(text);
            var full = AutoLayout.Compute(graph);
            foreach (var (id, position) in layout ?? [])
            {
                full[id] = position;
            }
            _selected = null;
            Show(new Snapshot(graph, full));
            _importOpen = false;
            CheckNow();
            var problems = new GraphValidator(Registry).Validate(graph);
            Snackbar.Add(problems.Count == 0 ? "Pipeline imported." : $"Pipeline imported with {problems.Count} problem(s); see Problems.",
                problems.Count == 0 ? Severity.Success : Severity.Warning);
        }
        catch (JsonException ex)
        {
            _importError = ex.Message;
        }
    }

    // ---- Helpers ---------------------------------------------------------------------------------------------------

    private static string NewId(string typeKey) => $"{SnakeName(typeKey)}-{Guid.NewGuid():N}"[..Math.Min(48, SnakeName(typeKey).Length + 9)];

    private static string SnakeName(string label)
    {
        var chars = label.ToLowerInvariant().Select(c => char.IsLetterOrDigit(c) ? c : '_').ToArray();
        var text = string.Join('_', new string(chars).Split('_', StringSplitOptions.RemoveEmptyEntries));
        return text.Length == 0 ? "node" : text;
    }

    private string UniqueName(string baseName)
    {
        var names = _diagram!.Nodes.OfType<PipelineNodeModel>().Select(n => n.Name).ToHashSet(StringComparer.Ordinal);
        if (!names.Contains(baseName))
        {
            return baseName;
        }
        for (var i = 2; ; i++)
        {
            if (!names.Contains($"{baseName}_{i}"))
            {
                return $"{baseName}_{i}";
            }
        }
    }

    private static Point Snap(Point p) =>
        new(Math.Round(p.X / DesignerMapper.GridSize) * DesignerMapper.GridSize, Math.Round(p.Y / DesignerMapper.GridSize) * DesignerMapper.GridSize);

    /// <summary>The first grid cell (left to right, top to bottom) that no node's box overlaps.</summary>
    private Point FreePosition()
    {
        const double w = 240, h = 140;
        var boxes = _diagram!.Nodes.Select(n => new Rectangle(n.Position.X, n.Position.Y,
            n.Position.X + Math.Max(n.Size?.Width ?? 200, 200), n.Position.Y + Math.Max(n.Size?.Height ?? 100, 100))).ToList();
        for (var row = 0; row < 50; row++)
        {
            for (var col = 0; col < 8; col++)
            {
                var candidate = new Rectangle(80 + col * w, 60 + row * h, 80 + col * w + 200, 60 + row * h + 100);
                if (!boxes.Any(b => b.Intersects(candidate)))
                {
                    return new Point(candidate.Left, candidate.Top);
                }
            }
        }
        return new Point(80, 60 + 50 * h);
    }

    private static bool IsStartOrEnd(PipelineNodeModel node) => node.TypeKey is StartNode.TypeKey or EndNode.TypeKey;
}
