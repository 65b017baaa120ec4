using System.Text;
using System.Text.Json.Nodes;
using Microsoft.AspNetCore.Components;
using Microsoft.AspNetCore.Components.Authorization;
using Microsoft.AspNetCore.Components.Forms;
using Microsoft.AspNetCore.Components.Web;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.JSInterop;
using OpenChatStudio.Core.Chat;
using OpenChatStudio.Core.Pipelines.Execution;
using OpenChatStudio.Core.Pipelines.Tools;
using OpenChatStudio.Core.Teams;
using OpenChatStudio.Core.Versions;
using OpenChatStudio.Web.Teams;

namespace OpenChatStudio.Web.Components.Chatbots.Preview;

/// <summary>
/// The tester's chat beside the designer: a client of <see cref="ChatRuntime"/> like every other surface, with streamed
/// replies, each reply's node trace, and a playground for participant data and session state.
/// </summary>
public sealed partial class ChatPreview : ComponentBase, IDisposable
{
    public const string Platform = OpenChatStudio.Core.Participants.ParticipantPlatforms.Preview;

    private readonly CancellationTokenSource _cts = new();
    private readonly List<PreviewMessage> _messages = [];
    private Guid? _sessionId;
    private Guid _participantId;
    private string _draft = "";
    private bool _busy;
    private bool _sessionEnded;
    private string? _streaming;
    private StringBuilder? _stream;
    private long _lastRender;
    private bool _showTools;
    private string _participantJson = "{}";
    private string _participantLoadedJson = "{}";
    private string _sessionJson = "{}";
    private string? _toolsError;
    private IReadOnlyList<ReminderInfo> _reminders = [];
    private const string WorkingKey = "working";
    private string _versionKey = WorkingKey;
    private IReadOnlyList<VersionSummary> _versions = [];
    private string? _startError;
    private readonly List<AttachmentInfo> _attachments = [];
    private string? _attachError;
    private bool _uploading;
    private MudBlazor.MudFileUpload<IReadOnlyList<IBrowserFile>>? _upload;

    [Parameter, EditorRequired] public TeamAccess Access { get; set; } = default!;

    [Parameter, EditorRequired] public Guid ChatbotId { get; set; }

    /// <summary>Raised when the tester clicks a node in a trace, so the designer can highlight it.</summary>
    [Parameter] public EventCallback<string> OnNodeSelected { get; set; }

    /// <summary>The chatbot's "file uploads" setting: when on, the tester can attach files as participants can.</summary>
    [Parameter] public bool FileUploadsEnabled { get; set; }

    /// <summary>Called before each message so the designer can save pending edits first.</summary>
    [Parameter] public Func<Task>? BeforeSend { get; set; }

    [CascadingParameter] private Task<AuthenticationState> AuthState { get; set; } = default!;

    [Inject] private ChatRuntime Runtime { get; set; } = default!;

    [Inject] private SessionPlaygroundService Playground { get; set; } = default!;

    [Inject] private VersionService Versions { get; set; } = default!;

    [Inject] private IJSRuntime JS { get; set; } = default!;

    /// <summary>Where this browser remembers the tester's open preview session of a chatbot (survives a reload).</summary>
    public static string SessionKey(Guid chatbotId) => $"ocs-preview-session:{chatbotId}";

    /// <summary>The working version, or the numbered version picked in the selector.</summary>
    private VersionChoice SelectedVersion => int.TryParse(_versionKey, out var n) ? VersionChoice.Specific(n) : VersionChoice.Working;

    [Inject] private IServiceProvider Services { get; set; } = default!;

    private IDisposable? _live;

    protected override async Task OnAfterRenderAsync(bool firstRender)
    {
        // Starting a session is a side effect: only once, only on the live circuit (never during prerender).
        if (firstRender && RendererInfo.IsInteractive)
        {
            _versions = (await Versions.ListAsync(Access, ChatbotId, _cts.Token)).Where(v => !v.IsArchived).ToList();
            if (!await ResumeSessionAsync())
            {
                await StartSessionAsync();
            }
            StateHasChanged();
        }
    }

