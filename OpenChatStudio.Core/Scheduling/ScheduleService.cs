using Microsoft.EntityFrameworkCore;
using OpenChatStudio.Core.Common;
using OpenChatStudio.Core.Data;
using OpenChatStudio.Core.Participants;
using OpenChatStudio.Core.Pipelines.Tools;

namespace OpenChatStudio.Core.Scheduling;

/// <summary>
/// What a caller asks for: one-off when <see cref="Every"/> is null, else recurring (<see cref="Repetitions"/> deliveries in
/// total and/or until <see cref="EndUtc"/>). <see cref="Prompt"/> is an instruction to the bot, which composes the message.
/// </summary>
public sealed record ScheduleRequest(string Name, string Prompt, DateTime DueUtc, int? Every = null, TimePeriod? Period = null,
    int? Repetitions = null, DateTime? EndUtc = null);

public sealed record ScheduledMessageInfo(
    Guid Id,
    string ExternalId,
    Guid ChatbotId,
    Guid ParticipantId,
    string Name,
    string Prompt,
    DateTime NextDueUtc,
    string Schedule,
    int TotalTriggers,
    bool IsComplete,
    DateTime? CancelledAt,
    string? TimeZone,
    string? Origin,
    DateTime? LastTriggeredAt);

/// <summary>
/// One item of the participants API's <c>schedules</c> list (OCS semantics): <see cref="Delete"/> removes the schedule with
/// <see cref="ExternalId"/>; otherwise the schedule with that id is updated (name, prompt, due time) or created with it,
/// and without an id a new one-off schedule gets a generated id. Validate with <see cref="ScheduleService.ValidateChange"/>.
/// </summary>
public sealed record ScheduleChange(string? ExternalId, string? Name, string? Prompt, DateTime? DueUtc, bool Delete);

public sealed record ScheduleAttemptInfo(int TriggerNumber, int AttemptNumber, bool Succeeded, string Log, DateTime DueAt, DateTime At);

/// <summary>
/// Scheduled messages of a team: create, edit, move, cancel, delete and list, by participant and chatbot. The rows are the
/// source of truth; every change re-aims the row's Quartz trigger. Used by the UI, event actions and the participants API
/// (<c>schedules</c> in an upsert).
/// </summary>
public sealed class ScheduleService(IDbContextFactory<AppDbContext> dbFactory, TimeProvider clock, ParticipantDataProtector protector, IScheduleSignal signal)
{
    public async Task<Result<ScheduledMessageInfo>> CreateAsync(Guid teamId, Guid chatbotId, Guid participantId, ScheduleRequest request,
        CancellationToken ct, string origin = "api", string? triggerId = null, Guid? sessionId = null)
    {
        if (Validate(request) is { } error)
        {
            return Result<ScheduledMessageInfo>.Fail(error);
        }
        await using var db = await dbFactory.CreateForTeamAsync(teamId, ct);
        if (!await db.Chatbots.AnyAsync(c => c.Id == chatbotId, ct) || !await db.Participants.AnyAsync(p => p.Id == participantId, ct))
        {
            return Result<ScheduledMessageInfo>.Fail("No such chatbot or participant in this team.");
        }
        var row = new ScheduledMessage(teamId, chatbotId, participantId, sessionId, NewExternalId(), ToReminder(request))
        {
            Origin = origin,
            TriggerId = triggerId,
            TimeZone = await ParticipantTimeZone.ReadAsync(db, protector, chatbotId, participantId, ct),
        };
        db.ScheduledMessages.Add(row);
        await db.SaveChangesAsync(ct);
        await signal.ScheduleChangedAsync(teamId, row.Id, row.NextTriggerAt, ct);
        return Result<ScheduledMessageInfo>.Ok(ToInfo(row));
    }

    /// <summary>Replaces a pending schedule's details (name, prompt, due time, recurrence). Null when unknown or no longer pending.</summary>
    public async Task<Result<ScheduledMessageInfo>?> UpdateAsync(Guid teamId, Guid id, ScheduleRequest request, CancellationToken ct)
    {
        if (Validate(request) is { } error)
        {
            return Result<ScheduledMessageInfo>.Fail(error);
        }
        await using var db = await dbFactory.CreateForTeamAsync(teamId, ct);
        var row = await db.ScheduledMessages.FirstOrDefaultAsync(m => m.Id == id, ct);
        if (row is null || !row.IsPending)
        {
            return null;
        }
        row.Reschedule(ToReminder(request));
        await db.SaveChangesAsync(ct);
        await signal.ScheduleChangedAsync(teamId, row.Id, row.NextTriggerAt, ct);
        return Result<ScheduledMessageInfo>.Ok(ToInfo(row));
    }

