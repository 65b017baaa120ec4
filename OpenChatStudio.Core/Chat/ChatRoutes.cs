using System.Collections.Concurrent;
using Microsoft.EntityFrameworkCore;
using OpenChatStudio.Core.Data;
using OpenChatStudio.Core.ScaleOut;
using OpenChatStudio.Core.Versions;

namespace OpenChatStudio.Core.Chat;

/// <summary>
/// What never changes about a session once it exists: its team, chatbot, version choice, participant, platform, and how the
/// chat API admits callers to it (<see cref="ChatApiProof"/>; null for sessions the chat API did not start).
/// </summary>
public sealed record SessionRoute(Guid Id, Guid TeamId, Guid ChatbotId, Guid ParticipantId, string ParticipantIdentifier,
    string Platform, ChatApiProof? ApiProof, VersionChoice Version);

/// <summary>
/// The rules of a chatbot version that public surfaces enforce on every request, with what they show of it (its name and
/// number). <see cref="Unavailable"/>: why that version cannot be served (e.g. nothing published yet); then the rest is the
/// working version's.
/// </summary>
public sealed record ChatbotGate(string ParticipantAllowlistJson, bool FileUploadsEnabled, string Name = "", int? VersionNumber = null,
    string? Unavailable = null);

/// <summary>A live (not archived) chatbot found by its public id.</summary>
public sealed record ChatbotRoute(Guid TeamId, Guid ChatbotId, Guid PublicId);

/// <summary>
/// The resolve step of the message pipeline (docs/architecture.md): answers "which team, chatbot, version and participant
/// does this session or public id mean, and what does that version allow" from memory, so a warm request costs no query.
/// Session routes never change; chatbot facts are forgotten on every saved change to the chatbot, its versions or its
/// channels (<see cref="ChangeNotices"/>, across instances through Redis), and after <see cref="Lifetime"/> at the latest
/// in case a notice was lost. A session's end is a notice too; that a session is still active is trusted for
/// <see cref="ActiveLifetime"/>.
/// </summary>
public sealed class ChatRoutes
{
    /// <summary>The longest a chatbot fact is trusted without a change notice.</summary>
    public static readonly TimeSpan Lifetime = TimeSpan.FromMinutes(5);

    /// <summary>The longest "this session is still active" is trusted without a query (sessions only ever go from active to ended).</summary>
    public static readonly TimeSpan ActiveLifetime = TimeSpan.FromMinutes(1);

    private const int MaxEntries = 50_000;

    private readonly IDbContextFactory<AppDbContext> _dbFactory;
    private readonly TimeProvider _clock;
    private readonly ConcurrentDictionary<Guid, SessionRoute> _sessions = new();
    private readonly ConcurrentDictionary<(Guid ChatbotId, VersionSelection Selection, int Number), (ChatbotGate Gate, DateTime Until)> _gates = new();
    private readonly ConcurrentDictionary<Guid, (ChatbotRoute Route, DateTime Until)> _publicIds = new();
    private readonly ConcurrentDictionary<(Guid TeamId, string Platform, string Identifier), Guid> _participants = new();
    private readonly ConcurrentDictionary<Guid, DateTime> _activeUntil = new();
    private readonly ConcurrentDictionary<Guid, bool> _ended = new();
    /// <summary>Counts change notices: a fact loaded while one arrived is returned but not remembered.</summary>
    private long _changes;

    public ChatRoutes(IDbContextFactory<AppDbContext> dbFactory, ChangeNotices notices, TimeProvider clock)
    {
        _dbFactory = dbFactory;
        _clock = clock;
        notices.OnChatbotChanged(Forget);
        notices.OnSessionEnded(id =>
        {
            _ended[id] = true;
            _activeUntil.TryRemove(id, out _);
        });
    }

    /// <summary>The session with this id in any team, or null.</summary>
    public async Task<SessionRoute?> SessionAsync(Guid sessionId, CancellationToken ct)
    {
        if (_sessions.TryGetValue(sessionId, out var hit))
        {
            return hit;
        }
        await using var db = await _dbFactory.CreateDbContextAsync(ct);
        var route = await db.ChatSessions.IgnoreQueryFilters().AsNoTracking().Where(s => s.Id == sessionId)
            .Select(s => new
            {
                s.Id, s.TeamId, s.ChatbotId, s.ParticipantId, s.Platform, s.ApiProof, s.VersionSelection, s.PinnedVersionNumber,
                Identifier = db.Participants.IgnoreQueryFilters().Where(p => p.Id == s.ParticipantId).Select(p => p.Identifier).FirstOrDefault(),
            })
            .FirstOrDefaultAsync(ct);
        if (route is null)
        {
            return null;   // not remembered: the id may belong to a session being created on another instance
        }
        return Remember(new SessionRoute(route.Id, route.TeamId, route.ChatbotId, route.ParticipantId, route.Identifier ?? "",
            route.Platform, route.ApiProof, new VersionChoice(route.VersionSelection, route.PinnedVersionNumber)));
    }

    /// <summary>Remembers a session just started, so its first request costs nothing.</summary>
    public SessionRoute Remember(SessionRoute route)
    {
        if (_sessions.Count >= MaxEntries)
        {
            _sessions.Clear();
        }
        _sessions[route.Id] = route;
        return route;
    }

