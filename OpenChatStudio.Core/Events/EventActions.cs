using System.Text;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.DependencyInjection;
using OpenChatStudio.Core.Chat;
using OpenChatStudio.Core.Data;
using OpenChatStudio.Core.Pipelines.Tools;
using OpenChatStudio.Core.Scheduling;

namespace OpenChatStudio.Core.Events;

/// <summary>Runs a trigger's action for a session; returns whether it worked and what happened, for the event log.</summary>
public sealed class EventActions(IDbContextFactory<AppDbContext> dbFactory, IServiceProvider services, LiveMessageNotifier live, TimeProvider clock)
{
    public const string Origin = "event";

    private ChatRuntime Runtime => services.GetRequiredService<ChatRuntime>();

    public async Task<(bool Ok, string Detail)> RunAsync(Guid teamId, ChatSession session, EventTrigger trigger, CancellationToken ct)
    {
        var action = trigger.Action;
        switch (action.Type)
        {
            case EventActionType.Log:
                return (true, "Logged.");
            case EventActionType.EndConversation:
                await Runtime.EndSessionAsync(teamId, session.Id, SessionEndReasons.Event, ct);
                return (true, "Conversation ended.");
            case EventActionType.SendMessage:
            {
                var turn = await Runtime.SendBotMessageAsync(teamId, session.Id, action.Prompt ?? "", Origin, ct);
                if (turn.Reply is not { } reply)
                {
                    return (false, turn.Error ?? "The chatbot produced no message.");
                }
                await live.PublishAsync(new LiveMessage(session.Id, reply.MessageId, reply.Content, Origin));
                return (true, "Sent: " + reply.Content);
            }
            case EventActionType.ScheduleMessage:
            {
                var every = action.Every ?? 1;
                var period = action.Period ?? TimePeriod.Days;
                var due = Recurrence.Occurrence(clock.GetUtcNow().UtcDateTime, every, period, 1, TimeZoneInfo.Utc);
                var repeats = action.Repetitions ?? 1;
                var request = new ScheduleRequest(action.Name ?? "Scheduled message", action.Prompt ?? "", due,
                    repeats > 1 ? every : null, repeats > 1 ? period : null, repeats > 1 ? repeats : null);
                var created = await services.GetRequiredService<ScheduleService>()
                    .CreateAsync(teamId, session.ChatbotId, session.ParticipantId, request, ct, Origin, trigger.Id, session.Id);
                return created.Succeeded
                    ? (true, $"Scheduled {created.Value!.ExternalId} for {created.Value.NextDueUtc:yyyy-MM-dd HH:mm:ss} UTC ({created.Value.Schedule}).")
                    : (false, created.Error!);
            }
            case EventActionType.StartPipeline:
            {
                var input = await HistoryInputAsync(teamId, session.Id, action.HistoryInput ?? PipelineHistoryInput.FullHistory, ct);
                var (output, error) = await Runtime.RunPipelineAsync(teamId, action.TargetChatbotId!.Value, session.Id, input, ct);
                return error is null ? (true, "Pipeline output: " + output) : (false, error);
            }
            default:
                return (false, $"Unknown action {action.Type}.");
        }
    }

    /// <summary>The conversation as the other pipeline's input. No summaries are stored, so "last summary" is the whole history.</summary>
    private async Task<string> HistoryInputAsync(Guid teamId, Guid sessionId, PipelineHistoryInput kind, CancellationToken ct)
    {
        await using var db = await dbFactory.CreateForTeamAsync(teamId, ct);
        var query = db.ChatMessages.AsNoTracking().Where(m => m.SessionId == sessionId && !m.Hidden);
        var messages = kind == PipelineHistoryInput.LastMessage
            ? await query.OrderByDescending(m => m.Sequence).Take(1).ToListAsync(ct)
            : (await query.OrderByDescending(m => m.Sequence).Take(200).ToListAsync(ct)).AsEnumerable().Reverse().ToList();
        if (kind == PipelineHistoryInput.LastMessage)
        {
            return messages.FirstOrDefault()?.Content ?? "";
        }
        var text = new StringBuilder();
        foreach (var m in messages)
        {
            text.Append(m.Role == MessageRole.Human ? "Human: " : "AI: ").AppendLine(m.Content);
        }
        return text.ToString();
    }
}
