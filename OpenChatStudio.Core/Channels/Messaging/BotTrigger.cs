using System.Text.Json.Nodes;
using Microsoft.EntityFrameworkCore;
using OpenChatStudio.Core.Chat;
using OpenChatStudio.Core.Common;
using OpenChatStudio.Core.Data;
using OpenChatStudio.Core.Participants;
using OpenChatStudio.Core.Pipelines.Execution;

namespace OpenChatStudio.Core.Channels.Messaging;

/// <summary>What <see cref="BotTrigger"/> is asked to do (OCS <c>trigger_bot</c>).</summary>
/// <param name="Platform">The participant's platform: telegram, whatsapp or sms.</param>
/// <param name="PromptText">An instruction: the bot writes the message (with the conversation's history).</param>
/// <param name="MessageText">A message sent word for word.</param>
public sealed record BotTriggerRequest(
    Guid ChatbotId,
    string Identifier,
    string Platform,
    string? PromptText,
    string? MessageText,
    bool StartNewSession,
    JsonObject? SessionData,
    JsonObject? ParticipantData);

public sealed record BotTriggerResult(Guid SessionId, ChannelKind Channel, Guid MessageId);

/// <summary>
/// Starts or continues a conversation with a participant on one of the chatbot's messaging channels and sends a bot
/// message there (OCS <c>POST /api/trigger_bot</c>): the way other systems reach a participant first.
/// </summary>
public sealed class BotTrigger(
    MessagingChannelService channels,
    ChatRuntime runtime,
    SessionWorkQueue queue,
    ParticipantDataWriter participantData,
    IDbContextFactory<AppDbContext> dbFactory,
    TimeProvider clock)
{
    public const int MaxTextLength = 20_000;

    /// <summary>The channel kinds that reach participants of each platform, the first connected one is used.</summary>
    public static IReadOnlyList<ChannelKind> KindsFor(string platform) => platform.Trim().ToLowerInvariant() switch
    {
        ParticipantPlatforms.Telegram => [ChannelKind.Telegram],
        ParticipantPlatforms.WhatsApp => [ChannelKind.WhatsAppMeta, ChannelKind.WhatsAppTwilio],
        ParticipantPlatforms.Sms => [ChannelKind.SmsTwilio],
        _ => [],
    };

    public async Task<Result<BotTriggerResult>> TriggerAsync(Guid teamId, BotTriggerRequest request, CancellationToken ct)
    {
        var prompt = request.PromptText?.Trim() ?? "";
        var text = request.MessageText?.Trim() ?? "";
        if ((prompt.Length > 0) == (text.Length > 0))
        {
            return Result<BotTriggerResult>.Fail("Give either prompt_text (the bot writes the message) or message_text (sent as it is), not both.");
        }
        if (prompt.Length > MaxTextLength || text.Length > MaxTextLength)
        {
            return Result<BotTriggerResult>.Fail($"The text is at most {MaxTextLength} characters.");
        }
        var identifier = request.Identifier?.Trim() ?? "";
        if (identifier.Length is 0 or > 200)
        {
            return Result<BotTriggerResult>.Fail("identifier is required (at most 200 characters).");
        }
        var kinds = KindsFor(request.Platform ?? "");
        if (kinds.Count == 0)
        {
            return Result<BotTriggerResult>.Fail("platform must be telegram, whatsapp or sms.");
        }
        Guid? channelId;
        ChannelKind kind;
        await using (var db = await dbFactory.CreateForTeamAsync(teamId, ct))
        {
            var found = await db.ChatbotChannels.AsNoTracking()
                .Where(c => c.ChatbotId == request.ChatbotId && kinds.Contains(c.Kind) && c.Enabled)
                .Select(c => new { c.Id, c.Kind }).ToListAsync(ct);
            var first = found.OrderBy(c => kinds.ToList().IndexOf(c.Kind)).FirstOrDefault();
            channelId = first?.Id;
            kind = first?.Kind ?? kinds[0];
        }
        if (channelId is null || await channels.FindAsync(channelId.Value, ct) is not { } channel || channels.Platform(kind) is not { } platform)
        {
            return Result<BotTriggerResult>.Fail($"This chatbot has no {request.Platform} channel that is switched on.");
        }
        identifier = platform.NormalizeRecipient(identifier);
        var participantPlatform = request.Platform!.Trim().ToLowerInvariant();
        var participantId = await runtime.ParticipantIdAsync(teamId, participantPlatform, identifier, null, ct);

        // In order with the participant's own messages on this channel (the same queue MessagingInbox uses).
        var sessionId = await queue.EnqueueAsync(MessagingInbox.ConversationKey(channel.ChannelId, identifier), async () =>
        {
            Guid? current;
            await using (var db = await dbFactory.CreateForTeamAsync(teamId, ct))
            {
                current = await db.ChatSessions
                    .Where(s => s.ChannelId == channel.ChannelId && s.ParticipantId == participantId && s.EndedAt == null)
                    .OrderByDescending(s => s.CreatedAt).Select(s => (Guid?)s.Id).FirstOrDefaultAsync(ct);
            }
            if (current is { } open && request.StartNewSession)
            {
                await runtime.EndSessionAsync(teamId, open, SessionEndReasons.Api, ct);
                current = null;
            }
            return current ?? (await runtime.StartChannelSessionAsync(teamId, request.ChatbotId, participantId, participantPlatform, channel.ChannelId, ct,
                runSeed: false)).SessionId;
        });

        if (request.SessionData is { Count: > 0 } state)
        {
            await MergeStateAsync(teamId, sessionId, state, ct);
        }
        if (request.ParticipantData is { Count: > 0 } data)
        {
            await using var db = await dbFactory.CreateForTeamAsync(teamId, ct);
            var write = await participantData.StageAsync(db, teamId, participantId, request.ChatbotId,
                data.Select(p => ParticipantDataChange.Set(p.Key, p.Value)).ToList(), ct);
            await participantData.SaveChangesAsync(db, write, ct);
        }
        var turn = prompt.Length > 0
            ? await runtime.SendBotMessageAsync(teamId, sessionId, prompt, "api", ct)
            : await runtime.StoreBotMessageAsync(teamId, sessionId, text, "api", ct);
        return turn.Reply is { } reply
            ? Result<BotTriggerResult>.Ok(new BotTriggerResult(sessionId, kind, reply.MessageId))
            : Result<BotTriggerResult>.Fail(turn.Error ?? "The chatbot produced no message.");
    }

    private Task MergeStateAsync(Guid teamId, Guid sessionId, JsonObject data, CancellationToken ct) =>
        queue.EnqueueAsync(sessionId, async () =>
        {
            await using var db = await dbFactory.CreateForTeamAsync(teamId, ct);
            var session = await db.ChatSessions.FirstAsync(s => s.Id == sessionId, ct);
            var state = JsonNode.Parse(session.StateJson) as JsonObject ?? [];
            foreach (var (key, value) in data)
            {
                state[key] = value?.DeepClone();
            }
            session.StateJson = state.ToJsonString();
            session.LastActivityAt = clock.GetUtcNow().UtcDateTime;
            await db.SaveChangesAsync(ct);
            return true;
        });
}
