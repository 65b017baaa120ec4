using System.Text.Json;
using System.Text.Json.Nodes;
using Microsoft.EntityFrameworkCore;
using OpenChatStudio.Core.Data;
using OpenChatStudio.Core.Versions;

namespace OpenChatStudio.Core.Chat;

/// <summary>One page of a list: the items and whether more follow.</summary>
public sealed record ApiPage<T>(IReadOnlyList<T> Items, bool HasMore);

/// <summary>A chatbot as the REST API shows it: public id, name, published version number and its versions.</summary>
public sealed record ApiChatbot(Guid PublicId, string Name, int? PublishedVersionNumber, IReadOnlyList<ApiChatbotVersion> Versions);

public sealed record ApiChatbotVersion(string Name, int Number, bool IsPublished, string Description);

/// <summary>Filters of the session list; empty lists and nulls filter nothing.</summary>
public sealed record ApiSessionFilter(
    Guid? ChatbotPublicId = null,
    string? ParticipantIdentifier = null,
    IReadOnlyList<string>? Tags = null,
    SessionStatus? Status = null,
    IReadOnlyList<int>? Versions = null,
    string? Platform = null,
    bool OldestFirst = false);

public sealed record ApiSession(
    Guid Id,
    string TeamName,
    string TeamSlug,
    Guid ChatbotPublicId,
    string ChatbotName,
    int? VersionNumber,
    string ParticipantIdentifier,
    string Platform,
    SessionStatus Status,
    DateTime CreatedAt,
    DateTime UpdatedAt,
    DateTime? EndedAt,
    IReadOnlyList<string> Tags,
    JsonObject State);

public sealed record ApiMessage(DateTime CreatedAt, MessageRole Role, string Content, JsonObject Metadata, IReadOnlyList<string> Tags);

public sealed record ApiModelUsage(string Model, long InputTokens, long OutputTokens, decimal Cost);

public sealed record ApiUsage(decimal TotalCost, IReadOnlyList<ApiModelUsage> ByModel);

public sealed record ApiSessionDetail(ApiSession Session, IReadOnlyList<ApiMessage> Messages, ApiUsage Usage);

/// <summary>What a new API session starts with: optional participant, earlier messages and state.</summary>
public sealed record ApiSessionCreate(
    Guid ChatbotPublicId,
    string ParticipantIdentifier,
    IReadOnlyList<(MessageRole Role, string Content)> Messages,
    JsonObject? State);

/// <summary>
/// The queries and small commands behind the REST v1 API (docs/api.md): chatbots with their versions, sessions with
/// filters, a session's transcript and usage, tags and state. Everything is scoped to the caller's team; another team's
/// ids are simply not found (null). Writes to a session run on <see cref="SessionWorkQueue"/> after any message the
/// session is processing, so they never race the pipeline's own writes.
/// </summary>
public sealed class ApiSessionQueries(IDbContextFactory<AppDbContext> dbFactory, ChatRuntime runtime, SessionWorkQueue queue, TimeProvider clock)
{
    /// <summary>Message metadata keys that are internal (not shown by the API).</summary>
    private static readonly HashSet<string> InternalMetadataKeys = ["trace_id", "aborted"];

    public const string ApiPlatform = Participants.ParticipantPlatforms.Api;

    public async Task<ApiPage<ApiChatbot>> ListChatbotsAsync(Guid teamId, int offset, int limit, CancellationToken ct)
    {
        await using var db = await dbFactory.CreateForTeamAsync(teamId, ct);
        var rows = await db.Chatbots.Where(c => !c.IsArchived)
            .OrderBy(c => c.CreatedAt).ThenBy(c => c.Id)
            .Skip(offset).Take(limit + 1)
            .Select(c => new { c.Id, c.PublicId, c.Name })
            .ToListAsync(ct);
        var page = rows.Take(limit).ToList();
        var ids = page.Select(r => r.Id).ToList();
        var versions = await VersionsOfAsync(db, ids, ct);
        return new ApiPage<ApiChatbot>(
            page.Select(r => ToChatbot(r.PublicId, r.Name, versions.GetValueOrDefault(r.Id) ?? [])).ToList(),
            rows.Count > limit);
    }

    public async Task<ApiChatbot?> GetChatbotAsync(Guid teamId, Guid publicId, CancellationToken ct)
    {
        await using var db = await dbFactory.CreateForTeamAsync(teamId, ct);
        var row = await db.Chatbots.Where(c => c.PublicId == publicId && !c.IsArchived)
            .Select(c => new { c.Id, c.PublicId, c.Name }).FirstOrDefaultAsync(ct);
        if (row is null)
        {
            return null;
        }
        var versions = await VersionsOfAsync(db, [row.Id], ct);
        return ToChatbot(row.PublicId, row.Name, versions.GetValueOrDefault(row.Id) ?? []);
    }

