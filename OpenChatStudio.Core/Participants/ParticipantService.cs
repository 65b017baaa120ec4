using System.Text.Json.Nodes;
using Microsoft.EntityFrameworkCore;
using OpenChatStudio.Core.Chat;
using OpenChatStudio.Core.Data;
using OpenChatStudio.Core.Pipelines.Execution;
using OpenChatStudio.Core.Scheduling;

namespace OpenChatStudio.Core.Participants;

/// <summary>A participant with what each chatbot knows about them (decrypted).</summary>
public sealed record ParticipantDetail(Guid Id, string Identifier, string? Name, string Platform, string RemoteId, IReadOnlyList<ParticipantChatbotData> Data);

/// <summary>What one chatbot knows about a participant, with the participant's pending scheduled messages from that chatbot.</summary>
public sealed record ParticipantChatbotData(string ChatbotName, Guid ChatbotPublicId, JsonObject Data, IReadOnlyList<ParticipantSchedule> Schedules);

/// <summary>A pending scheduled message as the participants API shows it (OCS item shape: id, name, prompt, date).</summary>
public sealed record ParticipantSchedule(string Id, string Name, string Prompt, DateTime DueUtc);

public sealed record ParticipantFilter(string? Identifier = null, string? RemoteId = null, string? Platform = null, Guid? ChatbotPublicId = null);

/// <summary>
/// Per-chatbot data of an upsert; <see cref="Data"/> null leaves existing data as it is. <see cref="Schedules"/> creates,
/// updates or deletes the participant's scheduled messages from that chatbot (validated by <see cref="ScheduleService.ValidateChange"/>).
/// </summary>
public sealed record ParticipantDataUpsert(Guid ChatbotPublicId, JsonObject? Data, IReadOnlyList<ScheduleChange>? Schedules = null);

public sealed record ParticipantUpsert(string Identifier, string? Name, string Platform, IReadOnlyList<ParticipantDataUpsert> Data);

/// <summary>The outcome of an upsert: the participant, or the chatbot ids that are not in the team.</summary>
public sealed record ParticipantUpsertResult(ParticipantDetail? Participant, IReadOnlyList<Guid> UnknownChatbots);

