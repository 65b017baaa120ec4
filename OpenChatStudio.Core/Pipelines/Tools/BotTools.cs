using System.ComponentModel;
using System.Globalization;
using System.Text.Json;
using System.Text.Json.Nodes;
using Microsoft.SemanticKernel;
using OpenChatStudio.Core.Pipelines.Execution;

namespace OpenChatStudio.Core.Pipelines.Tools;

/// <summary>
/// The tools an LLM node can offer its model (OCS AgentTools), as one Semantic Kernel plugin bound to the run.
/// Tool failures go back to the model as text, not exceptions, so it can correct itself.
/// </summary>
public sealed class BotTools(NodeContext context, IReminderStore reminders)
{
    public const string PluginName = "ocs";

    /// <summary>OCS tool slug → kernel function name.</summary>
    public static readonly IReadOnlyDictionary<string, string> Slugs = new Dictionary<string, string>(StringComparer.Ordinal)
    {
        ["update-user-data"] = "update_user_data",
        ["append-to-participant-data"] = "append_to_participant_data",
        ["increment-counter"] = "increment_counter",
        ["end-session"] = "end_session",
        ["set-session-state"] = "set_session_state",
        ["get-session-state"] = "get_session_state",
        ["append-to-session-state"] = "append_to_session_state",
        ["increment-session-state-counter"] = "increment_session_state_counter",
        ["calculator"] = "calculator",
        ["one-off-reminder"] = "one_off_reminder",
        ["recurring-reminder"] = "recurring_reminder",
        ["list-reminders"] = "list_reminders",
        ["delete-reminder"] = "delete_reminder",
        ["move-scheduled-message-date"] = "move_scheduled_message_date",
    };

    /// <summary>A plugin with only the functions for <paramref name="slugs"/>.</summary>
    public static KernelPlugin CreatePlugin(NodeContext context, IReminderStore reminders, IEnumerable<string> slugs)
    {
        var wanted = slugs.Select(s => Slugs[s]).ToHashSet(StringComparer.Ordinal);
        var all = KernelPluginFactory.CreateFromObject(new BotTools(context, reminders), PluginName);
        return KernelPluginFactory.CreateFromFunctions(PluginName, all.Where(f => wanted.Contains(f.Name)));
    }

    [KernelFunction("update_user_data"), Description("Save a fact about the participant (e.g. their name or preferences) for future conversations.")]
    public string UpdateUserData([Description("Short key, e.g. 'name'")] string key, [Description("Value to store")] string value)
    {
        context.State.SetParticipantData(key, ParseValue(value));
        return $"Saved {key}.";
    }

    [KernelFunction("append_to_participant_data"), Description("Add a value to a list kept about the participant.")]
    public string AppendToParticipantData(string key, string value)
    {
        context.State.AppendParticipantData(key, ParseValue(value));
        return $"Added to {key}.";
    }

    [KernelFunction("increment_counter"), Description("Increase a numeric counter kept about the participant.")]
    public string IncrementCounter([Description("Counter name")] string counter, [Description("Amount, default 1")] double value = 1) =>
        $"{counter} is now {Format(context.State.IncrementParticipantData(counter, value))}.";

    [KernelFunction("end_session"), Description("End the conversation when the participant is done or asks to stop.")]
    public string EndSession()
    {
        context.State.RequestEndSession();
        return "The session will end after this reply.";
    }

    [KernelFunction("set_session_state"), Description("Remember a value for the rest of this conversation.")]
    public string SetSessionState(string key, string value) => Guard(() =>
    {
        context.State.SetSessionState(key, ParseValue(value));
        return $"Set {key}.";
    });

    [KernelFunction("get_session_state"), Description("Read a value remembered in this conversation.")]
    public string GetSessionState(string key) => context.State.GetSessionState(key)?.ToJsonString() ?? $"{key} is not set.";

    [KernelFunction("append_to_session_state"), Description("Add a value to a list remembered in this conversation.")]
    public string AppendToSessionState(string key, string value) => Guard(() =>
    {
        context.State.AppendSessionState(key, ParseValue(value));
        return $"Added to {key}.";
    });

    [KernelFunction("increment_session_state_counter"), Description("Increase a counter remembered in this conversation.")]
    public string IncrementSessionStateCounter(string key, double value = 1) =>
        Guard(() => $"{key} is now {Format(context.State.IncrementSessionState(key, value))}.");

    [KernelFunction("calculator"), Description("Evaluate an arithmetic expression exactly, e.g. '(12.5 * 4) / 3'.")]
    public string Calculate([Description("Numbers with + - * / % ^ and parentheses")] string expression)
    {
        try
        {
            return Format(Calculator.Evaluate(expression));
        }
        catch (FormatException ex)
        {
            return $"Could not calculate: {ex.Message}";
        }
    }

    [KernelFunction("one_off_reminder"), Description("Schedule a single reminder message to the participant.")]
    public async Task<string> OneOffReminder(
        [Description("When, ISO 8601 UTC, e.g. 2026-12-01T09:00:00Z")] string datetime_due,
        [Description("What to remind them about")] string message,
        [Description("Short name for the reminder")] string schedule_name,
        CancellationToken ct)
    {
        if (!TryParseUtc(datetime_due, out var due))
        {
            return "Could not read datetime_due; use ISO 8601 like 2026-12-01T09:00:00Z.";
        }
        var info = await reminders.CreateAsync(context.Run, new ReminderRequest(schedule_name, message, due), ct);
        return $"Reminder {info.Id} scheduled {info.Schedule}.";
    }