    public async Task<ApiPage<ApiSession>> ListSessionsAsync(Guid teamId, ApiSessionFilter filter, int offset, int limit, CancellationToken ct)
    {
        await using var db = await dbFactory.CreateForTeamAsync(teamId, ct);
        var query = db.ChatSessions.AsQueryable();
        if (filter.ChatbotPublicId is { } publicId)
        {
            var chatbotId = await db.Chatbots.Where(c => c.PublicId == publicId).Select(c => (Guid?)c.Id).FirstOrDefaultAsync(ct);
            if (chatbotId is null)
            {
                return new ApiPage<ApiSession>([], false);
            }
            query = query.Where(s => s.ChatbotId == chatbotId);
        }
        if (!string.IsNullOrEmpty(filter.ParticipantIdentifier))
        {
            var participantIds = db.Participants.Where(p => p.Identifier == filter.ParticipantIdentifier).Select(p => p.Id);
            query = query.Where(s => participantIds.Contains(s.ParticipantId));
        }
        if (!string.IsNullOrEmpty(filter.Platform))
        {
            query = query.Where(s => s.Platform == filter.Platform);
        }
        if (filter.Status is { } status)
        {
            query = query.Where(s => s.Status == status);
        }
        if (filter.Tags is { Count: > 0 } tags)
        {
            // Tags are stored as a JSON array of strings; a tag matches as its own JSON string (quotes included).
            var patterns = tags.Select(t => JsonSerializer.Serialize(t)).ToList();
            var predicate = patterns.Skip(1).Aggregate(
                TagPredicate(patterns[0]),
                (acc, p) => Or(acc, TagPredicate(p)));
            query = query.Where(predicate);
        }
        if (filter.Versions is { Count: > 0 } versions)
        {
            var list = versions.ToList();
            query = query.Where(s =>
                (s.PinnedVersionNumber != null && list.Contains(s.PinnedVersionNumber.Value)) ||
                db.ChatMessages.Any(m => m.SessionId == s.Id && m.VersionNumber != null && list.Contains(m.VersionNumber.Value)));
        }
        query = filter.OldestFirst
            ? query.OrderBy(s => s.CreatedAt).ThenBy(s => s.Id)
            : query.OrderByDescending(s => s.CreatedAt).ThenByDescending(s => s.Id);
        var sessions = await query.Skip(offset).Take(limit + 1).ToListAsync(ct);
        var page = sessions.Take(limit).ToList();
        return new ApiPage<ApiSession>(await DescribeAsync(db, teamId, page, ct), sessions.Count > limit);
    }

    public async Task<ApiSession?> GetSessionAsync(Guid teamId, Guid sessionId, CancellationToken ct)
    {
        await using var db = await dbFactory.CreateForTeamAsync(teamId, ct);
        var session = await db.ChatSessions.FirstOrDefaultAsync(s => s.Id == sessionId, ct);
        return session is null ? null : (await DescribeAsync(db, teamId, [session], ct))[0];
    }

    /// <summary>The session with its visible messages (oldest first) and its LLM usage, or null when not in the team.</summary>
    public async Task<ApiSessionDetail?> GetSessionDetailAsync(Guid teamId, Guid sessionId, CancellationToken ct)
    {
        await using var db = await dbFactory.CreateForTeamAsync(teamId, ct);
        var session = await db.ChatSessions.FirstOrDefaultAsync(s => s.Id == sessionId, ct);
        if (session is null)
        {
            return null;
        }
        var described = (await DescribeAsync(db, teamId, [session], ct))[0];
        var messages = await db.ChatMessages.Where(m => m.SessionId == sessionId && !m.Hidden)
            .OrderBy(m => m.Sequence).ToListAsync(ct);
        var usage = await db.UsageRecords.Where(u => u.SessionId == sessionId)
            .Select(u => new { u.Model, u.InputTokens, u.OutputTokens, u.Cost }).ToListAsync(ct);
        var byModel = usage.GroupBy(u => u.Model).OrderBy(g => g.Key, StringComparer.Ordinal)
            .Select(g => new ApiModelUsage(g.Key, g.Sum(u => u.InputTokens), g.Sum(u => u.OutputTokens), g.Sum(u => u.Cost)))
            .ToList();
        return new ApiSessionDetail(described,
            messages.Select(m => new ApiMessage(m.CreatedAt, m.Role, m.Content, PublicMetadata(m.MetadataJson), MessageTags(m.TagsJson))).ToList(),
            new ApiUsage(byModel.Sum(u => u.Cost), byModel));
    }

