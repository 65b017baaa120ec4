using Microsoft.EntityFrameworkCore;
using OpenChatStudio.Core.Common;
using OpenChatStudio.Core.Data;
using OpenChatStudio.Core.Pipelines.Execution;
using OpenChatStudio.Core.Pipelines.Tools;

namespace OpenChatStudio.Core.Scheduling;

/// <summary>Reminder tools' rows: scheduled messages of the run's chatbot and participant.</summary>
public sealed class DbReminderStore(IDbContextFactory<AppDbContext> dbFactory, Guid teamId, TimeProvider clock,
    IScheduleSignal? signal = null, Participants.ParticipantDataProtector? protector = null) : IReminderStore
{
    public async Task<ReminderInfo> CreateAsync(PipelineRunContext run, ReminderRequest request, CancellationToken ct)
    {
        var (chatbot, participant) = Require(run);
        await using var db = await dbFactory.CreateForTeamAsync(teamId, ct);
        var id = "r" + SecureToken.Create(4).ToLowerInvariant().Replace("-", "x").Replace("_", "y")[..4];
        var message = new ScheduledMessage(teamId, chatbot, participant, run.SessionId, id, request)
        {
            Origin = "tool",
            TimeZone = await ParticipantTimeZone.ReadAsync(db, protector, chatbot, participant, ct),
        };
        db.ScheduledMessages.Add(message);
        await db.SaveChangesAsync(ct);
        await NotifyAsync(message, ct);
        return ToInfo(message);
    }

    public async Task<IReadOnlyList<ReminderInfo>> ListAsync(PipelineRunContext run, CancellationToken ct)
    {
        var (chatbot, participant) = Require(run);
        await using var db = await dbFactory.CreateForTeamAsync(teamId, ct);
        var rows = await Pending(db, chatbot, participant).ToListAsync(ct);
        return rows.OrderBy(m => m.NextTriggerAt).Select(ToInfo).ToList();
    }

    public async Task<bool> CancelAsync(PipelineRunContext run, string reminderId, CancellationToken ct)
    {
        var (chatbot, participant) = Require(run);
        await using var db = await dbFactory.CreateForTeamAsync(teamId, ct);
        var row = await Pending(db, chatbot, participant).FirstOrDefaultAsync(m => m.ExternalId == reminderId, ct);
        if (row is null)
        {
            return false;
        }
        row.CancelledAt = clock.GetUtcNow().UtcDateTime;
        row.CancelledBy = "bot";
        row.IsComplete = true;
        await db.SaveChangesAsync(ct);
        await NotifyAsync(row, ct);
        return true;
    }

    public async Task<ReminderInfo?> MoveAsync(PipelineRunContext run, string reminderId, DateTime newDueUtc, CancellationToken ct)
    {
        var (chatbot, participant) = Require(run);
        await using var db = await dbFactory.CreateForTeamAsync(teamId, ct);
        var row = await Pending(db, chatbot, participant).FirstOrDefaultAsync(m => m.ExternalId == reminderId, ct);
        if (row is null)
        {
            return null;
        }
        row.NextTriggerAt = newDueUtc;
        row.AnchorAt = newDueUtc;
        await db.SaveChangesAsync(ct);
        await NotifyAsync(row, ct);
        return ToInfo(row);
    }

    private Task NotifyAsync(ScheduledMessage m, CancellationToken ct) =>
        signal?.ScheduleChangedAsync(teamId, m.Id, m.IsPending ? m.NextTriggerAt : null, ct) ?? Task.CompletedTask;

    private static IQueryable<ScheduledMessage> Pending(AppDbContext db, Guid chatbot, Guid participant) =>
        db.ScheduledMessages.Where(m => m.ChatbotId == chatbot && m.ParticipantId == participant && !m.IsComplete && m.CancelledAt == null);

    private static (Guid Chatbot, Guid Participant) Require(PipelineRunContext run) =>
        run is { ChatbotId: { } c, ParticipantId: { } p }
            ? (c, p)
            : throw new PipelineNodeException("Reminders need a chatbot session with a participant.");

    private static ReminderInfo ToInfo(ScheduledMessage m) => new(m.ExternalId, m.Name, m.Message, m.NextTriggerAt, ReminderSchedule.Describe(m.ToRequest()));
}
