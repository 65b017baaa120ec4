using System.Security.Cryptography;
using System.Text;
using System.Text.Json;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.Logging;
using OpenChatStudio.Core.Chat;
using OpenChatStudio.Core.Chatbots;
using OpenChatStudio.Core.Data;
using OpenChatStudio.Core.Versions;

namespace OpenChatStudio.Core.Channels.Messaging;

/// <summary>
/// Where every messaging platform's webhook lands (OCS's inbound stages): the platform verifies and reads the call, then
/// each message is, in order per conversation and exactly once per platform id, given a participant, checked against the
/// channel's switch and the chatbot's allowlist, given a session (<c>/reset</c> starts a new one) and stored in the
/// durable <see cref="ChatInbox"/>. The webhook answers after that save; the turn runs after, and its reply is delivered
/// by <see cref="ChannelOutbox"/>.
/// </summary>
public sealed partial class MessagingInbox(
    MessagingChannelService channels,
    ChatRuntime runtime,
    ChatInbox inbox,
    ChatAttachmentStore attachments,
    VoiceTranscriber transcriber,
    SessionWorkQueue queue,
    ChatRoutes routes,
    IDbContextFactory<AppDbContext> dbFactory,
    TimeProvider clock,
    ILogger<MessagingInbox> logger)
{
    public const string ResetReply = "Your conversation was reset. Send a message to start a new one.";

    public const string NotAllowedReply = "Sorry, you are not allowed to chat with this bot.";

    public const string NotPublishedReply = "This chatbot is not available yet.";

    public const string VoiceNotSupportedReply = "Sorry, this chatbot cannot listen to voice messages yet. Please type your message.";

    public const string VoiceFailedReply = "Sorry, I could not understand that voice message. Please try again or type your message.";

    public const string UnsupportedReply = "Sorry, I can only read text messages, photos and documents.";

    public const string FailedReply = "Sorry, something went wrong while answering your message. Please send it again.";

    /// <summary>Channel setting: "on" asks for consent in the conversation first (OCS conversational consent).</summary>
    public const string ConsentSetting = "conversational_consent";

    /// <summary>What the participant replies to agree.</summary>
    public const string ConsentAgreement = "1";

    public const string ConsentQuestion = "Reply 1 if you agree.";

    public const string ConsentReminder = "To continue, please reply 1 if you agree to the terms above.";

    /// <summary>How often the typing indicator is renewed while the bot works (Telegram shows it for about 5 s).</summary>
    public static readonly TimeSpan TypingInterval = TimeSpan.FromSeconds(4);

    /// <summary>What became of one inbound message (tests and logs).</summary>
    public enum Received
    {
        Accepted,
        Duplicate,
        Answered,
        Ignored,
    }

    /// <summary>A platform's webhook call for channel <paramref name="channelId"/>.</summary>
    public async Task<WebhookResponse> HandleAsync(string webhookSegment, Guid channelId, WebhookRequest request, CancellationToken ct)
    {
        var channel = channels.IsWebhookSegment(webhookSegment) ? await channels.FindAsync(channelId, ct) : null;
        var platform = channel is null ? null : channels.Platform(channel.Kind);
        if (channel is null || platform is null
            || !string.Equals(platform.Info.WebhookSegment, webhookSegment, StringComparison.OrdinalIgnoreCase))
        {
            return WebhookResponse.Problem(404, "No such channel.");
        }
        WebhookParse parsed;
        try
        {
            parsed = platform.Parse(request, channel);
        }
        catch (Exception ex) when (ex is JsonException or InvalidOperationException or FormatException or NullReferenceException
            or KeyNotFoundException or ArgumentException or OverflowException)
        {
            // Valid JSON (or form) of an unexpected shape: the platform gets a 400, nothing is stored.
            LogUnreadable(ex, channelId);
            return WebhookResponse.Problem(400, "The webhook body has an unexpected shape for this platform.");
        }
        if (parsed.Immediate is { } answer)
        {
            if (answer.Status >= 400)
            {
                LogRefused(channelId, answer.Status);
            }
            return answer;
        }
        foreach (var message in parsed.Messages)
        {
            // Stored before the platform hears back: a crash after this loses nothing, and a redelivery is a duplicate.
            await ReceiveAsync(platform, channel, message, CancellationToken.None);
        }
        return platform.Acknowledge;
    }

    /// <summary>One message, in order behind the earlier messages of the same conversation (across instances with Redis).</summary>
    public Task<Received> ReceiveAsync(IMessagingPlatform platform, ChannelCredentials channel, ChannelInbound message, CancellationToken ct) =>
        queue.EnqueueAsync(ConversationKey(channel.ChannelId, message.SenderId), () => ReceiveInOrderAsync(platform, channel, message, ct));

    private async Task<Received> ReceiveInOrderAsync(IMessagingPlatform platform, ChannelCredentials channel, ChannelInbound message, CancellationToken ct)
    {
        Guid? sessionId;
        var pendingConsent = false;
        Guid participantId;
        await using (var db = await dbFactory.CreateForTeamAsync(channel.TeamId, ct))
        {
            if (await db.InboundMessages.AnyAsync(m => m.ChannelId == channel.ChannelId && m.ExternalId == message.ExternalId, ct))
            {
                return Received.Duplicate;
            }
            participantId = await runtime.ParticipantIdAsync(channel.TeamId, message.Platform, message.SenderId, message.SenderName, ct);
            var now = clock.GetUtcNow().UtcDateTime;
            if (message.Content == InboundContent.Unreachable)
            {
                await db.Participants.Where(p => p.Id == participantId)
                    .ExecuteUpdateAsync(s => s.SetProperty(p => p.UnreachableSince, now), ct);
                LogUnreachable(channel.ChannelId, participantId);
                return Received.Ignored;
            }
            // Writing again means they can be reached again (e.g. they unblocked the bot): a write only when they were not.
            // (Two reads rather than one with a nested row: SQLite cannot translate that.)
            if (await db.Participants.AnyAsync(p => p.Id == participantId && p.UnreachableSince != null, ct))
            {
                await db.Participants.Where(p => p.Id == participantId)
                    .ExecuteUpdateAsync(s => s.SetProperty(p => p.UnreachableSince, (DateTime?)null), ct);
            }
            var open = await db.ChatSessions
                .Where(s => s.ChannelId == channel.ChannelId && s.ParticipantId == participantId && s.EndedAt == null)
                .OrderByDescending(s => s.CreatedAt).Select(s => new { s.Id, s.Status }).FirstOrDefaultAsync(ct);
            sessionId = open?.Id;
            pendingConsent = open?.Status == SessionStatus.Pending;
        }
        if (!channel.Enabled)
        {
            Reply(platform, channel, message.SenderId, channel.DisabledMessage);
            return Received.Answered;
        }
        var gate = await routes.GateAsync(channel.TeamId, channel.ChatbotId, VersionChoice.Published, ct);
        if (gate is null)
        {
            Reply(platform, channel, message.SenderId, NotPublishedReply);
            return Received.Answered;
        }
        if (!ChatbotService.AllowlistPermits(gate.ParticipantAllowlistJson, message.SenderId))
        {
            Reply(platform, channel, message.SenderId, NotAllowedReply);
            return Received.Answered;
        }
        var text = message.Text.Trim();
        if (IsCommand(text, ChatRuntime.ResetCommand))
        {
            if (sessionId is { } current)
            {
                await runtime.EndSessionAsync(channel.TeamId, current, Chat.SessionEndReasons.Reset, ct);
            }
            var (fresh, seeded) = await StartAsync(channel, message, participantId, ct);
            await RecordHandledAsync(channel, fresh, message, ct);
            if (!seeded)
            {
                Reply(platform, channel, message.SenderId, ResetReply);
            }
            return Received.Answered;
        }
        if ((sessionId is null || pendingConsent) && await ConsentTextAsync(channel, ct) is { } consent)
        {
            return await ConsentFlowAsync(channel, message, participantId, sessionId, consent, ct);
        }
        var started = false;
        if (sessionId is null)
        {
            var (fresh, seeded) = await StartAsync(channel, message, participantId, ct);
            sessionId = fresh;
            started = seeded;
        }
        if (started && IsCommand(text, "/start"))
        {
            // A participant opening the bot: the seed message's reply is the greeting.
            await RecordHandledAsync(channel, sessionId.Value, message, ct);
            return Received.Answered;
        }
        IReadOnlyList<int>? voiceFiles = null;
        if (message.Content is InboundContent.Voice && text.Length == 0)
        {
            if (!VoiceTranscriber.IsOn(channel))
            {
                await RecordHandledAsync(channel, sessionId.Value, message, ct);
                Reply(platform, channel, message.SenderId, VoiceNotSupportedReply);
                return Received.Answered;
            }
            // The voice note is stored with the message; its words are what the bot reads.
            var (transcript, audioFiles) = await TranscribeAsync(platform, channel, sessionId.Value, message, ct);
            if (transcript is null)
            {
                await RecordHandledAsync(channel, sessionId.Value, message, ct);
                Reply(platform, channel, message.SenderId, VoiceFailedReply);
                return Received.Answered;
            }
            text = transcript;
            voiceFiles = audioFiles;
        }
        if (message.Content is InboundContent.Unsupported)
        {
            await RecordHandledAsync(channel, sessionId.Value, message, ct);
            Reply(platform, channel, message.SenderId, UnsupportedReply);
            return Received.Answered;
        }
        var files = voiceFiles ?? (message.Content == InboundContent.Media
            ? await DownloadAsync(platform, channel, sessionId.Value, message, ct)
            : []);
        InboundMessage row;
        try
        {
            row = await inbox.AcceptAsync(channel.TeamId, sessionId.Value, text, files, channel.ChannelId, message.ExternalId, ct);
        }
        catch (DbUpdateException)
        {
            // Stored meanwhile by another instance (without a shared lock): the platform's id is unique per channel.
            return Received.Duplicate;
        }
        _ = FollowAsync(platform, channel, message.SenderId, row.Id);
        return Received.Accepted;
    }

    /// <summary>
    /// Conversational consent (OCS ConsentFlowStage): a new conversation starts with the consent form's text and a question;
    /// nothing reaches the bot until the participant replies 1. Then the seed message greets them, or, without one, their
    /// first message is answered. The consent date is stored on the session.
    /// </summary>
    private async Task<Received> ConsentFlowAsync(ChannelCredentials channel, ChannelInbound message, Guid participantId, Guid? sessionId,
        string consent, CancellationToken ct)
    {
        if (sessionId is not { } pending)
        {
            var (fresh, _) = await runtime.StartChannelSessionAsync(channel.TeamId, channel.ChatbotId, participantId, message.Platform,
                channel.ChannelId, ct, awaitingConsent: true);
            routes.RememberParticipant(channel.TeamId, message.Platform, message.SenderId, participantId);
            await RecordHandledAsync(channel, fresh, message, ct);
            await runtime.StoreBotMessageAsync(channel.TeamId, fresh, $"{consent}\n\n{ConsentQuestion}", "consent", ct);
            return Received.Answered;
        }
        await RecordHandledAsync(channel, pending, message, ct);
        if (!string.Equals(message.Text.Trim(), ConsentAgreement, StringComparison.Ordinal))
        {
            await runtime.StoreBotMessageAsync(channel.TeamId, pending, ConsentReminder, "consent", ct);
            return Received.Answered;
        }
        if (await runtime.ConsentAsync(channel.TeamId, pending, ct))
        {
            return Received.Answered;   // the seed message's reply greets them
        }
        InboundMessage? first;
        await using (var db = await dbFactory.CreateForTeamAsync(channel.TeamId, ct))
        {
            first = await db.InboundMessages.AsNoTracking().Where(m => m.SessionId == pending && m.ChannelId == channel.ChannelId)
                .OrderBy(m => m.AcceptedAt).FirstOrDefaultAsync(ct);
        }
        if (first is null || first.Text.Trim().Length == 0 || first.Text.TrimStart().StartsWith('/'))
        {
            return Received.Answered;
        }
        var row = await inbox.AcceptAsync(channel.TeamId, pending, first.Text, first.AttachmentIds, channel.ChannelId, first.ExternalId + ":consented", ct);
        _ = FollowAsync(channels.Platform(channel.Kind)!, channel, message.SenderId, row.Id);
        return Received.Accepted;
    }

    /// <summary>The consent text when the channel asks for consent and the published version has a consent form; else null.</summary>
    private async Task<string?> ConsentTextAsync(ChannelCredentials channel, CancellationToken ct)
    {
        if (!string.Equals(channel.Setting(ConsentSetting), "on", StringComparison.Ordinal))
        {
            return null;
        }
        await using var db = await dbFactory.CreateForTeamAsync(channel.TeamId, ct);
        var text = await db.ChatbotVersions.Where(v => v.ChatbotId == channel.ChatbotId && v.IsPublished && v.ConsentFormId != null)
            .Join(db.ConsentForms, v => v.ConsentFormId, f => (Guid?)f.Id, (v, f) => f.ConsentText).FirstOrDefaultAsync(ct);
        return string.IsNullOrWhiteSpace(text) ? null : text.Trim();
    }

    private async Task<(Guid SessionId, bool Seeded)> StartAsync(ChannelCredentials channel, ChannelInbound message, Guid participantId, CancellationToken ct)
    {
        var started = await runtime.StartChannelSessionAsync(channel.TeamId, channel.ChatbotId, participantId, message.Platform, channel.ChannelId, ct);
        routes.RememberParticipant(channel.TeamId, message.Platform, message.SenderId, participantId);
        return started;
    }

    /// <summary>A message answered here rather than by the bot (a command, an unsupported type) is still recorded, so a redelivery is a duplicate.</summary>
    private async Task RecordHandledAsync(ChannelCredentials channel, Guid sessionId, ChannelInbound message, CancellationToken ct)
    {
        var now = clock.GetUtcNow().UtcDateTime;
        var row = new InboundMessage(channel.TeamId, sessionId, message.Text, [], channel.ChannelId, message.ExternalId, now)
        {
            Status = InboundStatus.Complete,
            FinishedAt = now,
        };
        await using var db = await dbFactory.CreateForTeamAsync(channel.TeamId, ct);
        db.InboundMessages.Add(row);
        try
        {
            await db.SaveChangesAsync(ct);
        }
        catch (DbUpdateException)
        {
            // Recorded by a concurrent delivery of the same message.
        }
    }

    private async Task<(string? Text, IReadOnlyList<int> Files)> TranscribeAsync(IMessagingPlatform platform, ChannelCredentials channel, Guid sessionId,
        ChannelInbound message, CancellationToken ct)
    {
        UploadedFile? audio = null;
        try
        {
            audio = message.Media.Count == 0 ? null : await platform.DownloadAsync(channel, message.Media[0], ct);
        }
        catch (Exception ex) when (ex is ChannelSendException or HttpRequestException or IOException)
        {
            LogDownloadFailed(ex, channel.ChannelId, message.ExternalId);
        }
        if (audio is null || audio.Content.LongLength > ChatAttachmentStore.MaxFileBytes)
        {
            return (null, []);
        }
        var (text, problem) = await transcriber.TranscribeAsync(channel, audio, ct);
        if (text is null)
        {
            LogTranscriptionFailed(channel.ChannelId, message.ExternalId, problem ?? "");
            return (null, []);
        }
        var saved = await attachments.SaveAsync(channel.TeamId, sessionId, [audio], ct, fromPlatform: true);
        return (text, saved.Succeeded ? saved.Value!.Select(a => a.Id).ToList() : []);
    }

    private async Task<IReadOnlyList<int>> DownloadAsync(IMessagingPlatform platform, ChannelCredentials channel, Guid sessionId,
        ChannelInbound message, CancellationToken ct)
    {
        var files = new List<UploadedFile>();
        foreach (var media in message.Media)
        {
            try
            {
                if (await platform.DownloadAsync(channel, media, ct) is { } file && file.Content.LongLength <= ChatAttachmentStore.MaxFileBytes)
                {
                    files.Add(file);
                }
            }
            catch (Exception ex) when (ex is ChannelSendException or HttpRequestException or IOException)
            {
                LogDownloadFailed(ex, channel.ChannelId, message.ExternalId);
            }
        }
        if (files.Count == 0)
        {
            return [];
        }
        var saved = await attachments.SaveAsync(channel.TeamId, sessionId, files, ct, fromPlatform: true);
        return saved.Succeeded ? saved.Value!.Select(a => a.Id).ToList() : [];
    }

    /// <summary>Shows the bot typing while the turn runs; tells the participant when it failed (the transcript has the details).</summary>
    private async Task FollowAsync(IMessagingPlatform platform, ChannelCredentials channel, string recipient, Guid inboundId)
    {
        try
        {
            if (inbox.Following(inboundId) is not { } turn)
            {
                return;
            }
            while (!turn.IsCompleted)
            {
                await platform.SendTypingAsync(channel, recipient, CancellationToken.None).ConfigureAwait(false);
                await Task.WhenAny(turn, Task.Delay(TypingInterval, clock)).ConfigureAwait(false);
            }
            if (await turn.ConfigureAwait(false) is not null)
            {
                await SendQuietlyAsync(platform, channel, recipient, FailedReply).ConfigureAwait(false);
            }
        }
        catch (Exception ex)
        {
            LogFollowFailed(ex, inboundId);
        }
    }

    /// <summary>
    /// A short notice from the channel itself (disabled, not allowed, reset…), sent in the background and not stored in
    /// the transcript.
    /// </summary>
    private void Reply(IMessagingPlatform platform, ChannelCredentials channel, string recipient, string text) =>
        _ = SendQuietlyAsync(platform, channel, recipient, text);

    private async Task SendQuietlyAsync(IMessagingPlatform platform, ChannelCredentials channel, string recipient, string text)
    {
        try
        {
            await platform.SendTextAsync(channel, recipient, text, windowOpen: true, CancellationToken.None).ConfigureAwait(false);
        }
        catch (Exception ex) when (ex is ChannelSendException or HttpRequestException)
        {
            LogNoticeFailed(ex, channel.ChannelId);
        }
    }

    private static bool IsCommand(string text, string command) =>
        string.Equals(text, command, StringComparison.OrdinalIgnoreCase)
        || text.StartsWith(command + "@", StringComparison.OrdinalIgnoreCase);   // Telegram's /reset@BotName

    /// <summary>A stable key for one participant's conversation on one channel: its messages are received in order.</summary>
    public static Guid ConversationKey(Guid channelId, string senderId)
    {
        Span<byte> hash = stackalloc byte[32];
        SHA256.HashData(Encoding.UTF8.GetBytes($"{channelId:N}|{senderId}"), hash);
        return new Guid(hash[..16]);
    }

    [LoggerMessage(Level = LogLevel.Warning, Message = "Webhook call for channel {ChannelId} could not be read")]
    private partial void LogUnreadable(Exception ex, Guid channelId);

    [LoggerMessage(Level = LogLevel.Warning, Message = "Webhook call for channel {ChannelId} refused ({Status})")]
    private partial void LogRefused(Guid channelId, int status);

    [LoggerMessage(Level = LogLevel.Information, Message = "Participant {ParticipantId} cannot be reached on channel {ChannelId} any more")]
    private partial void LogUnreachable(Guid channelId, Guid participantId);

    [LoggerMessage(Level = LogLevel.Warning, Message = "Could not fetch a file of message {ExternalId} on channel {ChannelId}")]
    private partial void LogDownloadFailed(Exception ex, Guid channelId, string externalId);

    [LoggerMessage(Level = LogLevel.Warning, Message = "Voice message {ExternalId} on channel {ChannelId} was not transcribed: {Problem}")]
    private partial void LogTranscriptionFailed(Guid channelId, string externalId, string problem);

    [LoggerMessage(Level = LogLevel.Error, Message = "Following inbound message {InboundId} failed")]
    private partial void LogFollowFailed(Exception ex, Guid inboundId);

    [LoggerMessage(Level = LogLevel.Warning, Message = "A notice on channel {ChannelId} could not be sent")]
    private partial void LogNoticeFailed(Exception ex, Guid channelId);
}
