using System.Diagnostics;
using System.Text.Json;
using System.Text.Json.Nodes;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.Logging;
using OpenChatStudio.Core.Chatbots;
using OpenChatStudio.Core.Common;
using OpenChatStudio.Core.Data;
using OpenChatStudio.Core.Email;
using OpenChatStudio.Core.Llm;
using OpenChatStudio.Core.Observability;
using OpenChatStudio.Core.Participants;
using OpenChatStudio.Core.Pipelines.Execution;
using OpenChatStudio.Core.Pipelines.Graph;
using OpenChatStudio.Core.Pipelines.Registry;
using OpenChatStudio.Core.Pipelines.Templates;
using OpenChatStudio.Core.Scheduling;
using OpenChatStudio.Core.Versions;

namespace OpenChatStudio.Core.Chat;

/// <summary>
/// The one entry point for every surface (preview, public page, widget, API, channels): process a message for a session.
/// Messages of one session run one at a time in arrival order. The human message is stored before the pipeline runs; the
/// reply, trace, usage, participant data and session state are stored together afterwards, so a crash mid-run loses no
/// inbound message and a retry is possible.
/// </summary>
public sealed partial class ChatRuntime(
    IDbContextFactory<AppDbContext> dbFactory,
    NodeRegistry registry,
    ILlmResolverFactory llm,
    IEmailSender email,
    ITemplateRenderer templates,
    TimeProvider clock,
    ParticipantDataProtector protector,
    ParticipantDataWriter participantData,
    SessionWorkQueue queue,
    PipelineCache cache,
    ChatbotSnapshotCache snapshots,
    ChatRoutes routes,
    IEnumerable<IChatEventSink> sinks,
    ILogger<ChatRuntime> logger,
    IScheduleSignal? scheduleSignal = null,
    ChatTelemetryOptions? telemetryOptions = null,
    IOutboundSignal? outboundSignal = null)
{
    private readonly ChatTelemetryOptions telemetry = telemetryOptions ?? new();

    public const string ResetCommand = "/reset";

    /// <summary>The error of an inbound message whose id is not in the inbox (it was not stored, and is not processed).</summary>
    public const string UnknownInboundError = "This message is not in the chat inbox, so it was not stored or processed. Send it again.";

    private static readonly JsonSerializerOptions TraceJson = new(JsonSerializerDefaults.Web);
    private readonly IChatEventSink[] _sinks = sinks.ToArray();

    public async Task<Participant> GetOrCreateParticipantAsync(Guid teamId, string platform, string identifier, string? name, Guid? userId, CancellationToken ct)
    {
        await using var db = await dbFactory.CreateForTeamAsync(teamId, ct);
        var participant = await db.Participants.FirstOrDefaultAsync(p => p.Platform == platform && p.Identifier == identifier, ct);
        if (participant is not null)
        {
            return participant;
        }
        participant = new Participant(teamId, platform, identifier, name) { UserId = userId };
        db.Participants.Add(participant);
        try
        {
            await db.SaveChangesAsync(ct);
            return participant;
        }
        catch (DbUpdateException)
        {
            // Created concurrently by another request: use that one.
            await using var again = await dbFactory.CreateForTeamAsync(teamId, ct);
            return await again.Participants.SingleAsync(p => p.Platform == platform && p.Identifier == identifier, ct);
        }
    }

    /// <summary>
    /// The participant's id, created when new (with <paramref name="name"/>), from memory once this process has seen it.
    /// </summary>
    public async Task<Guid> ParticipantIdAsync(Guid teamId, string platform, string identifier, string? name, CancellationToken ct)
    {
        if (routes.TryGetParticipant(teamId, platform, identifier, out var known))
        {
            return known;
        }
        var participant = await GetOrCreateParticipantAsync(teamId, platform, identifier, name, null, ct);
        routes.RememberParticipant(teamId, platform, identifier, participant.Id);
        return participant.Id;
    }

    /// <summary>
    /// Starts a session on <paramref name="version"/> (default: the working version); when that version has a seed message,
    /// the bot's reply to it is the first message. Throws <see cref="ChatbotUnavailableException"/> when the version cannot
    /// be served (e.g. nothing published yet).
    /// </summary>
    public async Task<SessionStart> StartSessionAsync(Guid teamId, Guid chatbotId, Guid participantId, string platform,
        Func<string, ValueTask>? onToken, CancellationToken ct, VersionChoice version = default) =>
        await StartSessionAsync(teamId, chatbotId, participantId, platform, onToken, ct, version, history: null);

    /// <summary>
    /// As <see cref="StartSessionAsync(Guid, Guid, Guid, string, Func{string, ValueTask}?, CancellationToken, VersionChoice)"/>,
    /// storing <paramref name="history"/> (earlier messages an API client sends) as the session's first transcript rows
    /// in the same save, so the next turn sees them as history. With a seed message, the history follows the seed's reply.
    /// </summary>
    public async Task<SessionStart> StartSessionAsync(Guid teamId, Guid chatbotId, Guid participantId, string platform,
        Func<string, ValueTask>? onToken, CancellationToken ct, VersionChoice version,
        IReadOnlyList<(MessageRole Role, string Content)>? history, ChatApiProof? apiProof = null) =>
        (await StartCoreAsync(teamId, chatbotId, participantId, platform, onToken, ct, version, history, apiProof)).Start;

    /// <summary>
    /// Starts a session with <paramref name="history"/> and sends <paramref name="text"/> as its first message (the
    /// OpenAI-compatible API: one call, one session). The first turn reuses what starting the session read and wrote instead
    /// of reading the session back.
    /// </summary>
    public async Task<(SessionStart Start, ChatTurn Turn)> StartAndSendAsync(Guid teamId, Guid chatbotId, Guid participantId,
        string platform, string text, Func<string, ValueTask>? onToken, CancellationToken ct, VersionChoice version,
        IReadOnlyList<(MessageRole Role, string Content)>? history)
    {
        var (start, fresh) = await StartCoreAsync(teamId, chatbotId, participantId, platform, null, ct, version, history, apiProof: null);
        var turn = await queue.EnqueueAsync(start.SessionId, () =>
            ProcessAsync(teamId, start.SessionId, text, hidden: false, retryOf: null, onToken, ct, extras: null, fresh: fresh));
        return (start, turn);
    }

    /// <summary>
    /// Creates the session; returns, besides the start, what its first turn needs to know when nothing ran in it yet (no
    /// seed message, history stored in the same save), so that turn need not read it back.
    /// </summary>
    private async Task<(SessionStart Start, TurnContext? Fresh)> StartCoreAsync(Guid teamId, Guid chatbotId, Guid participantId,
        string platform, Func<string, ValueTask>? onToken, CancellationToken ct, VersionChoice version,
        IReadOnlyList<(MessageRole Role, string Content)>? history, ChatApiProof? apiProof, Guid? channelId = null, bool awaitSeed = true,
        bool runSeed = true, SessionStatus status = SessionStatus.Active)
    {
        ChatbotSnapshot bot;
        ChatSession session;
        bool firstSession;
        TurnContext? fresh = null;
        var historyStored = false;
        await using (var db = await dbFactory.CreateForTeamAsync(teamId, ct))
        {
            // One round trip: the chatbot's stamp, the participant (and their data for this chatbot), and whether this is
            // their first session.
            var row = await db.Chatbots.Where(c => c.Id == chatbotId).Select(c => new
            {
                c.UpdatedAt,
                Published = db.ChatbotVersions.Where(v => v.ChatbotId == c.Id && v.IsPublished).Select(v => (Guid?)v.Id).FirstOrDefault(),
                Identifier = db.Participants.Where(p => p.Id == participantId).Select(p => p.Identifier).FirstOrDefault(),
                ParticipantPlatform = db.Participants.Where(p => p.Id == participantId).Select(p => p.Platform).FirstOrDefault(),
                ParticipantName = db.Participants.Where(p => p.Id == participantId).Select(p => p.Name).FirstOrDefault(),
                Data = db.ParticipantData.Where(d => d.ParticipantId == participantId && d.ChatbotId == chatbotId)
                    .Select(d => d.ProtectedData).FirstOrDefault(),
                HasSessions = db.ChatSessions.Any(s => s.ChatbotId == chatbotId && s.ParticipantId == participantId),
            }).FirstOrDefaultAsync(ct) ?? throw new KeyNotFoundException("No such chatbot in this team.");
            if (row.Identifier is null)
            {
                throw new KeyNotFoundException("No such participant in this team.");
            }
            var stamp = new ChatbotStamp(row.UpdatedAt, row.Published);
            var snapshot = await snapshots.ResolveAsync(db, chatbotId, version, stamp, ct);
            if (!snapshot.Succeeded)
            {
                throw new ChatbotUnavailableException(snapshot.Error!);
            }
            bot = snapshot.Value!;
            firstSession = !row.HasSessions;
            session = new ChatSession(teamId, chatbotId, participantId, platform, version)
            {
                LastActivityAt = clock.GetUtcNow().UtcDateTime,
                ApiProof = apiProof,
                ChannelId = channelId,
                Status = status,
            };
            db.ChatSessions.Add(session);
            if (history is { Count: > 0 } && string.IsNullOrWhiteSpace(bot.SeedMessage))
            {
                AddHistory(db, teamId, session.Id, 0, history);
                historyStored = true;
            }
            await db.SaveChangesAsync(ct);
            if (string.IsNullOrWhiteSpace(bot.SeedMessage) && (history is not { Count: > 0 } || historyStored))
            {
                db.Entry(session).State = EntityState.Detached;
                fresh = new TurnContext(session, new ParticipantDetails(row.Identifier, row.ParticipantPlatform ?? "", row.ParticipantName),
                    row.Data, stamp, historyStored ? history!.Count : 0);
            }
        }
        LogSessionStarted(session.Id, chatbotId, platform);
        var hasTriggers = HasTriggers(bot);
        if (firstSession)
        {
            await PublishAsync(new ChatEvent(ChatEventKind.ParticipantJoined, teamId, chatbotId, session.Id, participantId, platform, session.CreatedAt,
                HasTriggers: hasTriggers), ct);
        }
        await PublishAsync(new ChatEvent(ChatEventKind.SessionStarted, teamId, chatbotId, session.Id, participantId, platform, session.CreatedAt,
            HasTriggers: hasTriggers), ct);
        ChatTurn? seedTurn = null;
        if (runSeed && !string.IsNullOrWhiteSpace(bot.SeedMessage))
        {
            var seed = queue.EnqueueAsync(session.Id, () => ProcessAsync(teamId, session.Id, bot.SeedMessage, hidden: true, retryOf: null, onToken, ct));
            if (awaitSeed)
            {
                seedTurn = await seed;
            }
            else
            {
                // Queued ahead of the participant's first message; its reply is delivered by the channel.
                _ = seed.ContinueWith(t => LogSeedFailed(t.Exception!, session.Id), CancellationToken.None,
                    TaskContinuationOptions.OnlyOnFaulted | TaskContinuationOptions.ExecuteSynchronously, TaskScheduler.Default);
            }
        }
        if (history is { Count: > 0 } && !historyStored)
        {
            await ImportHistoryAsync(teamId, session.Id, history, ct);
        }
        return (new SessionStart(session.Id, participantId, seedTurn), fresh);
    }

    /// <summary>
    /// Starts a session on a messaging channel (Telegram, WhatsApp…) with the published version: the bot's messages in it
    /// are delivered through <paramref name="channelId"/>. A seed message is queued ahead of anything the participant sends
    /// and not waited for, so a webhook can answer the platform at once.
    /// </summary>
    /// <returns>The session, and whether a seed message was queued (its reply greets the participant).</returns>
    /// <param name="runSeed">False when the bot starts the conversation itself (trigger_bot): no seed message then.</param>
    /// <param name="awaitingConsent">The session waits for the participant's consent (<see cref="SessionStatus.Pending"/>, no seed yet).</param>
    public async Task<(Guid SessionId, bool Seeded)> StartChannelSessionAsync(Guid teamId, Guid chatbotId, Guid participantId, string platform,
        Guid channelId, CancellationToken ct, bool runSeed = true, bool awaitingConsent = false)
    {
        runSeed &= !awaitingConsent;
        var (start, fresh) = await StartCoreAsync(teamId, chatbotId, participantId, platform, null, ct, VersionChoice.Published,
            history: null, apiProof: null, channelId, awaitSeed: false, runSeed, awaitingConsent ? SessionStatus.Pending : SessionStatus.Active);
        // Without a seed message the first turn's context is known ("fresh"); with one, the seed runs first.
        return (start.SessionId, runSeed && fresh is null);
    }

    /// <summary>Processes a participant's message (or <c>/reset</c>) after any earlier message of the session.</summary>
    public Task<ChatTurn> SendAsync(Guid teamId, Guid sessionId, string text, Func<string, ValueTask>? onToken, CancellationToken ct) =>
        queue.EnqueueAsync(sessionId, () => string.Equals(text.Trim(), ResetCommand, StringComparison.OrdinalIgnoreCase)
            ? ResetAsync(teamId, sessionId, onToken, ct)
            : ProcessAsync(teamId, sessionId, text, hidden: false, retryOf: null, onToken, ct));

    /// <summary>
    /// As <see cref="SendAsync(Guid, Guid, string, Func{string, ValueTask}?, CancellationToken)"/>, for a message that came
    /// through the chat API's inbox: the human message records the inbound id and page context, and the uploaded
    /// attachments are linked to it in the same save. <c>/reset</c> is not interpreted here: a widget cannot follow a new
    /// session, so the text is an ordinary message.
    /// </summary>
    public Task<ChatTurn> SendAsync(Guid teamId, Guid sessionId, string text, Func<string, ValueTask>? onToken, CancellationToken ct,
        InboundDetails? inbound) =>
        inbound is null
            ? SendAsync(teamId, sessionId, text, onToken, ct)
            : queue.EnqueueAsync(sessionId, () => ProcessInboundAsync(teamId, sessionId, text, onToken, ct, inbound));

    /// <summary>
    /// A participant's message with files stored beforehand in the session's attachment store (<see cref="ChatAttachmentStore"/>),
    /// sent directly rather than through the chat API's inbox (the preview): the files are linked to the stored human
    /// message in the same save. There is no inbox row, so nothing is looked up in the inbox. <c>/reset</c> is not interpreted.
    /// </summary>
    public Task<ChatTurn> SendWithAttachmentsAsync(Guid teamId, Guid sessionId, string text, IReadOnlyList<int> attachmentIds,
        Func<string, ValueTask>? onToken, CancellationToken ct) =>
        queue.EnqueueAsync(sessionId, () => ProcessAsync(teamId, sessionId, text, hidden: false, retryOf: null, onToken, ct,
            new MessageExtras(null, attachmentIds, null)));

    /// <summary>
    /// An inbound message of the chat API. When it may have been handled already (recovered after a restart, or with
    /// several app instances, where another instance may have recovered it), the inbound row and the transcript are
    /// checked first, inside the session's lock: a stored and answered message is not run again, a stored but unanswered
    /// one is retried without storing it twice.
    /// </summary>
    private async Task<ChatTurn> ProcessInboundAsync(Guid teamId, Guid sessionId, string text, Func<string, ValueTask>? onToken,
        CancellationToken ct, InboundDetails inbound)
    {
        if (inbound.Recovering || queue.IsDistributed)
        {
            ChatMessage? human;
            int lastSequence;
            await using (var db = await dbFactory.CreateForTeamAsync(teamId, ct))
            {
                var status = await db.InboundMessages.Where(m => m.Id == inbound.InboundId).Select(m => (InboundStatus?)m.Status).FirstOrDefaultAsync(ct);
                if (status is null)
                {
                    // Not in the inbox (a caller made up the id): nothing was stored and nothing would be. Say so rather
                    // than report a turn that did nothing as handled.
                    return new ChatTurn(sessionId, null, null, UnknownInboundError);
                }
                if (status is not InboundStatus.Pending)
                {
                    return new ChatTurn(sessionId, null, null, null, AlreadyHandled: true);
                }
                var marker = inbound.InboundId.ToString();
                human = await db.ChatMessages.AsNoTracking()
                    .Where(m => m.SessionId == sessionId && m.Role == MessageRole.Human && m.MetadataJson.Contains(marker)).FirstOrDefaultAsync(ct);
                if (human is null)
                {
                    return await ProcessAsync(teamId, sessionId, text, hidden: false, retryOf: null, onToken, ct, MessageExtras.From(inbound));
                }
                // Its own reply: the output of the run whose input was this message (the next bot message in the transcript may
                // answer a later message another instance processed meanwhile).
                var reply = await db.RunTraces.Where(t => t.SessionId == sessionId && t.InputMessageId == human.Id && t.OutputMessageId != null)
                    .Select(t => t.OutputMessageId).FirstOrDefaultAsync(ct);
                if (reply is not null)
                {
                    return new ChatTurn(sessionId, human.Id, null, null, AlreadyHandled: true, ExistingReplyId: reply);
                }
                lastSequence = await db.ChatMessages.Where(m => m.SessionId == sessionId).MaxAsync(m => m.Sequence, ct);
            }
            return human.Sequence == lastSequence
                ? await ProcessAsync(teamId, sessionId, human.Content, human.Hidden, retryOf: human, onToken, ct)
                : new ChatTurn(sessionId, human.Id, null, "This message was not answered before later messages arrived. Send it again.");
        }
        return await ProcessAsync(teamId, sessionId, text, hidden: false, retryOf: null, onToken, ct, MessageExtras.From(inbound));
    }

    /// <summary>
    /// For an inbound message that will not be run again (a poison message): stores its human message if no attempt got
    /// that far, with its files and page context, so the transcript shows what the participant sent. Returns the human
    /// message's id, or null when the session is gone.
    /// </summary>
    public Task<Guid?> StoreUnansweredAsync(Guid teamId, Guid sessionId, string text, InboundDetails inbound, CancellationToken ct) =>
        queue.EnqueueAsync(sessionId, async () =>
        {
            await using var db = await dbFactory.CreateForTeamAsync(teamId, ct);
            var marker = inbound.InboundId.ToString();
            var stored = await db.ChatMessages.Where(m => m.SessionId == sessionId && m.Role == MessageRole.Human && m.MetadataJson.Contains(marker))
                .Select(m => (Guid?)m.Id).FirstOrDefaultAsync(ct);
            if (stored is not null)
            {
                return stored;
            }
            var session = await db.ChatSessions.FirstOrDefaultAsync(s => s.Id == sessionId, ct);
            if (session is null)
            {
                return null;
            }
            var sequence = await db.ChatMessages.Where(m => m.SessionId == sessionId).MaxAsync(m => (int?)m.Sequence, ct) ?? 0;
            var human = new ChatMessage(teamId, sessionId, sequence + 1, MessageRole.Human, text);
            db.ChatMessages.Add(human);
            await AttachExtrasAsync(db, human, MessageExtras.From(inbound), ct);
            session.LastActivityAt = clock.GetUtcNow().UtcDateTime;
            await db.SaveChangesAsync(ct);
            return (Guid?)human.Id;
        });

    /// <summary>Metadata key of a human message that will never be answered, with the reason (shown in the transcript).</summary>
    public const string NotAnsweredKey = "not_answered";

    /// <summary>
    /// Marks the unanswered last human message of sessions on <paramref name="platform"/> whose turn ran synchronously
    /// for a caller that is gone (the OpenAI-compatible API: the process died mid-call, so no reply will ever be written
    /// and nobody will retry). Only messages older than <paramref name="olderThan"/> count, so a call still running on
    /// another instance is left alone. Only sessions no inbox serves (<see cref="ChatSession.ApiProof"/> null).
    /// </summary>
    public async Task<int> MarkAbandonedTurnsAsync(string platform, TimeSpan olderThan, string reason, CancellationToken ct)
    {
        var cutoff = clock.GetUtcNow().UtcDateTime - olderThan;
        const string marker = "\"" + NotAnsweredKey + "\"";
        await using var db = await dbFactory.CreateDbContextAsync(ct);
        var abandoned = await db.ChatMessages.IgnoreQueryFilters()
            .Where(m => m.Role == MessageRole.Human && m.CreatedAt < cutoff && !m.MetadataJson.Contains(marker)
                && db.ChatSessions.IgnoreQueryFilters().Any(s => s.Id == m.SessionId && s.Platform == platform && s.ApiProof == null && s.EndedAt == null)
                && !db.ChatMessages.IgnoreQueryFilters().Any(n => n.SessionId == m.SessionId && n.Sequence > m.Sequence)
                // A run trace means the pipeline ran to an end (a provider or pipeline error, shown as such): not lost with the process.
                && !db.RunTraces.IgnoreQueryFilters().Any(t => t.InputMessageId == m.Id))
            .Take(1000).ToListAsync(ct);
        foreach (var message in abandoned)
        {
            var metadata = JsonNode.Parse(string.IsNullOrWhiteSpace(message.MetadataJson) ? "{}" : message.MetadataJson) as JsonObject ?? new JsonObject();
            metadata[NotAnsweredKey] = reason;
            message.MetadataJson = metadata.ToJsonString();
        }
        await db.SaveChangesAsync(ct);
        return abandoned.Count;
    }

    /// <summary>Runs the pipeline again for the last human message that has no reply (after a provider failure).</summary>
    public Task<ChatTurn> RetryAsync(Guid teamId, Guid sessionId, Func<string, ValueTask>? onToken, CancellationToken ct) =>
        queue.EnqueueAsync(sessionId, async () =>
        {
            await using var db = await dbFactory.CreateForTeamAsync(teamId, ct);
            var last = await db.ChatMessages.Where(m => m.SessionId == sessionId).OrderByDescending(m => m.Sequence).FirstOrDefaultAsync(ct);
            return last is { Role: MessageRole.Human }
                ? await ProcessAsync(teamId, sessionId, last.Content, last.Hidden, retryOf: last, onToken, ct)
                : new ChatTurn(sessionId, null, null, "There is no unanswered message to retry.");
        });

    /// <summary>
    /// Stores earlier messages (e.g. the conversation an API client sends) as transcript rows after any message of the
    /// session, without running the pipeline, so the next turn sees them as history.
    /// </summary>
    public Task ImportHistoryAsync(Guid teamId, Guid sessionId, IEnumerable<(MessageRole Role, string Content)> messages, CancellationToken ct)
    {
        var list = messages.ToList();
        return queue.EnqueueAsync(sessionId, async () =>
        {
            await using var db = await dbFactory.CreateForTeamAsync(teamId, ct);
            var session = await db.ChatSessions.FirstOrDefaultAsync(s => s.Id == sessionId, ct)
                ?? throw new KeyNotFoundException("No such session in this team.");
            var sequence = await db.ChatMessages.Where(m => m.SessionId == sessionId).MaxAsync(m => (int?)m.Sequence, ct) ?? 0;
            AddHistory(db, teamId, sessionId, sequence, list);
            session.LastActivityAt = clock.GetUtcNow().UtcDateTime;
            await db.SaveChangesAsync(ct);
            return list.Count;
        });
    }

    public async Task<IReadOnlyList<TranscriptMessage>> GetTranscriptAsync(Guid teamId, Guid sessionId, CancellationToken ct)
    {
        await using var db = await dbFactory.CreateForTeamAsync(teamId, ct);
        var traces = await db.RunTraces.Where(t => t.SessionId == sessionId && t.OutputMessageId != null)
            .Select(t => new { t.Id, t.OutputMessageId }).ToListAsync(ct);
        var byMessage = traces.ToDictionary(t => t.OutputMessageId!.Value, t => t.Id);
        var messages = await db.ChatMessages.Where(m => m.SessionId == sessionId).OrderBy(m => m.Sequence).ToListAsync(ct);
        return messages.Select(m => new TranscriptMessage(m.Id, m.Sequence, m.Role, m.Content, m.Hidden, m.CreatedAt,
            byMessage.TryGetValue(m.Id, out var t) ? t : null)).ToList();
    }

    public async Task<IReadOnlyList<NodeTrace>> GetTraceAsync(Guid teamId, Guid traceId, CancellationToken ct)
    {
        await using var db = await dbFactory.CreateForTeamAsync(teamId, ct);
        var json = await db.RunTraces.Where(t => t.Id == traceId).Select(t => t.NodesJson).FirstOrDefaultAsync(ct);
        return json is null ? [] : JsonSerializer.Deserialize<List<NodeTrace>>(json, TraceJson) ?? [];
    }

    /// <summary>
    /// Ends a session (reason: user, bot, api, event, manual, reset…) and publishes <see cref="ChatEventKind.SessionEnded"/>.
    /// Ending an ended session changes nothing.
    /// </summary>
    public async Task<ChatSession> EndSessionAsync(Guid teamId, Guid sessionId, string reason, CancellationToken ct)
    {
        ChatSession session;
        bool changed;
        await using (var db = await dbFactory.CreateForTeamAsync(teamId, ct))
        {
            session = await db.ChatSessions.FirstOrDefaultAsync(s => s.Id == sessionId, ct)
                ?? throw new KeyNotFoundException("No such session in this team.");
            changed = !session.IsEnded;
            session.End(reason, clock.GetUtcNow().UtcDateTime);
            await db.SaveChangesAsync(ct);
        }
        if (changed)
        {
            await PublishAsync(new ChatEvent(ChatEventKind.SessionEnded, teamId, session.ChatbotId, sessionId, session.ParticipantId,
                session.Platform, session.EndedAt!.Value, EndReason: reason), ct);
        }
        return session;
    }

    /// <summary>
    /// A message the bot starts (OCS ad_hoc_bot_message): the session's version's pipeline runs with
    /// <paramref name="instruction"/> as an instruction (not stored as a participant message) and the conversation's
    /// history; the reply is stored as a bot message (metadata <c>origin</c>) and <see cref="ChatEventKind.BotMessage"/> is
    /// published. Queued behind the session's other messages. Used by scheduled messages and event actions.
    /// </summary>
    public Task<ChatTurn> SendBotMessageAsync(Guid teamId, Guid sessionId, string instruction, string origin, CancellationToken ct) =>
        queue.EnqueueAsync(sessionId, async () =>
        {
            // Never run inline in the caller (the queue starts work synchronously; SQLite's "async" I/O completes synchronously).
            await Task.Yield();
            var started = Stopwatch.GetTimestamp();
            TurnContext turn;
            Result<ChatbotSnapshot> snapshot;
            await using (var db = await dbFactory.CreateForTeamAsync(teamId, ct))
            {
                turn = await LoadTurnAsync(db, sessionId, ct) ?? throw new KeyNotFoundException("No such session in this team.");
                if (turn.Session.IsEnded)
                {
                    return new ChatTurn(sessionId, null, null, "This session has ended.", SessionEnded: true);
                }
                snapshot = await snapshots.ResolveAsync(db, turn.Session.ChatbotId, turn.Session.Version, turn.Stamp, ct);
            }
            if (!snapshot.Succeeded)
            {
                return new ChatTurn(sessionId, null, null, snapshot.Error);
            }
            var bot = snapshot.Value!;
            var session = turn.Session;
            var (result, error) = await RunOnceAsync(teamId, bot, turn, BotInstruction(instruction), ct);
            await using (var db = await dbFactory.CreateForTeamAsync(teamId, ct))
            {
                // A bot-initiated run has no input message: its trace's input id is empty.
                var trace = new RunTrace(teamId, sessionId, Guid.Empty)
                {
                    NodesJson = JsonSerializer.Serialize(result?.Trace ?? [], TraceJson),
                    DurationMs = Stopwatch.GetElapsedTime(started).TotalMilliseconds,
                    InputTokens = result?.InputTokens ?? 0,
                    OutputTokens = result?.OutputTokens ?? 0,
                    Cost = result?.Cost ?? 0,
                    Error = error,
                    FailedNodeId = result?.FailedNodeId,
                };
                db.RunTraces.Add(trace);
                if (error is not null || string.IsNullOrEmpty(result?.Reply))
                {
                    await db.SaveChangesAsync(ct);
                    return new ChatTurn(sessionId, null, null, error ?? "The chatbot produced no message.");
                }
                // The session's queue runs one piece of work at a time, so nothing else has added a message since the load.
                var ai = new ChatMessage(teamId, sessionId, turn.LastSequence + 1, MessageRole.Ai, result.Reply)
                {
                    MetadataJson = new JsonObject { ["trace_id"] = trace.Id.ToString(), ["origin"] = origin }.ToJsonString(),
                    VersionNumber = bot.VersionNumber,
                };
                db.ChatMessages.Add(ai);
                trace.OutputMessageId = ai.Id;
                QueueDelivery(db, session, ai);
                var dataWrite = await StageParticipantDataAsync(db, teamId, session.ParticipantId, session.ChatbotId, result.State, ct);
                db.ChatSessions.Attach(session);
                session.LastActivityAt = clock.GetUtcNow().UtcDateTime;
                await participantData.SaveChangesAsync(db, dataWrite, ct);
                SignalDelivery(session);
                await PublishAsync(new ChatEvent(ChatEventKind.BotMessage, teamId, session.ChatbotId, sessionId, session.ParticipantId, session.Platform,
                    ai.CreatedAt, ai.Id, HasTriggers: HasTriggers(bot)), ct);
                return new ChatTurn(sessionId, null, new ChatReply(ai.Id, ai.Content, trace.Id, result.Trace, []), null);
            }
        });

    /// <summary>
    /// Records the participant's consent on a session waiting for it (conversational consent) and makes it active; then
    /// queues the chatbot's seed message, if it has one. Returns whether a seed message was queued.
    /// </summary>
    public async Task<bool> ConsentAsync(Guid teamId, Guid sessionId, CancellationToken ct)
    {
        string? seed;
        await using (var db = await dbFactory.CreateForTeamAsync(teamId, ct))
        {
            var turn = await LoadTurnAsync(db, sessionId, ct) ?? throw new KeyNotFoundException("No such session in this team.");
            var now = clock.GetUtcNow().UtcDateTime;
            await db.ChatSessions.Where(s => s.Id == sessionId && s.Status == SessionStatus.Pending)
                .ExecuteUpdateAsync(u => u.SetProperty(s => s.Status, SessionStatus.Active).SetProperty(s => s.ConsentedAt, now), ct);
            var snapshot = await snapshots.ResolveAsync(db, turn.Session.ChatbotId, turn.Session.Version, turn.Stamp, ct);
            seed = snapshot.Value?.SeedMessage;
        }
        if (string.IsNullOrWhiteSpace(seed))
        {
            return false;
        }
        _ = queue.EnqueueAsync(sessionId, () => ProcessAsync(teamId, sessionId, seed, hidden: true, retryOf: null, null, ct))
            .ContinueWith(t => LogSeedFailed(t.Exception!, sessionId), CancellationToken.None,
                TaskContinuationOptions.OnlyOnFaulted | TaskContinuationOptions.ExecuteSynchronously, TaskScheduler.Default);
        return true;
    }

    /// <summary>
    /// Stores <paramref name="text"/> word for word as a bot message (metadata <c>origin</c>), after the session's other
    /// messages, and queues it for delivery when the session is on a messaging channel (OCS trigger_bot's message_text).
    /// </summary>
    public Task<ChatTurn> StoreBotMessageAsync(Guid teamId, Guid sessionId, string text, string origin, CancellationToken ct) =>
        queue.EnqueueAsync(sessionId, async () =>
        {
            await Task.Yield();
            await using var db = await dbFactory.CreateForTeamAsync(teamId, ct);
            var session = await db.ChatSessions.FirstOrDefaultAsync(s => s.Id == sessionId, ct)
                ?? throw new KeyNotFoundException("No such session in this team.");
            if (session.IsEnded)
            {
                return new ChatTurn(sessionId, null, null, "This session has ended.", SessionEnded: true);
            }
            var sequence = await db.ChatMessages.Where(m => m.SessionId == sessionId).MaxAsync(m => (int?)m.Sequence, ct) ?? 0;
            var ai = new ChatMessage(teamId, sessionId, sequence + 1, MessageRole.Ai, text)
            {
                MetadataJson = new JsonObject { ["origin"] = origin }.ToJsonString(),
            };
            db.ChatMessages.Add(ai);
            QueueDelivery(db, session, ai);
            session.LastActivityAt = clock.GetUtcNow().UtcDateTime;
            await db.SaveChangesAsync(ct);
            SignalDelivery(session);
            await PublishAsync(new ChatEvent(ChatEventKind.BotMessage, teamId, session.ChatbotId, sessionId, session.ParticipantId, session.Platform,
                ai.CreatedAt, ai.Id), ct);
            return new ChatTurn(sessionId, null, new ChatReply(ai.Id, ai.Content, Guid.Empty, [], []), null);
        });

    /// <summary>
    /// Runs <paramref name="chatbotId"/>'s pipeline (published, else working version) once with <paramref name="input"/> in
    /// the context of <paramref name="sessionId"/>, storing nothing; returns its output (event action "start pipeline").
    /// </summary>
    public async Task<(string? Output, string? Error)> RunPipelineAsync(Guid teamId, Guid chatbotId, Guid sessionId, string input, CancellationToken ct)
    {
        TurnContext turn;
        Result<ChatbotSnapshot> snapshot;
        await using (var db = await dbFactory.CreateForTeamAsync(teamId, ct))
        {
            if (!await db.Chatbots.AnyAsync(c => c.Id == chatbotId, ct))
            {
                throw new KeyNotFoundException("No such chatbot in this team.");
            }
            turn = await LoadTurnAsync(db, sessionId, ct, dataFor: chatbotId) ?? throw new KeyNotFoundException("No such session in this team.");
            var stamp = await ChatbotSnapshotCache.StampQuery(db, chatbotId).FirstAsync(ct);
            snapshot = await snapshots.ResolveAsync(db, chatbotId, VersionChoice.PublishedOrWorking, stamp, ct);
        }
        if (!snapshot.Succeeded)
        {
            return (null, snapshot.Error);
        }
        var (result, error) = await RunOnceAsync(teamId, snapshot.Value!, turn, input, ct);
        return (result?.Reply, error);
    }

    private static string BotInstruction(string prompt) =>
        "[Instruction from the system, not a message from the participant: write the next message to the participant now, "
        + "following the conversation so far.] " + prompt;

    private async Task<(PipelineRunResult? Result, string? Error)> RunOnceAsync(Guid teamId, ChatbotSnapshot bot, TurnContext turn,
        string input, CancellationToken ct)
    {
        var session = turn.Session;
        var state = NewRunState(input, turn);
        var services = NewServices(teamId);
        var executor = new PipelineExecutor(registry, services, logger);
        var context = new PipelineRunContext(teamId, bot.ChatbotId, session.Id, session.ParticipantId);
        try
        {
            var compiled = cache.GetOrCompile(bot.CacheKey.Id, bot.CacheKey.Revision, bot.PipelineJson, executor);
            var result = await executor.RunAsync(compiled, state, context, null, ct);
            return (result, result.Error);
        }
        catch (PipelineValidationException ex)
        {
            return (null, "This chatbot's pipeline has problems and cannot run: " + string.Join("; ", ex.Errors.Select(e => e.Message)));
        }
        catch (JsonException ex)
        {
            return (null, "This chatbot's pipeline could not be read: " + ex.Message);
        }
    }

    private async Task PublishAsync(ChatEvent chatEvent, CancellationToken ct)
    {
        foreach (var sink in _sinks)
        {
            try
            {
                await sink.OnChatEventAsync(chatEvent, ct);
            }
            catch (Exception ex) when (ex is not OperationCanceledException)
            {
                LogSinkFailed(ex, sink.GetType().Name, chatEvent.Kind, chatEvent.SessionId);
            }
        }
    }

    private async Task<ChatTurn> ResetAsync(Guid teamId, Guid sessionId, Func<string, ValueTask>? onToken, CancellationToken ct)
    {
        var old = await EndSessionAsync(teamId, sessionId, SessionEndReasons.Reset, ct);
        var started = await StartSessionAsync(teamId, old.ChatbotId, old.ParticipantId, old.Platform, onToken, ct, old.Version);
        return new ChatTurn(sessionId, null, started.Seed?.Reply, started.Seed?.Error, SessionEnded: true, NewSessionId: started.SessionId);
    }

    /// <summary>One turn, as a span (<see cref="ChatTelemetry"/>) with the turn's outcome counted and timed.</summary>
    private async Task<ChatTurn> ProcessAsync(Guid teamId, Guid sessionId, string text, bool hidden, ChatMessage? retryOf,
        Func<string, ValueTask>? onToken, CancellationToken ct, MessageExtras? extras = null, TurnContext? fresh = null)
    {
        // Everything logged during the turn (the engine's crashes with their stack included) carries these ids.
        using var logScope = logger.BeginScope(new Dictionary<string, object?>
        {
            ["TeamId"] = teamId, ["SessionId"] = sessionId, ["InboundId"] = extras?.InboundId,
        });
        using var activity = ChatTelemetry.Source.StartActivity("chat turn");
        activity?.SetTag(ChatTelemetry.TeamId, teamId.ToString());
        activity?.SetTag(ChatTelemetry.SessionId, sessionId.ToString());
        if (activity is not null && telemetry.IncludeContent)
        {
            activity.SetTag(ChatTelemetry.Input, text);
        }
        var started = Stopwatch.GetTimestamp();
        var outcome = nameof(TurnOutcome.Failed);
        try
        {
            var turn = await ProcessTurnAsync(teamId, sessionId, text, hidden, retryOf, onToken, ct, extras, fresh);
            outcome = turn.Outcome.ToString();
            if (turn.Outcome != TurnOutcome.Replied)
            {
                ChatTelemetry.Fail(activity, outcome);
            }
            else if (activity is not null && telemetry.IncludeContent)
            {
                activity.SetTag(ChatTelemetry.Output, turn.Reply!.Content);
            }
            return turn;
        }
        catch (Exception ex)
        {
            ChatTelemetry.Fail(activity, ex.GetType().Name);
            throw;
        }
        finally
        {
            activity?.SetTag(ChatTelemetry.Outcome, outcome);
            var tags = new TagList { { ChatTelemetry.Outcome, outcome } };
            ChatTelemetry.Turns.Add(1, tags);
            ChatTelemetry.TurnDuration.Record(Stopwatch.GetElapsedTime(started).TotalSeconds, tags);
        }
    }

    private async Task<ChatTurn> ProcessTurnAsync(Guid teamId, Guid sessionId, string text, bool hidden, ChatMessage? retryOf,
        Func<string, ValueTask>? onToken, CancellationToken ct, MessageExtras? extras, TurnContext? fresh)
    {
        var started = Stopwatch.GetTimestamp();
        TurnContext turn;
        ChatMessage human;
        Result<ChatbotSnapshot> snapshot;
        IReadOnlyList<PipelineAttachment> attachments = [];

        // 1. Store the human message first: whatever happens next, it is not lost. (One query loads the session, its
        //    participant, the participant's data, the chatbot's stamp and the last sequence number.)
        await using (var db = await dbFactory.CreateForTeamAsync(teamId, ct))
        {
            // A session this runtime has just started (StartAndSendAsync) is not read back.
            turn = fresh ?? await LoadTurnAsync(db, sessionId, ct) ?? throw new KeyNotFoundException("No such session in this team.");
            if (turn.Session.IsEnded)
            {
                return new ChatTurn(sessionId, null, null, "This session has ended. Start a new one (send /reset).", SessionEnded: true);
            }
            snapshot = await snapshots.ResolveAsync(db, turn.Session.ChatbotId, turn.Session.Version, turn.Stamp, ct);
            if (Activity.Current is { } span)
            {
                span.SetTag(ChatTelemetry.ChatbotId, turn.Session.ChatbotId.ToString());
                span.SetTag(ChatTelemetry.ChatbotVersion, snapshot.Value?.VersionNumber?.ToString() ?? "working");
                span.SetTag(ChatTelemetry.Platform, turn.Session.Platform);
            }
            if (retryOf is null)
            {
                human = new ChatMessage(teamId, sessionId, turn.LastSequence + 1, MessageRole.Human, text, hidden);
                db.ChatMessages.Add(human);
                if (extras is not null)
                {
                    attachments = await AttachExtrasAsync(db, human, extras, ct);
                }
                db.ChatSessions.Attach(turn.Session);
                turn.Session.LastActivityAt = clock.GetUtcNow().UtcDateTime;
                await db.SaveChangesAsync(ct);
                turn = turn with { LastSequence = human.Sequence };
            }
            else
            {
                human = retryOf;
                attachments = await LoadAttachmentsAsync(db, retryOf.Id, ct);
            }
        }
        var session = turn.Session;
        bool? hasTriggers = snapshot.Succeeded ? HasTriggers(snapshot.Value!) : null;
        if (retryOf is null && !hidden)
        {
            await PublishAsync(new ChatEvent(ChatEventKind.HumanMessage, teamId, session.ChatbotId, sessionId, session.ParticipantId, session.Platform,
                human.CreatedAt, human.Id, HasTriggers: hasTriggers), ct);
        }
        if (!snapshot.Succeeded)
        {
            return new ChatTurn(sessionId, human.Id, null, snapshot.Error);
        }
        var bot = snapshot.Value!;

        // 2. Run the pipeline.
        var state = NewRunState(text, turn, attachments);
        var executor = new PipelineExecutor(registry, NewServices(teamId), logger);
        var context = new PipelineRunContext(teamId, session.ChatbotId, sessionId, session.ParticipantId);
        PipelineRunResult? result = null;
        string? error;
        try
        {
            var compiled = cache.GetOrCompile(bot.CacheKey.Id, bot.CacheKey.Revision, bot.PipelineJson, executor);
            result = await executor.RunAsync(compiled, state, context, onToken, ct);
            error = result.Error;
        }
        catch (PipelineValidationException ex)
        {
            error = "This chatbot's pipeline has problems and cannot run: " + string.Join("; ", ex.Errors.Select(e => e.Message));
        }
        catch (JsonException ex)
        {
            error = "This chatbot's pipeline could not be read: " + ex.Message;
        }

        // 3. Store the outcome together, in one save.
        await using (var db = await dbFactory.CreateForTeamAsync(teamId, ct))
        {
            var trace = new RunTrace(teamId, sessionId, human.Id)
            {
                NodesJson = JsonSerializer.Serialize(result?.Trace ?? [], TraceJson),
                DurationMs = Stopwatch.GetElapsedTime(started).TotalMilliseconds,
                InputTokens = result?.InputTokens ?? 0,
                OutputTokens = result?.OutputTokens ?? 0,
                Cost = result?.Cost ?? 0,
                Error = error,
                FailedNodeId = result?.FailedNodeId,
            };
            db.RunTraces.Add(trace);
            foreach (var node in result?.Trace ?? [])
            {
                foreach (var call in node.LlmCalls)
                {
                    db.UsageRecords.Add(new UsageRecord(teamId, sessionId, trace.Id, node.NodeId, call.Model, call.InputTokens, call.OutputTokens, call.Cost));
                }
            }
            if (error is not null || result?.Reply is null)
            {
                await db.SaveChangesAsync(ct);
                LogRunFailed(sessionId, result?.FailedNodeId, error);
                return new ChatTurn(sessionId, human.Id, null, error ?? "The chatbot produced no reply.");
            }

            // The session's queue runs one piece of work at a time: nothing else has added a message since step 1 (a
            // retry answers the last message, which is the human one).
            var sequence = (retryOf?.Sequence ?? turn.LastSequence) + 1;
            var tags = result.State.MessageTags.Select(t => new JsonObject { ["tag"] = t.Tag, ["category"] = t.Category }).ToArray<JsonNode?>();
            var ai = new ChatMessage(teamId, sessionId, sequence, MessageRole.Ai, result.Reply)
            {
                TagsJson = tags.Length == 0 ? "[]" : new JsonArray(tags).ToJsonString(),
                MetadataJson = new JsonObject { ["trace_id"] = trace.Id.ToString(), ["aborted"] = result.Aborted }.ToJsonString(),
                VersionNumber = bot.VersionNumber,
            };
            db.ChatMessages.Add(ai);
            trace.OutputMessageId = ai.Id;
            QueueDelivery(db, session, ai);
            // Participant data: this turn's changes go on top of the data stored now (another session of the participant
            // may have saved since this turn read it), with a version check and retry, never the snapshot read in step 1.
            var dataWrite = await StageParticipantDataAsync(db, teamId, session.ParticipantId, session.ChatbotId, result.State, ct);
            // New pipeline tags join the tags stored now (read again: a reviewer may have tagged the session while the
            // pipeline ran), not the copy loaded at the start of the turn.
            var storedTags = result.State.SessionTags.Count > 0
                ? await db.ChatSessions.Where(s => s.Id == sessionId).Select(s => s.TagsJson).FirstAsync(ct)
                : null;
            db.ChatSessions.Attach(session);
            if (storedTags is not null)
            {
                var existing = JsonSerializer.Deserialize<List<string>>(storedTags) ?? [];
                session.TagsJson = JsonSerializer.Serialize(existing.Union(result.State.SessionTags).ToList());
            }
            if (result.State.SessionStateChanged)
            {
                session.StateJson = result.State.SessionStateSnapshot().ToJsonString();
            }
            session.LastActivityAt = clock.GetUtcNow().UtcDateTime;
            var ended = result.State.HasIntent(PipelineRunState.EndSessionIntent);
            if (ended)
            {
                session.End(SessionEndReasons.Bot, clock.GetUtcNow().UtcDateTime);
            }
            await participantData.SaveChangesAsync(db, dataWrite, ct);
            SignalDelivery(session);
            await PublishAsync(new ChatEvent(ChatEventKind.BotMessage, teamId, session.ChatbotId, sessionId, session.ParticipantId, session.Platform,
                ai.CreatedAt, ai.Id, HasTriggers: hasTriggers), ct);
            if (ended)
            {
                await PublishAsync(new ChatEvent(ChatEventKind.SessionEnded, teamId, session.ChatbotId, sessionId, session.ParticipantId, session.Platform,
                    session.EndedAt!.Value, EndReason: SessionEndReasons.Bot, HasTriggers: hasTriggers), ct);
            }
            return new ChatTurn(sessionId, human.Id,
                new ChatReply(ai.Id, ai.Content, trace.Id, result.Trace, result.State.MessageTags.Select(t => t.Tag).ToList()),
                null, SessionEnded: ended);
        }
    }

    /// <summary>
    /// A bot message of a session on a messaging channel is queued for delivery in the same save that stores it
    /// (<see cref="OutboundMessage"/>), so no reply is stored without being sent.
    /// </summary>
    private void QueueDelivery(AppDbContext db, ChatSession session, ChatMessage ai)
    {
        if (session.ChannelId is { } channelId)
        {
            db.OutboundMessages.Add(new OutboundMessage(session.TeamId, session.Id, ai.Id, channelId, clock.GetUtcNow().UtcDateTime));
        }
    }

    private void SignalDelivery(ChatSession session)
    {
        if (session.ChannelId is not null)
        {
            outboundSignal?.Queued(session.Id);
        }
    }

    /// <summary>The run's participant-data changes, staged in <paramref name="db"/> (null when it changed nothing).</summary>
    private async Task<ParticipantDataWrite?> StageParticipantDataAsync(AppDbContext db, Guid teamId, Guid participantId, Guid chatbotId,
        PipelineRunState state, CancellationToken ct)
    {
        var changes = state.ParticipantDataChanges;
        return changes.Count == 0 ? null : await participantData.StageAsync(db, teamId, participantId, chatbotId, changes, ct);
    }

    private static void AddHistory(AppDbContext db, Guid teamId, Guid sessionId, int lastSequence,
        IEnumerable<(MessageRole Role, string Content)> messages)
    {
        foreach (var (role, content) in messages)
        {
            db.ChatMessages.Add(new ChatMessage(teamId, sessionId, ++lastSequence, role, content));
        }
    }

    /// <summary>What one turn needs to know about its session, read in a single query.</summary>
    private sealed record TurnContext(ChatSession Session, ParticipantDetails Participant, string? ProtectedData, ChatbotStamp Stamp, int LastSequence);

    /// <summary>
    /// The session (detached: attach it to save changes), its participant, the participant's data for
    /// <paramref name="dataFor"/> (default: the session's chatbot), the chatbot's stamp and the session's last sequence
    /// number, in one round trip. <c>null</c> when the session is not in the team.
    /// </summary>
    private static async Task<TurnContext?> LoadTurnAsync(AppDbContext db, Guid sessionId, CancellationToken ct, Guid? dataFor = null)
    {
        var row = await LoadTurnQuery(db, sessionId, dataFor, ct);
        if (row?.UpdatedAt is null)
        {
            return null;
        }
        return new TurnContext(row.Session, new ParticipantDetails(row.Identifier, row.Platform, row.Name),
            row.Data, new ChatbotStamp(row.UpdatedAt.Value, row.Published), row.LastSequence ?? 0);
    }

    private sealed record TurnRow(ChatSession Session, string Identifier, string Platform, string? Name, string? Data, DateTime? UpdatedAt,
        Guid? Published, int? LastSequence);

    /// <summary>Compiled once: every turn runs it, and translating the expression again cost a sixth of the read.</summary>
    private static readonly Func<AppDbContext, Guid, Guid?, CancellationToken, Task<TurnRow?>> LoadTurnQuery =
        EF.CompileAsyncQuery((AppDbContext db, Guid sessionId, Guid? dataFor, CancellationToken ct) => (
            from s in db.ChatSessions.AsNoTracking()
            join p in db.Participants on s.ParticipantId equals p.Id
            where s.Id == sessionId
            select new TurnRow(
                s,
                p.Identifier,
                p.Platform,
                p.Name,
                db.ParticipantData.Where(d => d.ParticipantId == s.ParticipantId && d.ChatbotId == (dataFor ?? s.ChatbotId))
                    .Select(d => d.ProtectedData).FirstOrDefault(),
                db.Chatbots.Where(c => c.Id == s.ChatbotId).Select(c => (DateTime?)c.UpdatedAt).FirstOrDefault(),
                db.ChatbotVersions.Where(v => v.ChatbotId == s.ChatbotId && v.IsPublished).Select(v => (Guid?)v.Id).FirstOrDefault(),
                db.ChatMessages.Where(m => m.SessionId == s.Id).Max(m => (int?)m.Sequence))).FirstOrDefault());

    private PipelineRunState NewRunState(string input, TurnContext turn, IReadOnlyList<PipelineAttachment>? attachments = null)
    {
        var participantData = turn.ProtectedData is null ? new JsonObject() : protector.Unprotect(turn.ProtectedData);
        var sessionState = turn.Session.StateJson is "{}" or "" ? new JsonObject() : JsonNode.Parse(turn.Session.StateJson) as JsonObject ?? new JsonObject();
        return new PipelineRunState(input, participantData, sessionState, turn.Participant) { Attachments = attachments ?? [] };
    }

    private PipelineServices NewServices(Guid teamId) =>
        new(llm.ForTeam(teamId), new DbChatHistoryStore(dbFactory, teamId), email, templates, clock,
            new DbPipelineResources(dbFactory, teamId), new DbReminderStore(dbFactory, teamId, clock, scheduleSignal, protector));

    /// <summary>Whether event triggers could fire for this version (lets the event engine skip the rest).</summary>
    private static bool HasTriggers(ChatbotSnapshot bot) => bot.TriggersJson is not ("[]" or "" or "null");

    /// <summary>The files sent with a stored human message (a retry runs with them again).</summary>
    private static async Task<IReadOnlyList<PipelineAttachment>> LoadAttachmentsAsync(AppDbContext db, Guid messageId, CancellationToken ct) =>
        (await db.ChatAttachments.Where(a => a.MessageId == messageId).OrderBy(a => a.Id).ToListAsync(ct))
            .ConvertAll(ForPipeline);

    private static PipelineAttachment ForPipeline(ChatAttachment file) => new(file.Id, file.Name, file.ContentType, file.Size, file.Content);

    /// <summary>What a human message carries besides its text: its inbox row (if any), uploaded files and page context.</summary>
    private sealed record MessageExtras(Guid? InboundId, IReadOnlyList<int> AttachmentIds, string? ContextJson)
    {
        public static MessageExtras From(InboundDetails inbound) => new(inbound.InboundId, inbound.AttachmentIds, inbound.ContextJson);
    }

    /// <summary>Links the uploaded files to the human message; returns them for the run state.</summary>
    private static async Task<IReadOnlyList<PipelineAttachment>> AttachExtrasAsync(AppDbContext db, ChatMessage human, MessageExtras extras,
        CancellationToken ct)
    {
        IReadOnlyList<PipelineAttachment> attachments = [];
        var metadata = new JsonObject();
        if (extras.InboundId is { } inboundId)
        {
            metadata["inbound_id"] = inboundId.ToString();
        }
        if (extras.ContextJson is not null)
        {
            metadata["page_context"] = JsonNode.Parse(extras.ContextJson);
        }
        if (extras.AttachmentIds.Count > 0)
        {
            var ids = extras.AttachmentIds.ToList();
            var files = await db.ChatAttachments.Where(a => a.SessionId == human.SessionId && a.MessageId == null && ids.Contains(a.Id)).ToListAsync(ct);
            foreach (var file in files)
            {
                file.MessageId = human.Id;
            }
            metadata["attachments"] = new JsonArray(files.Select(f => (JsonNode?)JsonValue.Create(f.Id)).ToArray());
            attachments = files.ConvertAll(ForPipeline);
        }
        human.MetadataJson = metadata.ToJsonString();
        return attachments;
    }

    [LoggerMessage(Level = LogLevel.Debug, Message = "Session {SessionId} started for chatbot {ChatbotId} on {Platform}")]
    private partial void LogSessionStarted(Guid sessionId, Guid chatbotId, string platform);

    [LoggerMessage(Level = LogLevel.Error, Message = "Chat event sink {Sink} failed on {Kind} in session {SessionId}")]
    private partial void LogSinkFailed(Exception ex, string sink, ChatEventKind kind, Guid sessionId);

    [LoggerMessage(Level = LogLevel.Warning, Message = "Run failed in session {SessionId} at node {NodeId}: {Error}")]
    private partial void LogRunFailed(Guid sessionId, string? nodeId, string? error);

    [LoggerMessage(Level = LogLevel.Error, Message = "Seed message of session {SessionId} failed")]
    private partial void LogSeedFailed(Exception ex, Guid sessionId);
}