    /// <summary>
    /// Starts a session on the chatbot's published version (the working version while nothing is published) for the
    /// participant (platform <see cref="ApiPlatform"/>), stores the given messages as its history and sets its state.
    /// Null when the chatbot is not in the team (or archived).
    /// </summary>
    public async Task<ApiSession?> CreateSessionAsync(Guid teamId, ApiSessionCreate request, CancellationToken ct)
    {
        Guid chatbotId;
        await using (var db = await dbFactory.CreateForTeamAsync(teamId, ct))
        {
            var id = await db.Chatbots.Where(c => c.PublicId == request.ChatbotPublicId && !c.IsArchived)
                .Select(c => (Guid?)c.Id).FirstOrDefaultAsync(ct);
            if (id is null)
            {
                return null;
            }
            chatbotId = id.Value;
        }
        var participant = await runtime.GetOrCreateParticipantAsync(teamId, ApiPlatform, request.ParticipantIdentifier, null, null, ct);
        var started = await runtime.StartSessionAsync(teamId, chatbotId, participant.Id, ApiPlatform, onToken: null, ct, VersionChoice.PublishedOrWorking);
        if (request.Messages.Count > 0)
        {
            await runtime.ImportHistoryAsync(teamId, started.SessionId, request.Messages, ct);
        }
        if (request.State is not null)
        {
            await ReplaceStateAsync(teamId, started.SessionId, request.State, ct);
        }
        return await GetSessionAsync(teamId, started.SessionId, ct);
    }

    /// <summary>Replaces the session's state (as OCS's update_state). Null when the session is not in the team.</summary>
    public Task<JsonObject?> ReplaceStateAsync(Guid teamId, Guid sessionId, JsonObject state, CancellationToken ct)
    {
        var json = state.ToJsonString();
        return queue.EnqueueAsync(sessionId, async () =>
        {
            await using var db = await dbFactory.CreateForTeamAsync(teamId, ct);
            var session = await db.ChatSessions.FirstOrDefaultAsync(s => s.Id == sessionId, ct);
            if (session is null)
            {
                return null;
            }
            session.StateJson = json;
            session.LastActivityAt = clock.GetUtcNow().UtcDateTime;
            await db.SaveChangesAsync(ct);
            return JsonNode.Parse(json) as JsonObject;
        });
    }

    /// <summary>Adds tags (kept once each, in order) and returns the session's tags; null when the session is not in the team.</summary>
    public Task<IReadOnlyList<string>?> AddTagsAsync(Guid teamId, Guid sessionId, IReadOnlyList<string> tags, CancellationToken ct) =>
        ChangeTagsAsync(teamId, sessionId, existing => existing.Union(tags, StringComparer.Ordinal).ToList(), ct);

    /// <summary>Removes tags (unknown ones are ignored) and returns the session's tags; null when the session is not in the team.</summary>
    public Task<IReadOnlyList<string>?> RemoveTagsAsync(Guid teamId, Guid sessionId, IReadOnlyList<string> tags, CancellationToken ct) =>
        ChangeTagsAsync(teamId, sessionId, existing => existing.Except(tags, StringComparer.Ordinal).ToList(), ct);

    private Task<IReadOnlyList<string>?> ChangeTagsAsync(Guid teamId, Guid sessionId, Func<List<string>, List<string>> change, CancellationToken ct) =>
        queue.EnqueueAsync<IReadOnlyList<string>?>(sessionId, async () =>
        {
            await using var db = await dbFactory.CreateForTeamAsync(teamId, ct);
            var session = await db.ChatSessions.FirstOrDefaultAsync(s => s.Id == sessionId, ct);
            if (session is null)
            {
                return null;
            }
            var updated = change(SessionTags(session.TagsJson));
            session.TagsJson = JsonSerializer.Serialize(updated);
            await db.SaveChangesAsync(ct);
            return updated;
        });

    private static System.Linq.Expressions.Expression<Func<ChatSession, bool>> TagPredicate(string pattern) =>
        s => s.TagsJson.Contains(pattern);

    private static System.Linq.Expressions.Expression<Func<ChatSession, bool>> Or(
        System.Linq.Expressions.Expression<Func<ChatSession, bool>> left, System.Linq.Expressions.Expression<Func<ChatSession, bool>> right)
    {
        var parameter = left.Parameters[0];
        var rightBody = new ReplaceParameter(right.Parameters[0], parameter).Visit(right.Body);
        return System.Linq.Expressions.Expression.Lambda<Func<ChatSession, bool>>(
            System.Linq.Expressions.Expression.OrElse(left.Body, rightBody), parameter);
    }

