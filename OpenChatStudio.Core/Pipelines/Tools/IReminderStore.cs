using System.Collections.Concurrent;
using OpenChatStudio.Core.Pipelines.Execution;

namespace OpenChatStudio.Core.Pipelines.Tools;

public enum TimePeriod
{
    Minutes,
    Hours,
    Days,
    Weeks,
    Months,
}

/// <summary>A reminder a bot tool asks for: one-off when <see cref="Every"/> is null, else recurring.</summary>
public sealed record ReminderRequest(string Name, string Message, DateTime DueUtc, int? Every = null, TimePeriod? Period = null,
    int? Repetitions = null, DateTime? EndUtc = null);

public sealed record ReminderInfo(string Id, string Name, string Message, DateTime NextDueUtc, string Schedule);

/// <summary>
/// Where reminder tools keep scheduled messages (rows in the runtime; delivery is the scheduler's job).
/// Scoped to the run's chatbot and participant.
/// </summary>
public interface IReminderStore
{
    Task<ReminderInfo> CreateAsync(PipelineRunContext run, ReminderRequest request, CancellationToken ct);

    Task<IReadOnlyList<ReminderInfo>> ListAsync(PipelineRunContext run, CancellationToken ct);

    Task<bool> CancelAsync(PipelineRunContext run, string reminderId, CancellationToken ct);

    Task<ReminderInfo?> MoveAsync(PipelineRunContext run, string reminderId, DateTime newDueUtc, CancellationToken ct);
}

/// <summary>Reminders in memory: editor test runs, unit tests.</summary>
public sealed class InMemoryReminderStore : IReminderStore
{
    private readonly ConcurrentDictionary<string, (PipelineRunContext Run, ReminderInfo Info)> _items = new();
    private int _next;

    public Task<ReminderInfo> CreateAsync(PipelineRunContext run, ReminderRequest request, CancellationToken ct)
    {
        var id = $"r{Interlocked.Increment(ref _next)}";
        var info = new ReminderInfo(id, request.Name, request.Message, request.DueUtc, ReminderSchedule.Describe(request));
        _items[id] = (run, info);
        return Task.FromResult(info);
    }

    public Task<IReadOnlyList<ReminderInfo>> ListAsync(PipelineRunContext run, CancellationToken ct) =>
        Task.FromResult<IReadOnlyList<ReminderInfo>>(_items.Values.Where(i => i.Run == run).Select(i => i.Info).OrderBy(i => i.NextDueUtc).ToList());

    public Task<bool> CancelAsync(PipelineRunContext run, string reminderId, CancellationToken ct) =>
        Task.FromResult(_items.TryGetValue(reminderId, out var item) && item.Run == run && _items.TryRemove(reminderId, out _));

    public Task<ReminderInfo?> MoveAsync(PipelineRunContext run, string reminderId, DateTime newDueUtc, CancellationToken ct)
    {
        if (!_items.TryGetValue(reminderId, out var item) || item.Run != run)
        {
            return Task.FromResult<ReminderInfo?>(null);
        }
        var moved = item.Info with { NextDueUtc = newDueUtc };
        _items[reminderId] = (run, moved);
        return Task.FromResult<ReminderInfo?>(moved);
    }
}

public static class ReminderSchedule
{
    public static string Describe(ReminderRequest r) =>
        r.Every is { } every && r.Period is { } period
            ? $"every {every} {period.ToString().ToLowerInvariant()}" + (r.Repetitions is { } n ? $", {n} times" : "") + (r.EndUtc is { } end ? $", until {end:yyyy-MM-dd HH:mm} UTC" : "")
            : $"once at {r.DueUtc:yyyy-MM-dd HH:mm} UTC";
}