    /// <summary>
    /// The id of a participant seen before (participants are never deleted or re-keyed; if that changes, forget them here).
    /// </summary>
    public bool TryGetParticipant(Guid teamId, string platform, string identifier, out Guid participantId) =>
        _participants.TryGetValue((teamId, platform, identifier), out participantId);

    public void RememberParticipant(Guid teamId, string platform, string identifier, Guid participantId)
    {
        if (_participants.Count >= MaxEntries)
        {
            _participants.Clear();
        }
        _participants[(teamId, platform, identifier)] = participantId;
    }

    /// <summary>The allowlist and upload setting of the version <paramref name="session"/> talks to; null when that version is gone.</summary>
    public Task<ChatbotGate?> GateAsync(SessionRoute session, CancellationToken ct) =>
        GateAsync(session.TeamId, session.ChatbotId, session.Version, ct);

    /// <summary>The rules and name of <paramref name="version"/> of a chatbot of <paramref name="teamId"/>; null when the chatbot is gone.</summary>
    public async Task<ChatbotGate?> GateAsync(Guid teamId, Guid chatbotId, VersionChoice version, CancellationToken ct)
    {
        var key = (chatbotId, version.Selection, version.Number ?? 0);
        var now = _clock.GetUtcNow().UtcDateTime;
        if (_gates.TryGetValue(key, out var hit) && hit.Until > now)
        {
            return hit.Gate;
        }
        var changes = Interlocked.Read(ref _changes);
        ChatbotGate? gate;
        await using (var db = await _dbFactory.CreateForTeamAsync(teamId, ct))
        {
            var chatbot = await db.Chatbots.AsNoTracking().FirstOrDefaultAsync(c => c.Id == chatbotId, ct);
            if (chatbot is null)
            {
                return null;
            }
            var snapshot = await VersionService.ResolveAsync(db, chatbot, version, ct);
            gate = snapshot.Value is { } resolved
                ? new ChatbotGate(resolved.ParticipantAllowlistJson, resolved.FileUploadsEnabled, resolved.Name, resolved.VersionNumber)
                : new ChatbotGate(chatbot.ParticipantAllowlistJson, chatbot.FileUploadsEnabled, chatbot.Name, null, snapshot.Error);
        }
        if (Interlocked.Read(ref _changes) == changes)   // no change arrived while it loaded
        {
            if (_gates.Count >= MaxEntries)
            {
                _gates.Clear();
            }
            _gates[key] = (gate, now + Lifetime);
        }
        return gate;
    }

    /// <summary>The live chatbot with this public id in any team, or null (unknown or archived).</summary>
    public async Task<ChatbotRoute?> ChatbotAsync(Guid publicId, CancellationToken ct)
    {
        var now = _clock.GetUtcNow().UtcDateTime;
        if (_publicIds.TryGetValue(publicId, out var hit) && hit.Until > now)
        {
            return hit.Route;
        }
        var changes = Interlocked.Read(ref _changes);
        ChatbotRoute? route;
        await using (var db = await _dbFactory.CreateDbContextAsync(ct))
        {
            route = await db.Chatbots.IgnoreQueryFilters().AsNoTracking().Where(c => c.PublicId == publicId && !c.IsArchived)
                .Select(c => new ChatbotRoute(c.TeamId, c.Id, c.PublicId)).FirstOrDefaultAsync(ct);
        }
        if (route is null)
        {
            return null;
        }
        if (Interlocked.Read(ref _changes) == changes)   // no change arrived while it loaded
        {
            if (_publicIds.Count >= MaxEntries)
            {
                _publicIds.Clear();
            }
            _publicIds[publicId] = (route, now + Lifetime);
        }
        return route;
    }

    /// <summary>
    /// Whether the session has ended: from memory when this process knows it ended (a notice) or saw it active within
    /// <see cref="ActiveLifetime"/>, otherwise one query.
    /// </summary>
    public async Task<bool> IsEndedAsync(SessionRoute session, CancellationToken ct)
    {
        var now = _clock.GetUtcNow().UtcDateTime;
        if (_ended.ContainsKey(session.Id))
        {
            return true;
        }
        if (_activeUntil.TryGetValue(session.Id, out var until) && until > now)
        {
            return false;
        }
        SessionStatus? status;
        await using (var db = await _dbFactory.CreateForTeamAsync(session.TeamId, ct))
        {
            status = await db.ChatSessions.Where(s => s.Id == session.Id).Select(s => (SessionStatus?)s.Status).FirstOrDefaultAsync(ct);
        }
        if (status is not { } known || ChatSession.IsEndedStatus(known))
        {
            if (_ended.Count >= MaxEntries)
            {
                _ended.Clear();
            }
            _ended[session.Id] = true;
            return true;
        }
        if (!_ended.ContainsKey(session.Id))   // an end notice may have arrived while it loaded
        {
            if (_activeUntil.Count >= MaxEntries)
            {
                _activeUntil.Clear();
            }
            _activeUntil[session.Id] = now + ActiveLifetime;
        }
        return _ended.ContainsKey(session.Id);
    }

    private void Forget(Guid chatbotId)
    {
        Interlocked.Increment(ref _changes);
        foreach (var key in _gates.Keys.Where(k => k.ChatbotId == chatbotId))
        {
            _gates.TryRemove(key, out _);
        }
        foreach (var (publicId, entry) in _publicIds)
        {
            if (entry.Route.ChatbotId == chatbotId)
            {
                _publicIds.TryRemove(publicId, out _);
            }
        }
    }
}
