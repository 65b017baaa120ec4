using System.Collections.Concurrent;
using System.Text.Json;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using OpenChatStudio.Core.Chat;
using OpenChatStudio.Core.Data;

namespace OpenChatStudio.Core.Channels.Messaging;

/// <summary>
/// Delivers the bot's messages on messaging channels (the outbox, <see cref="OutboundMessage"/>): per session in order,
/// split to the platform's limit, with retries and back-off on rate limits and platform errors (the platform's own wait
/// when it gives one), and a failed state the transcript shows. A sender claims a row for a while before sending, so two
/// instances never send the same message; a part that was in flight when the process died is not sent again.
/// Started at once when a reply is stored (<see cref="IOutboundSignal"/>) and by a sweep for retries and recovery.
/// </summary>
public sealed partial class ChannelOutbox(
    IDbContextFactory<AppDbContext> dbFactory,
    MessagingChannelService channels,
    MessagingOptions options,
    ChannelPacer pacer,
    TimeProvider clock,
    ILogger<ChannelOutbox> logger) : BackgroundService, IOutboundSignal
{
    /// <summary>Sending a message is tried at most this many times.</summary>
    public const int MaxAttempts = 6;

    /// <summary>How long a sender holds a message it claimed; a crashed sender's claim runs out after this.</summary>
    public static readonly TimeSpan ClaimLifetime = TimeSpan.FromMinutes(2);

    public const string UnreachableError = "Not delivered: the participant cannot be reached on this channel (they blocked the bot or left).";

    private readonly ConcurrentDictionary<Guid, Task> _draining = new();
    private readonly ConcurrentDictionary<Guid, byte> _again = new();

    public void Queued(Guid sessionId) => Kick(sessionId);

    /// <summary>Completes when every delivery this process started has finished (tests).</summary>
    public Task WhenIdleAsync() => Task.WhenAll(_draining.Values);

    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        using var timer = new PeriodicTimer(TimeSpan.FromSeconds(Math.Max(0.2, options.OutboxSweepSeconds)), clock);
        do
        {
            try
            {
                await SweepAsync(stoppingToken);
            }
            catch (Exception ex) when (ex is not OperationCanceledException)
            {
                LogSweepFailed(ex);
            }
        }
        while (await timer.WaitForNextTickAsync(stoppingToken));
    }

    /// <summary>Starts delivery for every session with a message due (new, due a retry, or left by a crashed sender).</summary>
    public async Task SweepAsync(CancellationToken ct)
    {
        var now = clock.GetUtcNow().UtcDateTime;
        List<Guid> due;
        await using (var db = await dbFactory.CreateDbContextAsync(ct))
        {
            due = await db.OutboundMessages.IgnoreQueryFilters()
                .Where(m => m.Status == OutboundStatus.Pending && m.NextAttemptAt <= now && (m.ClaimedUntil == null || m.ClaimedUntil < now))
                .Select(m => m.SessionId).Distinct().Take(500).ToListAsync(ct);
        }
        foreach (var sessionId in due)
        {
            Kick(sessionId);
        }
    }

    private void Kick(Guid sessionId)
    {
        _again[sessionId] = 0;
        if (_draining.ContainsKey(sessionId))
        {
            return;   // the running drain sees the flag and goes round again
        }
        var drain = new Task<Task>(() => DrainAsync(sessionId));
        if (_draining.TryAdd(sessionId, drain.Unwrap()))
        {
            drain.Start(TaskScheduler.Default);
        }
    }

    private async Task DrainAsync(Guid sessionId)
    {
        try
        {
            while (_again.TryRemove(sessionId, out _))
            {
                await DeliverSessionAsync(sessionId, CancellationToken.None).ConfigureAwait(false);
            }
        }
        catch (Exception ex)
        {
            LogDeliveryFailed(ex, sessionId);
        }
        finally
        {
            _draining.TryRemove(sessionId, out _);
            if (_again.ContainsKey(sessionId))
            {
                Kick(sessionId);   // signalled between the last check and leaving
            }
        }
    }

    /// <summary>Sends the session's pending messages in order; stops at one that must wait (the next sweep resumes).</summary>
    private async Task DeliverSessionAsync(Guid sessionId, CancellationToken ct)
    {
        while (true)
        {
            var now = clock.GetUtcNow().UtcDateTime;
            OutboundMessage? row;
            await using (var db = await dbFactory.CreateDbContextAsync(ct))
            {
                row = await db.OutboundMessages.IgnoreQueryFilters().AsNoTracking()
                    .Where(m => m.SessionId == sessionId && m.Status == OutboundStatus.Pending)
                    .OrderBy(m => m.CreatedAt).FirstOrDefaultAsync(ct);
                if (row is null || row.NextAttemptAt > now || (row.ClaimedUntil is { } until && until > now))
                {
                    return;
                }
                var claimedUntil = now + ClaimLifetime;
                var claimed = await db.OutboundMessages.IgnoreQueryFilters()
                    .Where(m => m.Id == row.Id && m.Status == OutboundStatus.Pending && (m.ClaimedUntil == null || m.ClaimedUntil < now))
                    .ExecuteUpdateAsync(s => s.SetProperty(m => m.ClaimedUntil, claimedUntil).SetProperty(m => m.Attempts, m => m.Attempts + 1), ct);
                if (claimed == 0)
                {
                    return;   // another sender has it
                }
                row.Attempts++;
            }
            if (!await DeliverAsync(row, ct))
            {
                return;
            }
        }
    }

    /// <summary>Sends one message's remaining parts; false when it must wait for a retry (later messages wait behind it).</summary>
    private async Task<bool> DeliverAsync(OutboundMessage row, CancellationToken ct)
    {
        var channel = await channels.FindAsync(row.ChannelId, ct);
        var platform = channel is null ? null : channels.Platform(channel.Kind);
        if (channel is null || platform is null)
        {
            await FinishAsync(row, OutboundStatus.Failed, "Not delivered: the channel was removed.", ct);
            return true;
        }
        Target? target;
        await using (var db = await dbFactory.CreateForTeamAsync(row.TeamId, ct))
        {
            target = await db.ChatMessages.Where(m => m.Id == row.MessageId)
                .Select(m => new Target(
                    m.Content,
                    db.ChatSessions.Where(s => s.Id == row.SessionId)
                        .SelectMany(s => db.Participants.Where(p => p.Id == s.ParticipantId)).Select(p => p.Identifier).FirstOrDefault() ?? "",
                    db.ChatSessions.Where(s => s.Id == row.SessionId)
                        .SelectMany(s => db.Participants.Where(p => p.Id == s.ParticipantId)).Select(p => p.UnreachableSince).FirstOrDefault(),
                    db.ChatMessages.Where(h => h.SessionId == row.SessionId && h.Role == MessageRole.Human && !h.Hidden)
                        .Max(h => (DateTime?)h.CreatedAt)))
                .FirstOrDefaultAsync(ct);
        }
        if (target is null || target.Recipient.Length == 0)
        {
            await FinishAsync(row, OutboundStatus.Failed, "Not delivered: the message or its participant is gone.", ct);
            return true;
        }
        if (target.UnreachableSince is not null)
        {
            await FinishAsync(row, OutboundStatus.Failed, UnreachableError, ct);
            return true;
        }
        var parts = MessageSplitter.Split(target.Content, platform.Info.MaxMessageLength);
        var ids = JsonSerializer.Deserialize<List<string>>(row.PlatformIdsJson) ?? [];
        var next = row.PartsSent;
        string? note = null;
        if (row.PartInFlight is { } lost)
        {
            // The process stopped while this part was being sent: it may have arrived, so it is not sent again.
            next = Math.Max(next, lost + 1);
            note = $"Part {lost + 1} of {parts.Count} may not have arrived: the server stopped while sending it.";
            LogSkippedInFlight(row.Id, lost);
        }
        var windowOpen = target.LastHumanAt is { } last && clock.GetUtcNow().UtcDateTime - last < TimeSpan.FromHours(24);
        for (var i = next; i < parts.Count; i++)
        {
            var part = i;
            await UpdateAsync(row, s => s.SetProperty(m => m.PartInFlight, part), ct);
            string id;
            try
            {
                await pacer.WaitTurnAsync(channel.ChannelId, platform.Info.SendsPerSecond, ct);
                id = await platform.SendTextAsync(channel, target.Recipient, parts[i], windowOpen, ct);
            }
            catch (ChannelSendException ex)
            {
                return await FailedSendAsync(row, i, ex, channel, ct);
            }
            ids.Add(id);
            var json = JsonSerializer.Serialize(ids);
            await UpdateAsync(row, s => s.SetProperty(m => m.PartInFlight, (int?)null).SetProperty(m => m.PartsSent, part + 1)
                .SetProperty(m => m.PlatformIdsJson, json), ct);
        }
        await FinishAsync(row, OutboundStatus.Sent, note, ct);
        return true;
    }

    private async Task<bool> FailedSendAsync(OutboundMessage row, int part, ChannelSendException ex, ChannelCredentials channel, CancellationToken ct)
    {
        LogSendFailed(row.Id, channel.ChannelId, part, ex.Message);
        if (ex.Unreachable)
        {
            var now = clock.GetUtcNow().UtcDateTime;
            await using (var db = await dbFactory.CreateForTeamAsync(row.TeamId, ct))
            {
                await db.Participants.Where(p => db.ChatSessions.Any(s => s.Id == row.SessionId && s.ParticipantId == p.Id))
                    .ExecuteUpdateAsync(s => s.SetProperty(p => p.UnreachableSince, now), ct);
            }
            await FinishAsync(row, OutboundStatus.Failed, UnreachableError, ct);
            return true;
        }
        if (ex.Retryable && row.Attempts < MaxAttempts)
        {
            var wait = ex.RetryAfter ?? TimeSpan.FromSeconds(Math.Min(300, 2 * Math.Pow(3, row.Attempts - 1)));
            var at = clock.GetUtcNow().UtcDateTime + wait;
            var error = $"Retrying in {wait.TotalSeconds:0} s: {ex.Message}";
            await UpdateAsync(row, s => s.SetProperty(m => m.PartInFlight, (int?)null).SetProperty(m => m.ClaimedUntil, (DateTime?)null)
                .SetProperty(m => m.NextAttemptAt, at).SetProperty(m => m.Error, error), ct);
            return false;
        }
        await FinishAsync(row, OutboundStatus.Failed, $"Not delivered: {ex.Message}", ct);
        return true;
    }

    private async Task FinishAsync(OutboundMessage row, OutboundStatus status, string? error, CancellationToken ct)
    {
        var now = clock.GetUtcNow().UtcDateTime;
        var stored = error is { Length: > 2000 } ? error[..2000] : error;
        await UpdateAsync(row, s => s.SetProperty(m => m.Status, status).SetProperty(m => m.PartInFlight, (int?)null)
            .SetProperty(m => m.ClaimedUntil, (DateTime?)null).SetProperty(m => m.Error, stored)
            .SetProperty(m => m.SentAt, status == OutboundStatus.Sent ? now : null), ct);
    }

    private async Task UpdateAsync(OutboundMessage row,
        Action<Microsoft.EntityFrameworkCore.Query.UpdateSettersBuilder<OutboundMessage>> set, CancellationToken ct)
    {
        await using var db = await dbFactory.CreateForTeamAsync(row.TeamId, ct);
        await db.OutboundMessages.Where(m => m.Id == row.Id).ExecuteUpdateAsync(set, ct);
    }

    private sealed record Target(string Content, string Recipient, DateTime? UnreachableSince, DateTime? LastHumanAt);

    [LoggerMessage(Level = LogLevel.Error, Message = "Outbox sweep failed")]
    private partial void LogSweepFailed(Exception ex);

    [LoggerMessage(Level = LogLevel.Error, Message = "Delivering the messages of session {SessionId} failed")]
    private partial void LogDeliveryFailed(Exception ex, Guid sessionId);

    [LoggerMessage(Level = LogLevel.Warning, Message = "Outbound message {OutboundId} on channel {ChannelId}: part {Part} not sent: {Error}")]
    private partial void LogSendFailed(Guid outboundId, Guid channelId, int part, string error);

    [LoggerMessage(Level = LogLevel.Warning, Message = "Outbound message {OutboundId}: part {Part} was in flight when the process stopped; not sent again")]
    private partial void LogSkippedInFlight(Guid outboundId, int part);
}
