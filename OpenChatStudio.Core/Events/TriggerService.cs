using Microsoft.EntityFrameworkCore;
using OpenChatStudio.Core.Common;
using OpenChatStudio.Core.Data;
using OpenChatStudio.Core.Teams;

namespace OpenChatStudio.Core.Events;

public sealed record EventLogEntry(Guid Id, Guid? SessionId, string TriggerId, string TriggerLabel, EventActionType Action, EventLogStatus Status,
    string Detail, int? FireNumber, DateTime At);

/// <summary>
/// A chatbot's triggers (stored with the working version in <c>Chatbot.TriggersJson</c>, copied into versions when one is
/// made) and its event log. A timeout trigger's edit moves its <see cref="EventTrigger.ConfigChangedAt"/>, so it never
/// fires for messages sent before the edit.
/// </summary>
public sealed class TriggerService(IDbContextFactory<AppDbContext> dbFactory, TimeProvider clock)
{
    public async Task<IReadOnlyList<EventTrigger>?> ListAsync(Guid teamId, Guid chatbotId, CancellationToken ct)
    {
        await using var db = await dbFactory.CreateForTeamAsync(teamId, ct);
        var json = await db.Chatbots.Where(c => c.Id == chatbotId).Select(c => c.TriggersJson).FirstOrDefaultAsync(ct);
        return json is null ? null : TriggerJson.Parse(json);
    }

    /// <summary>Adds (unknown id) or replaces (same id) a trigger. Null when the chatbot is not in the team.</summary>
    public async Task<Result<EventTrigger>?> SaveAsync(Guid teamId, Guid chatbotId, EventTrigger trigger, CancellationToken ct)
    {
        if (Validate(trigger) is { } error)
        {
            return Result<EventTrigger>.Fail(error);
        }
        await using var db = await dbFactory.CreateForTeamAsync(teamId, ct);
        var chatbot = await db.Chatbots.FirstOrDefaultAsync(c => c.Id == chatbotId, ct);
        if (chatbot is null)
        {
            return null;
        }
        if (trigger.Action is { Type: EventActionType.StartPipeline, TargetChatbotId: { } target }
            && !await db.Chatbots.AnyAsync(c => c.Id == target && !c.IsArchived, ct))
        {
            return Result<EventTrigger>.Fail("The chatbot to start is not in this team.");
        }
        var list = TriggerJson.Parse(chatbot.TriggersJson).ToList();
        var index = list.FindIndex(t => t.Id == trigger.Id);
        var saved = trigger with
        {
            Id = string.IsNullOrWhiteSpace(trigger.Id) ? EventTrigger.NewId() : trigger.Id,
            ConfigChangedAt = index < 0 || Changed(list[index], trigger) ? clock.GetUtcNow().UtcDateTime : list[index].ConfigChangedAt,
        };
        if (index < 0)
        {
            list.Add(saved);
        }
        else
        {
            list[index] = saved;
        }
        chatbot.TriggersJson = TriggerJson.Write(list);
        await db.SaveChangesAsync(ct);
        return Result<EventTrigger>.Ok(saved);
    }

    public async Task<bool> SetActiveAsync(Guid teamId, Guid chatbotId, string triggerId, bool active, CancellationToken ct)
    {
        var list = await ListAsync(teamId, chatbotId, ct);
        var trigger = list?.FirstOrDefault(t => t.Id == triggerId);
        if (trigger is null)
        {
            return false;
        }
        var result = await SaveAsync(teamId, chatbotId, trigger with { IsActive = active }, ct);
        return result is { Succeeded: true };
    }

    public async Task<bool> DeleteAsync(Guid teamId, Guid chatbotId, string triggerId, CancellationToken ct)
    {
        await using var db = await dbFactory.CreateForTeamAsync(teamId, ct);
        var chatbot = await db.Chatbots.FirstOrDefaultAsync(c => c.Id == chatbotId, ct);
        if (chatbot is null)
        {
            return false;
        }
        var list = TriggerJson.Parse(chatbot.TriggersJson).ToList();
        if (list.RemoveAll(t => t.Id == triggerId) == 0)
        {
            return false;
        }
        chatbot.TriggersJson = TriggerJson.Write(list);
        await db.SaveChangesAsync(ct);
        return true;
    }