    /// <summary>Moves the next delivery (and the recurrence anchor) to <paramref name="dueUtc"/>.</summary>
    public async Task<ScheduledMessageInfo?> MoveAsync(Guid teamId, Guid id, DateTime dueUtc, CancellationToken ct)
    {
        await using var db = await dbFactory.CreateForTeamAsync(teamId, ct);
        var row = await db.ScheduledMessages.FirstOrDefaultAsync(m => m.Id == id, ct);
        if (row is null || !row.IsPending)
        {
            return null;
        }
        row.NextTriggerAt = DateTime.SpecifyKind(dueUtc, DateTimeKind.Utc);
        row.AnchorAt = row.NextTriggerAt;
        await db.SaveChangesAsync(ct);
        await signal.ScheduleChangedAsync(teamId, row.Id, row.NextTriggerAt, ct);
        return ToInfo(row);
    }

    public async Task<bool> CancelAsync(Guid teamId, Guid id, string cancelledBy, CancellationToken ct)
    {
        await using var db = await dbFactory.CreateForTeamAsync(teamId, ct);
        var row = await db.ScheduledMessages.FirstOrDefaultAsync(m => m.Id == id, ct);
        if (row is null || !row.IsPending)
        {
            return false;
        }
        row.CancelledAt = clock.GetUtcNow().UtcDateTime;
        row.CancelledBy = cancelledBy;
        row.IsComplete = true;
        await db.SaveChangesAsync(ct);
        await signal.ScheduleChangedAsync(teamId, row.Id, null, ct);
        return true;
    }

    /// <summary>Deletes the row and its attempts.</summary>
    public async Task<bool> DeleteAsync(Guid teamId, Guid id, CancellationToken ct)
    {
        await using var db = await dbFactory.CreateForTeamAsync(teamId, ct);
        var row = await db.ScheduledMessages.FirstOrDefaultAsync(m => m.Id == id, ct);
        if (row is null)
        {
            return false;
        }
        db.ScheduledMessageAttempts.RemoveRange(await db.ScheduledMessageAttempts.Where(a => a.ScheduledMessageId == id).ToListAsync(ct));
        db.ScheduledMessages.Remove(row);
        await db.SaveChangesAsync(ct);
        await signal.ScheduleChangedAsync(teamId, id, null, ct);
        return true;
    }

    /// <summary>A participant's schedules (optionally of one chatbot), pending first then by due time.</summary>
    public async Task<IReadOnlyList<ScheduledMessageInfo>> ListAsync(Guid teamId, Guid participantId, Guid? chatbotId, bool includeDone, CancellationToken ct)
    {
        await using var db = await dbFactory.CreateForTeamAsync(teamId, ct);
        var query = db.ScheduledMessages.AsNoTracking().Where(m => m.ParticipantId == participantId);
        if (chatbotId is { } c)
        {
            query = query.Where(m => m.ChatbotId == c);
        }
        if (!includeDone)
        {
            query = query.Where(m => !m.IsComplete && m.CancelledAt == null);
        }
        var rows = await query.ToListAsync(ct);
        return rows.OrderBy(m => m.IsComplete).ThenBy(m => m.NextTriggerAt).Select(ToInfo).ToList();
    }

    /// <summary>
    /// Applies the participants API's <c>schedules</c> for one chatbot and participant in one save (creates, updates by id,
    /// deletes by id; an unknown id to delete is ignored, as OCS). Updating a schedule that was already delivered or
    /// cancelled makes it pending again at the new date. Changes must have passed <see cref="ValidateChange"/>.
    /// </summary>
    public async Task<IReadOnlyList<ScheduledMessageInfo>> ApplyChangesAsync(Guid teamId, Guid chatbotId, Guid participantId,
        IReadOnlyList<ScheduleChange> changes, CancellationToken ct)
    {
        if (changes.Count == 0)
        {
            return [];
        }
        await using var db = await dbFactory.CreateForTeamAsync(teamId, ct);
        var ids = changes.Where(c => c.ExternalId is not null).Select(c => c.ExternalId!).Distinct().ToList();
        var existing = await db.ScheduledMessages
            .Where(m => m.ChatbotId == chatbotId && m.ParticipantId == participantId && ids.Contains(m.ExternalId))
            .ToDictionaryAsync(m => m.ExternalId, StringComparer.Ordinal, ct);
        string? zone = null;
        var zoneRead = false;
        var touched = new List<ScheduledMessage>();
        var removed = new List<Guid>();
        foreach (var change in changes)
        {
            if (change.Delete)
            {
                if (existing.Remove(change.ExternalId!, out var gone))
                {
                    var goneId = gone.Id;
                    db.ScheduledMessageAttempts.RemoveRange(await db.ScheduledMessageAttempts.Where(a => a.ScheduledMessageId == goneId).ToListAsync(ct));
                    db.ScheduledMessages.Remove(gone);
                    removed.Add(goneId);
                }
                continue;
            }
            var request = new ScheduleRequest(change.Name!, change.Prompt!, change.DueUtc!.Value);
            if (change.ExternalId is { } externalId && existing.TryGetValue(externalId, out var row))
            {
                var old = row.ToRequest();
                row.Reschedule(ToReminder(request with { Every = old.Every, Period = old.Period, Repetitions = old.Repetitions, EndUtc = old.EndUtc }));
                row.IsComplete = false;
                row.CancelledAt = null;
                row.CancelledBy = null;
            }
            else
            {
                if (!zoneRead)
                {
                    zone = await ParticipantTimeZone.ReadAsync(db, protector, chatbotId, participantId, ct);
                    zoneRead = true;
                }
                row = new ScheduledMessage(teamId, chatbotId, participantId, null, change.ExternalId ?? NewExternalId(), ToReminder(request))
                {
                    Origin = "api",
                    TimeZone = zone,
                };
                db.ScheduledMessages.Add(row);
                existing[row.ExternalId] = row;
            }
            touched.Add(row);
        }
        await db.SaveChangesAsync(ct);
        foreach (var id in removed)
        {
            await signal.ScheduleChangedAsync(teamId, id, null, ct);
        }
        var result = touched.Distinct().ToList();
        foreach (var row in result)
        {
            await signal.ScheduleChangedAsync(teamId, row.Id, row.NextTriggerAt, ct);
        }
        return result.Select(ToInfo).ToList();
    }