    private async Task<Guid> PreviewParticipantAsync()
    {
        var user = (await AuthState).User;
        var userId = user.GetUserId() ?? Guid.Empty;
        var participant = await Runtime.GetOrCreateParticipantAsync(Access.TeamId, Platform, $"user:{userId}", user.Identity?.Name, userId, _cts.Token);
        return _participantId = participant.Id;
    }

    /// <summary>
    /// After a reload, picks up the preview session this browser had open for the chatbot, with its messages and traces,
    /// if it still runs and is the tester's own; otherwise (or when the browser remembers none) returns false.
    /// </summary>
    private async Task<bool> ResumeSessionAsync()
    {
        string? remembered;
        try
        {
            remembered = await JS.InvokeAsync<string?>("localStorage.getItem", _cts.Token, SessionKey(ChatbotId));
        }
        catch (JSException)
        {
            return false; // storage unavailable (private mode, blocked): start fresh
        }
        if (!Guid.TryParse(remembered, out var sessionId))
        {
            return false;
        }
        var participantId = await PreviewParticipantAsync();
        var resumed = await Playground.FindResumablePreviewAsync(Access, sessionId, ChatbotId, participantId, _cts.Token);
        if (resumed is null)
        {
            return false;
        }
        if (resumed.Version.Selection == VersionSelection.Specific)
        {
            if (!_versions.Any(v => v.Number == resumed.Version.Number))
            {
                return false; // that version was archived since
            }
            _versionKey = resumed.Version.Number!.Value.ToString(System.Globalization.CultureInfo.InvariantCulture);
        }
        else if (resumed.Version.Selection != VersionSelection.Working)
        {
            return false;
        }
        _messages.Clear();
        foreach (var m in resumed.Messages)
        {
            _messages.Add(new PreviewMessage(m.Role, m.Content) { Trace = m.Trace.Count > 0 ? m.Trace : null, Attachments = m.Attachments });
        }
        _sessionId = resumed.SessionId;
        WatchLiveMessages(resumed.SessionId);
        return true;
    }

    /// <summary>Remembers the open session in this browser so a reload continues it.</summary>
    private async Task RememberSessionAsync()
    {
        if (_sessionId is not { } id)
        {
            return;
        }
        try
        {
            await JS.InvokeVoidAsync("localStorage.setItem", _cts.Token, SessionKey(ChatbotId), id.ToString());
        }
        catch (Exception ex) when (ex is JSException or JSDisconnectedException or TaskCanceledException)
        {
            // Not remembered: a reload starts a new session, which is what happened before this feature.
        }
    }

    private async Task StartSessionAsync()
    {
        var participantId = await PreviewParticipantAsync();
        _messages.Clear();
        _sessionEnded = false;
        _startError = null;
        _busy = true;
        try
        {
            SessionStart started;
            try
            {
                started = await Runtime.StartSessionAsync(Access.TeamId, ChatbotId, participantId, Platform, OnTokenAsync, _cts.Token, SelectedVersion);
            }
            catch (ChatbotUnavailableException ex)
            {
                _sessionId = null;
                _startError = ex.Message;
                return;
            }
            _sessionId = started.SessionId;
            WatchLiveMessages(started.SessionId);
            await RememberSessionAsync();
            if (started.Seed is { } seed)
            {
                AddTurn(seed);
            }
        }
        finally
        {
            EndStream();
            _busy = false;
        }
    }