    /// <summary>The chatbot's newest log entries (optionally only failures or one trigger).</summary>
    public async Task<IReadOnlyList<EventLogEntry>> LogAsync(Guid teamId, Guid chatbotId, bool failuresOnly, string? triggerId, int take, CancellationToken ct)
    {
        await using var db = await dbFactory.CreateForTeamAsync(teamId, ct);
        var query = db.EventLogs.AsNoTracking().Where(l => l.ChatbotId == chatbotId);
        if (failuresOnly)
        {
            query = query.Where(l => l.Status == EventLogStatus.Failure);
        }
        if (triggerId is not null)
        {
            query = query.Where(l => l.TriggerId == triggerId);
        }
        var rows = await query.OrderByDescending(l => l.CreatedAt).Take(Math.Clamp(take, 1, 500)).ToListAsync(ct);
        return rows.Select(l => new EventLogEntry(l.Id, l.SessionId, l.TriggerId, l.TriggerLabel, l.ActionType, l.Status, l.Detail, l.FireNumber, l.CreatedAt)).ToList();
    }

    /// <summary>For pages: anyone in the team may read; changes need <see cref="TeamPermission.EditEvents"/>.</summary>
    public async Task<Result<EventTrigger>?> SaveAsync(TeamAccess access, Guid chatbotId, EventTrigger trigger, CancellationToken ct) =>
        access.Can(TeamPermission.EditEvents)
            ? await SaveAsync(access.TeamId, chatbotId, trigger, ct)
            : Result<EventTrigger>.Fail(NotAllowed);

    public async Task<bool> SetActiveAsync(TeamAccess access, Guid chatbotId, string triggerId, bool active, CancellationToken ct) =>
        access.Can(TeamPermission.EditEvents) && await SetActiveAsync(access.TeamId, chatbotId, triggerId, active, ct);

    public async Task<bool> DeleteAsync(TeamAccess access, Guid chatbotId, string triggerId, CancellationToken ct) =>
        access.Can(TeamPermission.EditEvents) && await DeleteAsync(access.TeamId, chatbotId, triggerId, ct);

    public const string NotAllowed = "Only editors and admins can change events.";

    public static string? Validate(EventTrigger t)
    {
        if (t.Kind == TriggerKind.Static && t.StaticType is null)
        {
            return "Choose when the trigger fires.";
        }
        if (t.Kind == TriggerKind.Timeout)
        {
            if (t.DelaySeconds is not (>= 1 and <= 31_536_000))
            {
                return "The delay must be between 1 second and a year.";
            }
            if (t.TotalFires is not (>= 1 and <= 100))
            {
                return "A timeout fires between 1 and 100 times.";
            }
        }
        var a = t.Action;
        switch (a.Type)
        {
            case EventActionType.SendMessage when string.IsNullOrWhiteSpace(a.Prompt):
                return "Say what the bot should send (the prompt).";
            case EventActionType.ScheduleMessage when string.IsNullOrWhiteSpace(a.Prompt) || string.IsNullOrWhiteSpace(a.Name):
                return "A scheduled message needs a name and a prompt.";
            case EventActionType.ScheduleMessage when a.Every is not >= 1 || a.Period is null:
                return "A scheduled message needs 'every' of at least 1 and a period.";
            case EventActionType.ScheduleMessage when a.Repetitions is < 1:
                return "Repetitions must be at least 1.";
            case EventActionType.StartPipeline when a.TargetChatbotId is null:
                return "Choose the chatbot whose pipeline starts.";
        }
        return null;
    }

    private static bool Changed(EventTrigger old, EventTrigger now) =>
        old.Kind != now.Kind || old.StaticType != now.StaticType || old.DelaySeconds != now.DelaySeconds || old.TotalFires != now.TotalFires
        || old.FromFirstMessage != now.FromFirstMessage || old.Action != now.Action || (!old.IsActive && now.IsActive);
}
