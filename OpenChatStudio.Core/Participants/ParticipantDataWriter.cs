using System.Text.Json.Nodes;
using Microsoft.EntityFrameworkCore;
using OpenChatStudio.Core.Data;
using OpenChatStudio.Core.Pipelines.Execution;

namespace OpenChatStudio.Core.Participants;

/// <summary>
/// The one way participant data is written. A writer hands over its <em>changes</em> (set, delete, increment, append of
/// keys), never a whole object it read earlier: they are applied to the row as stored, and the save checks the row's
/// <see cref="ParticipantData.Version"/>. When another writer saved first (another session of the participant, another app
/// instance, a tester), the save fails, the row is read again, the same changes are applied to it and the save is retried.
/// So concurrent writers keep each other's keys, and increments and appends add up, on SQLite and PostgreSQL alike.
/// </summary>
public sealed class ParticipantDataWriter(ParticipantDataProtector protector, TimeProvider clock)
{
    /// <summary>Saves tried before the conflict is reported (each retry follows another writer's successful save).</summary>
    public const int MaxAttempts = 10;

    /// <summary>Reads the stored row (tracked by <paramref name="db"/>; created when missing) and applies the changes to it.</summary>
    public async Task<ParticipantDataWrite> StageAsync(AppDbContext db, Guid teamId, Guid participantId, Guid chatbotId,
        IReadOnlyList<ParticipantDataChange> changes, CancellationToken ct)
    {
        var row = await db.ParticipantData.FirstOrDefaultAsync(d => d.ParticipantId == participantId && d.ChatbotId == chatbotId, ct);
        return Stage(db, row, teamId, participantId, chatbotId, changes);
    }

    /// <summary>As <see cref="StageAsync"/>, with the row already read and tracked by <paramref name="db"/> (null: none yet).</summary>
    public ParticipantDataWrite Stage(AppDbContext db, ParticipantData? tracked, Guid teamId, Guid participantId, Guid chatbotId,
        IReadOnlyList<ParticipantDataChange> changes)
    {
        var write = new ParticipantDataWrite(teamId, participantId, chatbotId, changes);
        if (tracked is not null && changes.Count == 0)
        {
            write.Row = tracked;
            write.Data = protector.Unprotect(tracked.ProtectedData);
            return write;
        }
        if (tracked is null)
        {
            tracked = new ParticipantData(teamId, participantId, chatbotId);
            db.ParticipantData.Add(tracked);
        }
        Apply(write, tracked, tracked.ProtectedData, tracked.Version);
        return write;
    }

    /// <summary>
    /// Saves everything <paramref name="db"/> tracks. When one of <paramref name="writes"/> lost a race (its row changed,
    /// or was created, since it was read), its changes are applied again to the stored row and the save is retried;
    /// the rest of the unit of work is saved with it, once.
    /// </summary>
    public async Task SaveChangesAsync(AppDbContext db, IReadOnlyCollection<ParticipantDataWrite> writes, CancellationToken ct)
    {
        for (var attempt = 1; ; attempt++)
        {
            try
            {
                await db.SaveChangesAsync(ct);
                return;
            }
            catch (DbUpdateException) when (writes.Count > 0 && attempt < MaxAttempts)
            {
                // Another writer saved first? Then our changes now sit on top of its data: save again. Otherwise it was
                // some other failure.
                if (!await RebaseAsync(db, writes, ct))
                {
                    throw;
                }
            }
        }
    }

    /// <inheritdoc cref="SaveChangesAsync(AppDbContext, IReadOnlyCollection{ParticipantDataWrite}, CancellationToken)"/>
    public Task SaveChangesAsync(AppDbContext db, ParticipantDataWrite? write, CancellationToken ct) =>
        SaveChangesAsync(db, write is null ? [] : [write], ct);

    /// <summary>Re-applies each write whose row is out of date to the stored row; false when none was (another failure).</summary>
    private async Task<bool> RebaseAsync(AppDbContext db, IReadOnlyCollection<ParticipantDataWrite> writes, CancellationToken ct)
    {
        var rebased = false;
        foreach (var write in writes)
        {
            var entry = db.Entry(write.Row);
            var stored = await db.ParticipantData.AsNoTracking()
                .Where(d => d.ParticipantId == write.ParticipantId && d.ChatbotId == write.ChatbotId)
                .Select(d => new { d.Id, d.ProtectedData, d.Version }).FirstOrDefaultAsync(ct);
            if (entry.State == EntityState.Added)
            {
                if (stored is null)
                {
                    continue;
                }
                // Created by another writer since we looked: apply ours to that row instead.
                entry.State = EntityState.Detached;
                var row = await db.ParticipantData.FirstAsync(d => d.Id == stored.Id, ct);
                Apply(write, row, row.ProtectedData, row.Version);
            }
            else if (stored is null)
            {
                // Deleted meanwhile (e.g. the chatbot's data was cleared): start a new row from our changes.
                entry.State = EntityState.Detached;
                var row = new ParticipantData(write.TeamId, write.ParticipantId, write.ChatbotId);
                db.ParticipantData.Add(row);
                Apply(write, row, "", 0);
            }
            else if (stored.Version != (int)entry.OriginalValues[nameof(ParticipantData.Version)]!)
            {
                entry.OriginalValues[nameof(ParticipantData.Version)] = stored.Version;
                entry.OriginalValues[nameof(ParticipantData.ProtectedData)] = stored.ProtectedData;
                Apply(write, write.Row, stored.ProtectedData, stored.Version);
            }
            else
            {
                continue;
            }
            rebased = true;
        }
        return rebased;
    }

    private void Apply(ParticipantDataWrite write, ParticipantData row, string storedData, int storedVersion)
    {
        var data = protector.Unprotect(storedData);
        ParticipantDataChange.ApplyAll(data, write.Changes);
        row.ProtectedData = protector.Protect(data);
        row.Version = storedVersion + 1;
        row.UpdatedAt = clock.GetUtcNow().UtcDateTime;
        write.Row = row;
        write.Data = data;
    }
}

/// <summary>Changes to one participant's data for one chatbot, staged in a unit of work by <see cref="ParticipantDataWriter"/>.</summary>
public sealed class ParticipantDataWrite(Guid teamId, Guid participantId, Guid chatbotId, IReadOnlyList<ParticipantDataChange> changes)
{
    public Guid TeamId { get; } = teamId;

    public Guid ParticipantId { get; } = participantId;

    public Guid ChatbotId { get; } = chatbotId;

    public IReadOnlyList<ParticipantDataChange> Changes { get; } = changes;

    /// <summary>The data as it will be (once saved: as it was saved), with the changes applied to what was stored.</summary>
    public JsonObject Data { get; internal set; } = new();

    internal ParticipantData Row { get; set; } = default!;
}
