using System.Text.Json.Nodes;
using Microsoft.EntityFrameworkCore;
using OpenChatStudio.Core.Data;
using OpenChatStudio.Core.Participants;

namespace OpenChatStudio.Core.Scheduling;

/// <summary>Tells the scheduler a scheduled message row changed (created, moved, cancelled) so its trigger follows.</summary>
public interface IScheduleSignal
{
    /// <param name="dueUtc">The row's next due time, or null when it no longer needs delivering.</param>
    Task ScheduleChangedAsync(Guid teamId, Guid scheduledMessageId, DateTime? dueUtc, CancellationToken ct);
}

/// <summary>The participant's <c>timezone</c> (participant data of a chatbot), used for recurring schedules.</summary>
public static class ParticipantTimeZone
{
    public const string Key = "timezone";

    public static async Task<string?> ReadAsync(AppDbContext db, ParticipantDataProtector? protector, Guid chatbotId, Guid participantId, CancellationToken ct)
    {
        if (protector is null)
        {
            return null;
        }
        var row = await db.ParticipantData.AsNoTracking().FirstOrDefaultAsync(d => d.ParticipantId == participantId && d.ChatbotId == chatbotId, ct);
        if (row is null)
        {
            return null;
        }
        return From(protector.Unprotect(row.ProtectedData));
    }

    /// <summary>The <c>timezone</c> value of already-read participant data, or null.</summary>
    public static string? From(JsonObject participantData) =>
        participantData[Key] is JsonValue v && v.TryGetValue<string>(out var zone) && !string.IsNullOrWhiteSpace(zone) ? zone.Trim() : null;
}