    public const int MaxExternalIdLength = 12;

    /// <summary>Why a <c>schedules</c> item is not acceptable (null when it is).</summary>
    public static string? ValidateChange(ScheduleChange change)
    {
        if (change.ExternalId is { } id && (id.Length is 0 or > MaxExternalIdLength || !id.All(ch => char.IsAsciiLetterOrDigit(ch) || ch is '-' or '_')))
        {
            return $"id must be 1 to {MaxExternalIdLength} letters, digits, '-' or '_'.";
        }
        if (change.Delete)
        {
            return change.ExternalId is null ? "id is required to delete a schedule." : null;
        }
        if (string.IsNullOrWhiteSpace(change.Name))
        {
            return "name is required.";
        }
        if (string.IsNullOrWhiteSpace(change.Prompt))
        {
            return "prompt is required: what the bot should say.";
        }
        if (change.DueUtc is null)
        {
            return "date is required (ISO 8601, e.g. 2030-01-31T09:00:00Z).";
        }
        return Validate(new ScheduleRequest(change.Name, change.Prompt, change.DueUtc.Value));
    }

    public async Task<IReadOnlyList<ScheduleAttemptInfo>> ListAttemptsAsync(Guid teamId, Guid id, CancellationToken ct)
    {
        await using var db = await dbFactory.CreateForTeamAsync(teamId, ct);
        var rows = await db.ScheduledMessageAttempts.AsNoTracking().Where(a => a.ScheduledMessageId == id).ToListAsync(ct);
        return rows.OrderBy(a => a.TriggerNumber).ThenBy(a => a.AttemptNumber)
            .Select(a => new ScheduleAttemptInfo(a.TriggerNumber, a.AttemptNumber, a.Succeeded, a.Log, a.DueAt, a.CreatedAt)).ToList();
    }

    public static string? Validate(ScheduleRequest r)
    {
        if (string.IsNullOrWhiteSpace(r.Name) || r.Name.Length > 200)
        {
            return "A schedule needs a name (at most 200 characters).";
        }
        if (string.IsNullOrWhiteSpace(r.Prompt))
        {
            return "A schedule needs a prompt: what the bot should say.";
        }
        if (r.Every is not null || r.Period is not null)
        {
            if (r.Every is not > 0 || r.Period is null)
            {
                return "A recurring schedule needs 'every' of at least 1 and a period (minutes, hours, days, weeks, months).";
            }
        }
        if (r.Repetitions is < 1)
        {
            return "Repetitions must be at least 1.";
        }
        if (r.EndUtc is { } end && end < r.DueUtc)
        {
            return "The end date is before the first due date.";
        }
        return null;
    }

    internal static string NewExternalId() => "s" + Guid.NewGuid().ToString("N")[..6];

    private static ReminderRequest ToReminder(ScheduleRequest r) => new(r.Name.Trim(), r.Prompt.Trim(), DateTime.SpecifyKind(r.DueUtc, DateTimeKind.Utc),
        r.Every, r.Period, r.Repetitions, r.EndUtc is { } e ? DateTime.SpecifyKind(e, DateTimeKind.Utc) : null);

    internal static ScheduledMessageInfo ToInfo(ScheduledMessage m) => new(m.Id, m.ExternalId, m.ChatbotId, m.ParticipantId, m.Name, m.Message,
        m.NextTriggerAt, ReminderSchedule.Describe(m.ToRequest()), m.TotalTriggers, m.IsComplete, m.CancelledAt, m.TimeZone, m.Origin, m.LastTriggeredAt);
}