    private async Task SendAsync()
    {
        var text = _draft.Trim();
        if (text.Length == 0 || _sessionId is null || _busy)
        {
            return;
        }
        _draft = "";
        var attachments = _attachments.ToList();
        _attachments.Clear();
        _attachError = null;
        _messages.Add(new PreviewMessage(MessageRole.Human, text) { Attachments = attachments.Select(a => a.Name).ToList() });
        _busy = true;
        try
        {
            if (BeforeSend is not null)
            {
                await BeforeSend();
            }
            // With files, the runtime links the uploaded files to the stored human message. The preview has no inbox row, so
            // it must not pose as an inbound message (with Redis scale-out the runtime checks the inbox and finds nothing).
            var turn = attachments.Count == 0
                ? await Runtime.SendAsync(Access.TeamId, _sessionId.Value, text, OnTokenAsync, _cts.Token)
                : await Runtime.SendWithAttachmentsAsync(Access.TeamId, _sessionId.Value, text, attachments.Select(a => a.Id).ToList(),
                    OnTokenAsync, _cts.Token);
            if (turn.NewSessionId is { } next)
            {
                _sessionId = next;
                WatchLiveMessages(next);
                await RememberSessionAsync();
                _messages.Clear();
                _messages.Add(new PreviewMessage(MessageRole.System, "Session restarted (/reset)."));
            }
            AddTurn(turn);
        }
        finally
        {
            EndStream();
            _busy = false;
        }
        await RefreshToolsAsync();
    }

    /// <summary>
    /// Stores picked files in the session's attachment store (the same checks and storage as the chat API's upload/);
    /// they go with the next message.
    /// </summary>
    private async Task OnFilesPickedAsync(IReadOnlyList<IBrowserFile>? files)
    {
        _attachError = null;
        if (!FileUploadsEnabled || files is null || files.Count == 0 || _sessionId is null)
        {
            return;
        }
        var problem = ChatAttachmentStore.Validate(files.Select(f => (f.Name, f.ContentType ?? "", f.Size))
            .Concat(_attachments.Select(a => (a.Name, a.ContentType, a.Size))).ToList());
        if (problem is not null)
        {
            _attachError = problem;
            return;
        }
        _uploading = true;
        try
        {
            var uploads = new List<UploadedFile>();
            foreach (var file in files)
            {
                await using var stream = file.OpenReadStream(ChatAttachmentStore.MaxFileBytes, _cts.Token);
                using var buffer = new MemoryStream((int)file.Size);
                await stream.CopyToAsync(buffer, _cts.Token);
                uploads.Add(new UploadedFile(file.Name, file.ContentType ?? "", buffer.ToArray()));
            }
            var saved = await Services.GetRequiredService<ChatAttachmentStore>().SaveAsync(Access.TeamId, _sessionId.Value, uploads, _cts.Token);
            if (saved.Succeeded)
            {
                _attachments.AddRange(saved.Value!);
            }
            else
            {
                _attachError = saved.Error;
            }
        }
        catch (IOException ex)
        {
            _attachError = $"The file could not be read: {ex.Message}";
        }
        finally
        {
            _uploading = false;
            if (_upload is not null)
            {
                await _upload.ClearAsync(); // the picked files now live in the list above; the same file can be picked again
            }
        }
    }

    /// <summary>Takes a file off the next message (it stays unsent and is purged later, as on the chat API).</summary>
    private void RemoveAttachment(AttachmentInfo attachment) => _attachments.Remove(attachment);

    private async Task RetryAsync()
    {
        if (_sessionId is null)
        {
            return;
        }
        _busy = true;
        try
        {
            _messages.RemoveAll(m => m.Error is not null);
            AddTurn(await Runtime.RetryAsync(Access.TeamId, _sessionId.Value, OnTokenAsync, _cts.Token));
        }
        finally
        {
            EndStream();
            _busy = false;
        }
    }

    /// <summary>Switching version starts a fresh session on it; the old session stays in the transcripts.</summary>
    private async Task OnVersionChangedAsync(string key)
    {
        if (key == _versionKey || _busy)
        {
            return;
        }
        _versionKey = key;
        await StartSessionAsync();
    }

    private Task RestartAsync() => _sessionId is null ? Task.CompletedTask : SendResetAsync();

    private async Task SendResetAsync()
    {
        _draft = ChatRuntime.ResetCommand;
        await SendAsync();
    }

