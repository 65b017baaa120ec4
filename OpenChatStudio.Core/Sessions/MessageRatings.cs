using Microsoft.EntityFrameworkCore;
using OpenChatStudio.Core.Chat;
using OpenChatStudio.Core.Data;

namespace OpenChatStudio.Core.Sessions;

/// <summary>Rating a bot message, and keeping the session's <see cref="ChatSession.HasRating"/> in step with it.</summary>
public static class MessageRatings
{
    /// <summary>Sets (or clears, with null) the rating of a tracked message and saves; then recomputes the session's flag.</summary>
    public static async Task SetAsync(AppDbContext db, ChatMessage message, MessageRating? rating, CancellationToken ct)
    {
        message.Rating = rating;
        await db.SaveChangesAsync(ct);
        var sessionId = message.SessionId;
        var rated = rating is not null || await db.ChatMessages.AnyAsync(m => m.SessionId == sessionId && m.Rating != null, ct);
        await db.ChatSessions.Where(s => s.Id == sessionId).ExecuteUpdateAsync(u => u.SetProperty(s => s.HasRating, rated), ct);
    }
}