    [KernelFunction("recurring_reminder"), Description("Schedule a reminder that repeats.")]
    public async Task<string> RecurringReminder(
        [Description("First time, ISO 8601 UTC")] string datetime_due,
        [Description("Repeat every N periods")] int every,
        [Description("minutes, hours, days, weeks or months")] string period,
        [Description("What to remind them about")] string message,
        [Description("Short name for the reminder")] string schedule_name,
        CancellationToken ct,
        [Description("How many times in total (optional)")] int? repetitions = null,
        [Description("Stop after this time, ISO 8601 UTC (optional)")] string? datetime_end = null)
    {
        if (!TryParseUtc(datetime_due, out var due))
        {
            return "Could not read datetime_due; use ISO 8601 like 2026-12-01T09:00:00Z.";
        }
        if (!Enum.TryParse<TimePeriod>(period, ignoreCase: true, out var p) || every < 1)
        {
            return "every must be at least 1 and period one of minutes, hours, days, weeks, months.";
        }
        DateTime? end = null;
        if (datetime_end is not null)
        {
            if (!TryParseUtc(datetime_end, out var e))
            {
                return "Could not read datetime_end.";
            }
            end = e;
        }
        var info = await reminders.CreateAsync(context.Run, new ReminderRequest(schedule_name, message, due, every, p, repetitions, end), ct);
        return $"Reminder {info.Id} scheduled {info.Schedule}.";
    }

    [KernelFunction("list_reminders"), Description("List the participant's scheduled reminders with their ids.")]
    public async Task<string> ListReminders(CancellationToken ct)
    {
        var list = await reminders.ListAsync(context.Run, ct);
        return list.Count == 0
            ? "No reminders are scheduled."
            : string.Join("\n", list.Select(r => $"{r.Id}: {r.Name} — next {r.NextDueUtc:yyyy-MM-dd HH:mm} UTC ({r.Schedule}): {r.Message}"));
    }

    [KernelFunction("delete_reminder"), Description("Cancel a scheduled reminder by id.")]
    public async Task<string> DeleteReminder(string message_id, CancellationToken ct) =>
        await reminders.CancelAsync(context.Run, message_id, ct) ? $"Reminder {message_id} cancelled." : $"No reminder with id {message_id}.";

    [KernelFunction("move_scheduled_message_date"), Description("Move a reminder to another day and time.")]
    public async Task<string> MoveScheduledMessageDate(
        string message_id,
        [Description("Day of week 1 (Monday) to 7 (Sunday); ignored when specified_date is given")] int weekday,
        [Description("Hour, 0-23 UTC")] int hour,
        [Description("Minute, 0-59")] int minute,
        CancellationToken ct,
        [Description("Exact date yyyy-mm-dd (optional)")] string? specified_date = null)
    {
        if (hour is < 0 or > 23 || minute is < 0 or > 59 || (specified_date is null && weekday is < 1 or > 7))
        {
            return "hour must be 0-23, minute 0-59 and weekday 1-7.";
        }
        var now = context.Services.Clock.GetUtcNow().UtcDateTime;
        DateTime target;
        if (specified_date is not null)
        {
            if (!DateTime.TryParseExact(specified_date, "yyyy-MM-dd", CultureInfo.InvariantCulture, DateTimeStyles.AdjustToUniversal | DateTimeStyles.AssumeUniversal, out var date))
            {
                return "specified_date must be yyyy-mm-dd.";
            }
            target = DateTime.SpecifyKind(date.Date.AddHours(hour).AddMinutes(minute), DateTimeKind.Utc);
        }
        else
        {
            var today = ((int)now.DayOfWeek + 6) % 7 + 1;
            var days = (weekday - today + 7) % 7;
            target = DateTime.SpecifyKind(now.Date.AddDays(days).AddHours(hour).AddMinutes(minute), DateTimeKind.Utc);
            if (target <= now)
            {
                target = target.AddDays(7);
            }
        }
        var moved = await reminders.MoveAsync(context.Run, message_id, target, ct);
        return moved is null ? $"No reminder with id {message_id}." : $"Reminder {message_id} moved to {target:yyyy-MM-dd HH:mm} UTC.";
    }

    private static string Guard(Func<string> action)
    {
        try
        {
            return action();
        }
        catch (PipelineNodeException ex)
        {
            return ex.Message;
        }
    }

    private static bool TryParseUtc(string text, out DateTime utc)
    {
        var ok = DateTimeOffset.TryParse(text, CultureInfo.InvariantCulture, DateTimeStyles.AssumeUniversal, out var value);
        utc = ok ? value.UtcDateTime : default;
        return ok;
    }

    /// <summary>Values the model sends as text: JSON when it parses (numbers, lists, objects), the plain string otherwise.</summary>
    internal static JsonNode? ParseValue(string value)
    {
        var trimmed = value.Trim();
        if (trimmed.Length > 0 && (char.IsDigit(trimmed[0]) || trimmed[0] is '-' or '[' or '{' or '"' || trimmed is "true" or "false" or "null"))
        {
            try
            {
                return JsonNode.Parse(trimmed);
            }
            catch (JsonException)
            {
            }
        }
        return JsonValue.Create(value);
    }

    private static string Format(double value) => value.ToString("0.##########", CultureInfo.InvariantCulture);
}
