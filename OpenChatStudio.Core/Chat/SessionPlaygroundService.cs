using System.Text.Json;
using System.Text.Json.Nodes;
using Microsoft.EntityFrameworkCore;
using OpenChatStudio.Core.Common;
using OpenChatStudio.Core.Data;
using OpenChatStudio.Core.Participants;
using OpenChatStudio.Core.Pipelines.Execution;
using OpenChatStudio.Core.Pipelines.Tools;
using OpenChatStudio.Core.Scheduling;
using OpenChatStudio.Core.Teams;

namespace OpenChatStudio.Core.Chat;

/// <summary>
/// What testers see and tweak around a preview session: participant data and session state (a playground), and the
/// reminders the bot scheduled. Messages themselves always go through <see cref="ChatRuntime"/>.
/// </summary>
public sealed class SessionPlaygroundService(IDbContextFactory<AppDbContext> dbFactory, ParticipantDataProtector protector,
    ParticipantDataWriter writer)
{
    public const int MaxJsonLength = 100_000;

    public async Task<JsonObject> GetParticipantDataAsync(TeamAccess access, Guid participantId, Guid chatbotId, CancellationToken ct)
    {
        await using var db = await dbFactory.CreateForTeamAsync(access.TeamId, ct);
        var row = await db.ParticipantData.FirstOrDefaultAsync(d => d.ParticipantId == participantId && d.ChatbotId == chatbotId, ct);
        return row is null ? new JsonObject() : protector.Unprotect(row.ProtectedData);
    }

    /// <summary>
    /// Saves the tester's edit of participant data. With <paramref name="loadedJson"/> (the data as the tester loaded it),
    /// only the keys the tester changed or removed are written, on top of what is stored now: a turn of another session
    /// that saved meanwhile keeps its keys. Without it, the stored data is replaced. Returns the data as saved.
    /// </summary>
    public async Task<Result<JsonObject>> SetParticipantDataAsync(TeamAccess access, Guid participantId, Guid chatbotId, string json, CancellationToken ct,
        string? loadedJson = null)
    {
        if (Parse(json) is not { Succeeded: true } parsed)
        {
            return Parse(json);
        }
        IReadOnlyList<ParticipantDataChange> changes;
        if (loadedJson is not null && Parse(loadedJson) is { Succeeded: true } loaded)
        {
            changes = ParticipantDataChange.Diff(loaded.Value!, parsed.Value!);
        }
        else
        {
            changes = ParticipantDataChange.Replace(parsed.Value!);
        }
        await using var db = await dbFactory.CreateForTeamAsync(access.TeamId, ct);
        if (!await db.Participants.AnyAsync(p => p.Id == participantId, ct) || !await db.Chatbots.AnyAsync(c => c.Id == chatbotId, ct))
        {
            return Result<JsonObject>.Fail("That participant or chatbot does not exist in this team.");
        }
        if (changes.Count == 0)
        {
            var stored = await db.ParticipantData.Where(d => d.ParticipantId == participantId && d.ChatbotId == chatbotId).Select(d => d.ProtectedData).FirstOrDefaultAsync(ct);
            return Result<JsonObject>.Ok(stored is null ? new JsonObject() : protector.Unprotect(stored));
        }
        var write = await writer.StageAsync(db, access.TeamId, participantId, chatbotId, changes, ct);
        await writer.SaveChangesAsync(db, write, ct);
        return Result<JsonObject>.Ok(write.Data);
    }

    public async Task<JsonObject> GetSessionStateAsync(TeamAccess access, Guid sessionId, CancellationToken ct)
    {
        await using var db = await dbFactory.CreateForTeamAsync(access.TeamId, ct);
        var json = await db.ChatSessions.Where(s => s.Id == sessionId).Select(s => s.StateJson).FirstOrDefaultAsync(ct);
        return json is null ? new JsonObject() : JsonNode.Parse(json) as JsonObject ?? new JsonObject();
    }

    public async Task<Result<JsonObject>> SetSessionStateAsync(TeamAccess access, Guid sessionId, string json, CancellationToken ct)
    {
        if (Parse(json) is not { Succeeded: true } parsed)
        {
            return Parse(json);
        }
        await using var db = await dbFactory.CreateForTeamAsync(access.TeamId, ct);
        var session = await db.ChatSessions.FirstOrDefaultAsync(s => s.Id == sessionId, ct);
        if (session is null)
        {
            return Result<JsonObject>.Fail("That session does not exist in this team.");
        }
        session.StateJson = parsed.Value!.ToJsonString();
        await db.SaveChangesAsync(ct);
        return parsed;
    }

    public async Task<IReadOnlyList<ReminderInfo>> ListRemindersAsync(TeamAccess access, Guid chatbotId, Guid participantId, CancellationToken ct)
    {
        await using var db = await dbFactory.CreateForTeamAsync(access.TeamId, ct);
        var rows = await db.ScheduledMessages
            .Where(m => m.ChatbotId == chatbotId && m.ParticipantId == participantId && !m.IsComplete && m.CancelledAt == null)
            .ToListAsync(ct);
        return rows.OrderBy(m => m.NextTriggerAt).Select(m => new ReminderInfo(m.ExternalId, m.Name, m.Message, m.NextTriggerAt, ReminderSchedule.Describe(m.ToRequest()))).ToList();
    }

    /// <summary>
    /// The preview session a tester had open before a reload, to pick it up again: only when it still exists in this team,
    /// belongs to <paramref name="chatbotId"/> and to the tester's own preview participant, and has not ended. Returns its
    /// version and its visible messages with each reply's trace; null means "start a new one".
    /// </summary>
    public async Task<ResumablePreview?> FindResumablePreviewAsync(TeamAccess access, Guid sessionId, Guid chatbotId, Guid participantId, CancellationToken ct)
    {
        await using var db = await dbFactory.CreateForTeamAsync(access.TeamId, ct);
        var session = await db.ChatSessions.AsNoTracking()
            .FirstOrDefaultAsync(s => s.Id == sessionId && s.ChatbotId == chatbotId && s.ParticipantId == participantId
                && s.Platform == ParticipantPlatforms.Preview, ct);
        if (session is null || session.IsEnded)
        {
            return null;
        }
        var messages = await db.ChatMessages.AsNoTracking().Where(m => m.SessionId == sessionId && !m.Hidden)
            .OrderBy(m => m.Sequence).Select(m => new { m.Id, m.Role, m.Content }).ToListAsync(ct);
        var traces = (await db.RunTraces.AsNoTracking().Where(t => t.SessionId == sessionId && t.OutputMessageId != null)
                .Select(t => new { t.OutputMessageId, t.NodesJson }).ToListAsync(ct))
            .GroupBy(t => t.OutputMessageId!.Value).ToDictionary(g => g.Key, g => g.First().NodesJson);
        var attachments = (await db.ChatAttachments.AsNoTracking().Where(a => a.SessionId == sessionId && a.MessageId != null)
                .OrderBy(a => a.Id).Select(a => new { a.MessageId, a.Name }).ToListAsync(ct))
            .ToLookup(a => a.MessageId!.Value, a => a.Name);
        return new ResumablePreview(session.Id, session.Version, messages.Select(m => new ResumedMessage(m.Role, m.Content,
            traces.TryGetValue(m.Id, out var json) ? ReadTrace(json) : [], attachments[m.Id].ToList())).ToList());
    }

    private static IReadOnlyList<NodeTrace> ReadTrace(string json)
    {
        try
        {
            return JsonSerializer.Deserialize<List<NodeTrace>>(json, TraceJson) ?? [];
        }
        catch (JsonException)
        {
            return []; // a trace stored by an older build that no longer reads: the message still shows
        }
    }

    private static readonly JsonSerializerOptions TraceJson = new(JsonSerializerDefaults.Web);

    private static Result<JsonObject> Parse(string json)
    {
        if (json.Length > MaxJsonLength)
        {
            return Result<JsonObject>.Fail($"At most {MaxJsonLength:N0} characters.");
        }
        try
        {
            return JsonNode.Parse(string.IsNullOrWhiteSpace(json) ? "{}" : json) is JsonObject obj
                ? Result<JsonObject>.Ok(obj)
                : Result<JsonObject>.Fail("Enter a JSON object, e.g. {\"name\": \"Ada\"}.");
        }
        catch (JsonException ex)
        {
            return Result<JsonObject>.Fail($"Not valid JSON: {ex.Message}");
        }
    }
}

/// <summary>A preview session picked up again after a reload: its version and what was said, with each reply's trace.</summary>
public sealed record ResumablePreview(Guid SessionId, Versions.VersionChoice Version, IReadOnlyList<ResumedMessage> Messages);

/// <summary>One visible message of a resumed preview session (<see cref="Trace"/> is empty for human messages).</summary>
public sealed record ResumedMessage(MessageRole Role, string Content, IReadOnlyList<NodeTrace> Trace, IReadOnlyList<string> Attachments);