/// <summary>
/// Participants for the REST API: list with filters, and upsert (create or update a participant and, per chatbot, the
/// data the chatbot knows about them, encrypted at rest by <see cref="ParticipantDataProtector"/>).
/// </summary>
public sealed class ParticipantService(IDbContextFactory<AppDbContext> dbFactory, ParticipantDataProtector protector, ChatRuntime runtime,
    ScheduleService schedules, ParticipantDataWriter writer)
{
    public const int MaxIdentifierLength = 320;

    public const int MaxNameLength = 200;

    public const int MaxPlatformLength = 40;

    public async Task<ApiPage<ParticipantDetail>> ListAsync(Guid teamId, ParticipantFilter filter, int offset, int limit, CancellationToken ct)
    {
        await using var db = await dbFactory.CreateForTeamAsync(teamId, ct);
        var query = db.Participants.AsQueryable();
        if (!string.IsNullOrEmpty(filter.Identifier))
        {
            query = query.Where(p => p.Identifier == filter.Identifier);
        }
        if (!string.IsNullOrEmpty(filter.RemoteId))
        {
            // Participants have no remote id yet (always ""): a non-empty remote id matches nobody.
            return new ApiPage<ParticipantDetail>([], false);
        }
        if (!string.IsNullOrEmpty(filter.Platform))
        {
            query = query.Where(p => p.Platform == filter.Platform);
        }
        Guid? onlyChatbot = null;
        if (filter.ChatbotPublicId is { } publicId)
        {
            onlyChatbot = await db.Chatbots.Where(c => c.PublicId == publicId).Select(c => (Guid?)c.Id).FirstOrDefaultAsync(ct);
            if (onlyChatbot is null)
            {
                return new ApiPage<ParticipantDetail>([], false);
            }
            var withData = db.ParticipantData.Where(d => d.ChatbotId == onlyChatbot).Select(d => d.ParticipantId);
            query = query.Where(p => withData.Contains(p.Id));
        }
        var rows = await query.OrderBy(p => p.CreatedAt).ThenBy(p => p.Id).Skip(offset).Take(limit + 1).ToListAsync(ct);
        var page = rows.Take(limit).ToList();
        return new ApiPage<ParticipantDetail>(await DescribeAsync(db, page, onlyChatbot, ct), rows.Count > limit);
    }

    /// <summary>
    /// Creates the participant (team, platform, identifier) if needed, sets the name when given and, per chatbot,
    /// replaces the participant's data with the given object (as OCS). Nothing is written when a chatbot is unknown.
    /// </summary>
    public async Task<ParticipantUpsertResult> UpsertAsync(Guid teamId, ParticipantUpsert request, CancellationToken ct)
    {
        var publicIds = request.Data.Select(d => d.ChatbotPublicId).Distinct().ToList();
        Dictionary<Guid, Guid> chatbotIds;
        await using (var db = await dbFactory.CreateForTeamAsync(teamId, ct))
        {
            chatbotIds = await db.Chatbots.Where(c => publicIds.Contains(c.PublicId) && !c.IsArchived)
                .ToDictionaryAsync(c => c.PublicId, c => c.Id, ct);
        }
        var unknown = publicIds.Where(id => !chatbotIds.ContainsKey(id)).ToList();
        if (unknown.Count > 0)
        {
            return new ParticipantUpsertResult(null, unknown);
        }

        var participant = await runtime.GetOrCreateParticipantAsync(teamId, request.Platform, request.Identifier, request.Name, null, ct);
        await using (var db = await dbFactory.CreateForTeamAsync(teamId, ct))
        {
            var tracked = await db.Participants.SingleAsync(p => p.Id == participant.Id, ct);
            if (!string.IsNullOrWhiteSpace(request.Name))
            {
                tracked.Name = request.Name.Trim();
            }
            var ids = chatbotIds.Values.ToList();
            var existing = await db.ParticipantData.Where(d => d.ParticipantId == participant.Id && ids.Contains(d.ChatbotId))
                .ToDictionaryAsync(d => d.ChatbotId, ct);
            var writes = new List<ParticipantDataWrite>();
            foreach (var item in request.Data)
            {
                // Data replaces what the chatbot knows (none: the row exists, possibly empty); applied to the row as stored,
                // version-checked, so a request or turn saving at the same moment is retried over, not lost halfway.
                var chatbotId = chatbotIds[item.ChatbotPublicId];
                var write = writer.Stage(db, existing.GetValueOrDefault(chatbotId), teamId, participant.Id, chatbotId,
                    item.Data is null ? [] : ParticipantDataChange.Replace(item.Data));
                existing[chatbotId] = write.Row;
                writes.Add(write);
            }
            await writer.SaveChangesAsync(db, writes, ct);
        }
        // After the data, so a new schedule picks up a timezone sent in the same request.
        foreach (var item in request.Data.Where(d => d.Schedules is { Count: > 0 }))
        {
            await schedules.ApplyChangesAsync(teamId, chatbotIds[item.ChatbotPublicId], participant.Id, item.Schedules!, ct);
        }
        await using (var db = await dbFactory.CreateForTeamAsync(teamId, ct))
        {
            var row = await db.Participants.SingleAsync(p => p.Id == participant.Id, ct);
            return new ParticipantUpsertResult((await DescribeAsync(db, [row], null, ct))[0], []);
        }
    }

    private async Task<List<ParticipantDetail>> DescribeAsync(AppDbContext db, List<Participant> participants, Guid? onlyChatbot, CancellationToken ct)
    {
        if (participants.Count == 0)
        {
            return [];
        }
        var ids = participants.Select(p => p.Id).ToList();
        var data = await db.ParticipantData.Where(d => ids.Contains(d.ParticipantId) && (onlyChatbot == null || d.ChatbotId == onlyChatbot))
            .Join(db.Chatbots, d => d.ChatbotId, c => c.Id, (d, c) => new { d.ParticipantId, d.ProtectedData, c.Name, c.PublicId, c.CreatedAt })
            .ToListAsync(ct);
        var pending = await db.ScheduledMessages.AsNoTracking()
            .Where(m => ids.Contains(m.ParticipantId) && !m.IsComplete && m.CancelledAt == null && (onlyChatbot == null || m.ChatbotId == onlyChatbot))
            .Join(db.Chatbots, m => m.ChatbotId, c => c.Id, (m, c) => new { m.ParticipantId, c.PublicId, m.ExternalId, m.Name, m.Message, m.NextTriggerAt })
            .ToListAsync(ct);
        var schedulesOf = pending.ToLookup(m => (m.ParticipantId, m.PublicId), m => m);
        var byParticipant = data.GroupBy(d => d.ParticipantId).ToDictionary(g => g.Key,
            g => g.OrderBy(d => d.CreatedAt).Select(d => new ParticipantChatbotData(d.Name, d.PublicId, protector.Unprotect(d.ProtectedData),
                schedulesOf[(g.Key, d.PublicId)].OrderBy(m => m.NextTriggerAt).ThenBy(m => m.ExternalId, StringComparer.Ordinal)
                    .Select(m => new ParticipantSchedule(m.ExternalId, m.Name, m.Message, DateTime.SpecifyKind(m.NextTriggerAt, DateTimeKind.Utc))).ToList())).ToList());
        return participants.Select(p => new ParticipantDetail(p.Id, p.Identifier, p.Name, p.Platform, "",
            byParticipant.GetValueOrDefault(p.Id) ?? [])).ToList();
    }
}