    private void AddTurn(ChatTurn turn)
    {
        _sessionEnded = turn.SessionEnded && turn.NewSessionId is null;
        if (turn.Reply is { } reply)
        {
            _messages.Add(new PreviewMessage(MessageRole.Ai, reply.Content) { Trace = reply.Trace });
        }
        else if (turn.Problem is { } problem)
        {
            // A turn that did nothing is an error too: the tester must not be left with a message that silently vanished.
            _messages.Add(new PreviewMessage(MessageRole.Ai, "") { Error = problem });
        }
    }

    /// <summary>Tokens arrive on the runtime's thread: buffer them and re-render at most every 50 ms.</summary>
    private ValueTask OnTokenAsync(string delta)
    {
        lock (_messages)
        {
            (_stream ??= new StringBuilder()).Append(delta);
        }
        var now = Environment.TickCount64;
        if (now - Interlocked.Read(ref _lastRender) < 50)
        {
            return ValueTask.CompletedTask;
        }
        Interlocked.Exchange(ref _lastRender, now);
        return new ValueTask(InvokeAsync(() =>
        {
            lock (_messages)
            {
                _streaming = _stream?.ToString();
            }
            StateHasChanged();
        }));
    }

    private void EndStream()
    {
        lock (_messages)
        {
            _stream = null;
            _streaming = null;
        }
    }

    private async Task OnKeyDownAsync(KeyboardEventArgs e)
    {
        if (e is { Key: "Enter", ShiftKey: false })
        {
            await SendAsync();
        }
    }

    private async Task ToggleToolsAsync()
    {
        _showTools = !_showTools;
        await RefreshToolsAsync();
    }

    private async Task RefreshToolsAsync()
    {
        if (!_showTools || _sessionId is null)
        {
            return;
        }
        _participantJson = _participantLoadedJson = (await Playground.GetParticipantDataAsync(Access, _participantId, ChatbotId, _cts.Token)).ToJsonString(Indented);
        _sessionJson = (await Playground.GetSessionStateAsync(Access, _sessionId.Value, _cts.Token)).ToJsonString(Indented);
        _reminders = await Playground.ListRemindersAsync(Access, ChatbotId, _participantId, _cts.Token);
    }

    private async Task ApplyToolsAsync()
    {
        _toolsError = null;
        // Only the keys the tester edited are written: a turn that stored data since the tools were loaded keeps its keys.
        var data = await Playground.SetParticipantDataAsync(Access, _participantId, ChatbotId, _participantJson, _cts.Token, _participantLoadedJson);
        if (!data.Succeeded)
        {
            _toolsError = "Participant data: " + data.Error;
            return;
        }
        var state = await Playground.SetSessionStateAsync(Access, _sessionId!.Value, _sessionJson, _cts.Token);
        if (!state.Succeeded)
        {
            _toolsError = "Session state: " + state.Error;
            return;
        }
        await RefreshToolsAsync();
    }

    private static readonly System.Text.Json.JsonSerializerOptions Indented = new() { WriteIndented = true };

    /// <summary>Scheduled and event-sent messages of the session appear live (they arrive on the scheduler's thread).</summary>
    private void WatchLiveMessages(Guid sessionId)
    {
        _live?.Dispose();
        _live = Services.GetService(typeof(OpenChatStudio.Core.Events.LiveMessageNotifier)) is not OpenChatStudio.Core.Events.LiveMessageNotifier live ? null : live.Subscribe(sessionId, message => InvokeAsync(() =>
        {
            _messages.Add(new PreviewMessage(MessageRole.Ai, message.Content));
            StateHasChanged();
        }));
    }

    public void Dispose()
    {
        _live?.Dispose();
        _cts.Cancel();   // not disposed: work still running after this reads a cancelled token, not a disposed source
    }

    private sealed class PreviewMessage(MessageRole role, string content)
    {
        public MessageRole Role { get; } = role;

        public string Content { get; } = content;

        public string? Error { get; init; }

        public IReadOnlyList<NodeTrace>? Trace { get; init; }

        public IReadOnlyList<string> Attachments { get; init; } = [];

        public bool ShowTrace { get; set; }
    }
}