    private sealed class ReplaceParameter(System.Linq.Expressions.ParameterExpression from, System.Linq.Expressions.ParameterExpression to)
        : System.Linq.Expressions.ExpressionVisitor
    {
        protected override System.Linq.Expressions.Expression VisitParameter(System.Linq.Expressions.ParameterExpression node) =>
            node == from ? to : base.VisitParameter(node);
    }

    private static async Task<Dictionary<Guid, List<ApiChatbotVersion>>> VersionsOfAsync(AppDbContext db, List<Guid> chatbotIds, CancellationToken ct)
    {
        var versions = await db.ChatbotVersions.Where(v => chatbotIds.Contains(v.ChatbotId) && !v.IsArchived)
            .OrderBy(v => v.Number)
            .Select(v => new { v.ChatbotId, v.Name, v.Number, v.IsPublished, v.Description })
            .ToListAsync(ct);
        return versions.GroupBy(v => v.ChatbotId)
            .ToDictionary(g => g.Key, g => g.Select(v => new ApiChatbotVersion(v.Name, v.Number, v.IsPublished, v.Description)).ToList());
    }

    private static ApiChatbot ToChatbot(Guid publicId, string name, List<ApiChatbotVersion> versions) =>
        new(publicId, name, versions.FirstOrDefault(v => v.IsPublished)?.Number, versions);

    private static async Task<List<ApiSession>> DescribeAsync(AppDbContext db, Guid teamId, List<ChatSession> sessions, CancellationToken ct)
    {
        if (sessions.Count == 0)
        {
            return [];
        }
        var team = await db.Teams.Where(t => t.Id == teamId).Select(t => new { t.Name, t.Slug }).SingleAsync(ct);
        var chatbotIds = sessions.Select(s => s.ChatbotId).Distinct().ToList();
        var participantIds = sessions.Select(s => s.ParticipantId).Distinct().ToList();
        var chatbots = await db.Chatbots.Where(c => chatbotIds.Contains(c.Id))
            .Select(c => new { c.Id, c.PublicId, c.Name }).ToDictionaryAsync(c => c.Id, ct);
        var published = await db.ChatbotVersions.Where(v => chatbotIds.Contains(v.ChatbotId) && v.IsPublished)
            .Select(v => new { v.ChatbotId, v.Number }).ToDictionaryAsync(v => v.ChatbotId, v => v.Number, ct);
        var participants = await db.Participants.Where(p => participantIds.Contains(p.Id))
            .Select(p => new { p.Id, p.Identifier }).ToDictionaryAsync(p => p.Id, p => p.Identifier, ct);
        return sessions.Select(s =>
        {
            var chatbot = chatbots[s.ChatbotId];
            int? version = s.VersionSelection switch
            {
                VersionSelection.Specific => s.PinnedVersionNumber,
                VersionSelection.Working => null,
                _ => published.TryGetValue(s.ChatbotId, out var n) ? n : null,
            };
            var updated = new[] { s.CreatedAt, s.LastActivityAt ?? s.CreatedAt, s.EndedAt ?? s.CreatedAt }.Max();
            return new ApiSession(s.Id, team.Name, team.Slug, chatbot.PublicId, chatbot.Name, version,
                participants.GetValueOrDefault(s.ParticipantId) ?? "", s.Platform, s.Status, s.CreatedAt, updated, s.EndedAt,
                SessionTags(s.TagsJson), JsonNode.Parse(s.StateJson) as JsonObject ?? new JsonObject());
        }).ToList();
    }

    private static List<string> SessionTags(string json)
    {
        try
        {
            return JsonSerializer.Deserialize<List<string>>(json) ?? [];
        }
        catch (JsonException)
        {
            return [];
        }
    }

    private static IReadOnlyList<string> MessageTags(string json)
    {
        if (JsonNode.Parse(json) is not JsonArray array)
        {
            return [];
        }
        return array.Select(t => t switch
        {
            JsonObject o => (o["tag"] as JsonValue)?.ToString(),
            JsonValue v => v.ToString(),
            _ => null,
        }).OfType<string>().ToList();
    }

    private static JsonObject PublicMetadata(string json)
    {
        var metadata = JsonNode.Parse(json) as JsonObject ?? new JsonObject();
        foreach (var key in InternalMetadataKeys)
        {
            metadata.Remove(key);
        }
        return metadata;
    }
}

