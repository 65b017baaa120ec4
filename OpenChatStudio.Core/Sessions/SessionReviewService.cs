using System.Text.Json;
using System.Text.Json.Nodes;
using Microsoft.EntityFrameworkCore;
using OpenChatStudio.Core.Chat;
using OpenChatStudio.Core.Common;
using OpenChatStudio.Core.Data;
using OpenChatStudio.Core.Participants;
using OpenChatStudio.Core.Teams;

namespace OpenChatStudio.Core.Sessions;

/// <summary>
/// One session under review: transcript with versions, tags, ratings, traces and comments; participant data and session
/// state; and the reviewer's actions (tags, comments, end session). Reading needs ViewSessions; changing needs EditChatbots.
/// </summary>
public sealed class SessionReviewService(
    IDbContextFactory<AppDbContext> dbFactory,
    ChatRuntime runtime,
    ParticipantDataProtector protector,
    TimeProvider clock)
{
    public const int MaxTagLength = 100;

    public async Task<SessionDetails?> GetAsync(TeamAccess access, Guid sessionId, CancellationToken ct)
    {
        if (!access.Can(TeamPermission.ViewSessions))
        {
            return null;
        }
        await using var db = await dbFactory.CreateForTeamAsync(access.TeamId, ct);
        var s = await db.ChatSessions.AsNoTracking().FirstOrDefaultAsync(x => x.Id == sessionId, ct);
        if (s is null)
        {
            return null;
        }
        var chatbotName = await db.Chatbots.Where(c => c.Id == s.ChatbotId).Select(c => c.Name).FirstOrDefaultAsync(ct) ?? "";
        var participant = await db.Participants.AsNoTracking().FirstOrDefaultAsync(p => p.Id == s.ParticipantId, ct);
        var dataRow = await db.ParticipantData.AsNoTracking().FirstOrDefaultAsync(d => d.ParticipantId == s.ParticipantId && d.ChatbotId == s.ChatbotId, ct);
        var participantData = dataRow is null || dataRow.ProtectedData.Length == 0 ? new JsonObject() : protector.Unprotect(dataRow.ProtectedData);
        var traces = await db.RunTraces.Where(t => t.SessionId == sessionId && t.OutputMessageId != null)
            .Select(t => new { t.Id, t.OutputMessageId }).ToListAsync(ct);
        var traceByMessage = traces.GroupBy(t => t.OutputMessageId!.Value).ToDictionary(g => g.Key, g => g.First().Id);
        var comments = await db.SessionComments.AsNoTracking().Where(c => c.SessionId == sessionId).OrderBy(c => c.CreatedAt)
            .Select(c => new CommentInfo(c.Id, c.MessageId, c.AuthorName, c.Text, c.CreatedAt)).ToListAsync(ct);
        var messages = await db.ChatMessages.AsNoTracking().Where(m => m.SessionId == sessionId).OrderBy(m => m.Sequence).ToListAsync(ct);
        var attachments = (await db.ChatAttachments.AsNoTracking().Where(a => a.SessionId == sessionId && a.MessageId != null).OrderBy(a => a.Id)
            .Select(a => new AttachmentInfo(a.Id, a.SessionId, a.MessageId, a.Name, a.ContentType, a.Size)).ToListAsync(ct))
            .ToLookup(a => a.MessageId!.Value);
        // Messages the chat API accepted but could not answer (a failed run, or one recovery gave up on).
        var unanswered = (await db.InboundMessages.AsNoTracking()
                .Where(i => i.SessionId == sessionId && i.Status == Chat.InboundStatus.Failed && i.HumanMessageId != null)
                .Select(i => new { i.HumanMessageId, i.Error }).ToListAsync(ct))
            .GroupBy(i => i.HumanMessageId!.Value).ToDictionary(g => g.Key, g => g.First().Error ?? Chat.ChatInbox.GenericError);
        // Bot messages of a messaging channel: whether they reached the participant.
        var deliveries = s.ChannelId is null
            ? []
            : (await db.OutboundMessages.AsNoTracking().Where(o => o.SessionId == sessionId)
                .Select(o => new { o.MessageId, o.Status, o.Error, o.Attempts }).ToListAsync(ct))
                .ToDictionary(o => o.MessageId, o => new MessageDelivery(o.Status, o.Error, o.Attempts));
        var review = messages.Select(m => new ReviewMessage(m.Id, m.Sequence, m.Role, m.Content, m.Hidden, m.CreatedAt, m.VersionNumber,
            MessageTags(m.TagsJson), m.Rating, traceByMessage.TryGetValue(m.Id, out var traceId) ? traceId : null,
            comments.Where(c => c.MessageId == m.Id).ToList(), attachments[m.Id].ToList(),
            unanswered.GetValueOrDefault(m.Id) ?? AbandonedReason(m), deliveries.GetValueOrDefault(m.Id))).ToList();
        var row = new SessionRow(s.Id, s.ChatbotId, chatbotName, s.ParticipantId, participant?.Identifier ?? "", participant?.Name, s.Platform,
            s.Status, s.CreatedAt, s.LastActivityAt, messages.Count(m => !m.Hidden), SessionQueryService.ParseTags(s.TagsJson));
        var versionLabel = s.VersionSelection switch
        {
            Versions.VersionSelection.Working => "working version",
            Versions.VersionSelection.Specific => $"pinned to v{s.PinnedVersionNumber}",
            Versions.VersionSelection.PublishedOrWorking => "published (or working while none is published)",
            _ => "published version",
        };
        return new SessionDetails(row, versionLabel, Pretty(s.StateJson), participantData.ToJsonString(Indented), s.EndReason, s.EndedAt, review,
            comments.Where(c => c.MessageId is null).ToList());
    }

    /// <summary>The reason stored on a human message whose turn was abandoned (<see cref="Chat.ChatRuntime.MarkAbandonedTurnsAsync"/>).</summary>
    private static string? AbandonedReason(Chat.ChatMessage m) =>
        m.Role == Chat.MessageRole.Human && m.MetadataJson.Contains(Chat.ChatRuntime.NotAnsweredKey, StringComparison.Ordinal)
            && JsonNode.Parse(m.MetadataJson) is JsonObject o && o[Chat.ChatRuntime.NotAnsweredKey] is JsonValue v && v.TryGetValue(out string? reason)
            ? reason
            : null;

    public Task<Result<IReadOnlyList<string>>> AddTagAsync(TeamAccess access, Guid sessionId, string? tag, CancellationToken ct) =>
        ChangeTagsAsync(access, sessionId, tag, add: true, ct);

    public Task<Result<IReadOnlyList<string>>> RemoveTagAsync(TeamAccess access, Guid sessionId, string? tag, CancellationToken ct) =>
        ChangeTagsAsync(access, sessionId, tag, add: false, ct);

    private async Task<Result<IReadOnlyList<string>>> ChangeTagsAsync(TeamAccess access, Guid sessionId, string? tag, bool add, CancellationToken ct)
    {
        if (!access.Can(TeamPermission.EditChatbots))
        {
            return Result<IReadOnlyList<string>>.Fail("Only editors and admins can tag sessions.");
        }
        tag = tag?.Trim() ?? "";
        if (tag.Length == 0 || tag.Length > MaxTagLength)
        {
            return Result<IReadOnlyList<string>>.Fail($"A tag is 1 to {MaxTagLength} characters.");
        }
        await using var db = await dbFactory.CreateForTeamAsync(access.TeamId, ct);
        var session = await db.ChatSessions.FirstOrDefaultAsync(s => s.Id == sessionId, ct);
        if (session is null)
        {
            return Result<IReadOnlyList<string>>.Fail("That session does not exist in this team.");
        }
        var tags = SessionQueryService.ParseTags(session.TagsJson).ToList();
        if (add && !tags.Contains(tag, StringComparer.Ordinal))
        {
            tags.Add(tag);
        }
        else if (!add)
        {
            tags.RemoveAll(t => string.Equals(t, tag, StringComparison.Ordinal));
        }
        session.TagsJson = JsonSerializer.Serialize(tags);
        await db.SaveChangesAsync(ct);
        return Result<IReadOnlyList<string>>.Ok(tags);
    }

    /// <summary>
    /// Tags one message of the session (stored with the tags the pipeline set, in <c>chat_messages.TagsJson</c>, without a
    /// category). Returns the message's tags as the transcript shows them.
    /// </summary>
    public Task<Result<IReadOnlyList<string>>> AddMessageTagAsync(TeamAccess access, Guid sessionId, Guid messageId, string? tag, CancellationToken ct) =>
        ChangeMessageTagsAsync(access, sessionId, messageId, tag, add: true, ct);

    /// <summary>Removes a tag from one message; <paramref name="tag"/> is the shown form ("category: tag" for categorised tags).</summary>
    public Task<Result<IReadOnlyList<string>>> RemoveMessageTagAsync(TeamAccess access, Guid sessionId, Guid messageId, string? tag, CancellationToken ct) =>
        ChangeMessageTagsAsync(access, sessionId, messageId, tag, add: false, ct);

    private async Task<Result<IReadOnlyList<string>>> ChangeMessageTagsAsync(TeamAccess access, Guid sessionId, Guid messageId, string? tag, bool add,
        CancellationToken ct)
    {
        if (!access.Can(TeamPermission.EditChatbots))
        {
            return Result<IReadOnlyList<string>>.Fail("Only editors and admins can tag messages.");
        }
        tag = tag?.Trim() ?? "";
        if (tag.Length == 0 || tag.Length > MaxTagLength)
        {
            return Result<IReadOnlyList<string>>.Fail($"A tag is 1 to {MaxTagLength} characters.");
        }
        await using var db = await dbFactory.CreateForTeamAsync(access.TeamId, ct);
        var message = await db.ChatMessages.FirstOrDefaultAsync(m => m.Id == messageId && m.SessionId == sessionId, ct);
        if (message is null)
        {
            return Result<IReadOnlyList<string>>.Fail("That message is not part of this session.");
        }
        JsonArray stored;
        try
        {
            stored = JsonNode.Parse(string.IsNullOrWhiteSpace(message.TagsJson) ? "[]" : message.TagsJson) as JsonArray ?? [];
        }
        catch (JsonException)
        {
            stored = [];
        }
        var entries = stored.Select(n => n?.DeepClone()).ToList();
        if (!add)
        {
            entries.RemoveAll(n => string.Equals(ShownTag(n), tag, StringComparison.Ordinal));
        }
        else if (!entries.Any(n => string.Equals(ShownTag(n), tag, StringComparison.Ordinal)))
        {
            entries.Add(new JsonObject { ["tag"] = tag, ["category"] = "" });
        }
        message.TagsJson = new JsonArray(entries.ToArray()).ToJsonString();
        await db.SaveChangesAsync(ct);
        return Result<IReadOnlyList<string>>.Ok(MessageTags(message.TagsJson));
    }

    /// <summary>A file sent in the session, for reviewers (ViewSessions); null for another team's or session's file.</summary>
    public async Task<(AttachmentInfo Info, byte[] Content)?> GetAttachmentAsync(TeamAccess access, Guid sessionId, int fileId, CancellationToken ct)
    {
        if (!access.Can(TeamPermission.ViewSessions))
        {
            return null;
        }
        await using var db = await dbFactory.CreateForTeamAsync(access.TeamId, ct);
        var row = await db.ChatAttachments.AsNoTracking().Where(a => a.Id == fileId && a.SessionId == sessionId && a.MessageId != null)
            .Select(a => new { Info = new AttachmentInfo(a.Id, a.SessionId, a.MessageId, a.Name, a.ContentType, a.Size), a.Content })
            .FirstOrDefaultAsync(ct);
        return row is null ? null : (row.Info, row.Content);
    }

    /// <summary>Adds a comment on the session, or on one of its messages when <paramref name="messageId"/> is given.</summary>
    public async Task<Result<CommentInfo>> AddCommentAsync(TeamAccess access, Guid sessionId, Guid? messageId, string? text, string authorName,
        CancellationToken ct)
    {
        if (!access.Can(TeamPermission.EditChatbots))
        {
            return Result<CommentInfo>.Fail("Only editors and admins can comment on sessions.");
        }
        text = text?.Trim() ?? "";
        if (text.Length == 0 || text.Length > SessionComment.MaxLength)
        {
            return Result<CommentInfo>.Fail($"A comment is 1 to {SessionComment.MaxLength:N0} characters.");
        }
        await using var db = await dbFactory.CreateForTeamAsync(access.TeamId, ct);
        if (!await db.ChatSessions.AnyAsync(s => s.Id == sessionId, ct))
        {
            return Result<CommentInfo>.Fail("That session does not exist in this team.");
        }
        if (messageId is { } mid && !await db.ChatMessages.AnyAsync(m => m.Id == mid && m.SessionId == sessionId, ct))
        {
            return Result<CommentInfo>.Fail("That message is not part of this session.");
        }
        var comment = new SessionComment(access.TeamId, sessionId, messageId, access.UserId, authorName, text, clock.GetUtcNow().UtcDateTime);
        db.SessionComments.Add(comment);
        await db.SaveChangesAsync(ct);
        return Result<CommentInfo>.Ok(new CommentInfo(comment.Id, comment.MessageId, comment.AuthorName, comment.Text, comment.CreatedAt));
    }

    /// <summary>Ends the session as a reviewer ("manual"); the runtime publishes the session-ended event.</summary>
    public async Task<Result<bool>> EndAsync(TeamAccess access, Guid sessionId, CancellationToken ct)
    {
        if (!access.Can(TeamPermission.EditChatbots))
        {
            return Result<bool>.Fail("Only editors and admins can end sessions.");
        }
        try
        {
            var session = await runtime.EndSessionAsync(access.TeamId, sessionId, SessionEndReasons.Manual, ct);
            return Result<bool>.Ok(session.IsEnded);
        }
        catch (KeyNotFoundException)
        {
            return Result<bool>.Fail("That session does not exist in this team.");
        }
    }

    /// <summary>
    /// Records a participant's rating of a bot message (null clears it). Called by participant-facing surfaces, which have
    /// already resolved the session; only bot messages of that session can be rated.
    /// </summary>
    public async Task<Result<bool>> SetRatingAsync(Guid teamId, Guid sessionId, Guid messageId, MessageRating? rating, CancellationToken ct)
    {
        await using var db = await dbFactory.CreateForTeamAsync(teamId, ct);
        var message = await db.ChatMessages.FirstOrDefaultAsync(m => m.Id == messageId && m.SessionId == sessionId, ct);
        if (message is null || message.Role != MessageRole.Ai)
        {
            return Result<bool>.Fail("Only the chatbot's messages in this session can be rated.");
        }
        await MessageRatings.SetAsync(db, message, rating, ct);
        return Result<bool>.Ok(true);
    }

    /// <summary>Message tags are stored as [{"tag": "...", "category": "..."}]; shown as "category: tag".</summary>
    internal static IReadOnlyList<string> MessageTags(string? json)
    {
        if (string.IsNullOrWhiteSpace(json))
        {
            return [];
        }
        try
        {
            return (JsonNode.Parse(json) as JsonArray ?? []).Select(ShownTag).Where(t => t.Length > 0).ToList();
        }
        catch (Exception ex) when (ex is JsonException or InvalidOperationException)
        {
            return [];
        }
    }

    private static string ShownTag(JsonNode? node) => node switch
    {
        JsonObject o => o["category"] is JsonValue c && c.TryGetValue(out string? cat) && cat.Length > 0 ? $"{cat}: {o["tag"]}" : o["tag"]?.ToString() ?? "",
        JsonValue v => v.ToString(),
        _ => "",
    };

    private static string Pretty(string json)
    {
        try
        {
            return JsonNode.Parse(json)?.ToJsonString(Indented) ?? "{}";
        }
        catch (JsonException)
        {
            return json;
        }
    }

    private static readonly JsonSerializerOptions Indented = new() { WriteIndented = true };
}
