using System.Collections.Concurrent;
using Microsoft.EntityFrameworkCore;
using OpenChatStudio.Core.Common;
using OpenChatStudio.Core.Data;
using OpenChatStudio.Core.Versions;

namespace OpenChatStudio.Core.Chat;

/// <summary>
/// What a chatbot's versions look like right now: its last change and its published version. Cheap to read in the same
/// query as the session, and enough to tell whether a cached <see cref="ChatbotSnapshot"/> is still the right one.
/// </summary>
public readonly record struct ChatbotStamp(DateTime UpdatedAt, Guid? PublishedVersionId);

/// <summary>
/// Resolved chatbot snapshots (settings and pipeline of the version a session talks to), so a chat turn does not load the
/// chatbot and its published version on every message. Entries are validated against a <see cref="ChatbotStamp"/> read
/// from the database on each turn, so edits and publishing by any app instance are seen on the next message.
/// </summary>
public sealed class ChatbotSnapshotCache
{
    private const int MaxEntries = 4096;
    private readonly ConcurrentDictionary<(Guid ChatbotId, VersionSelection Selection, int Number), Entry> _entries = new();

    private sealed record Entry(ChatbotStamp Stamp, ChatbotSnapshot Snapshot);

    /// <summary>The stamp of <paramref name="chatbotId"/> as an expression usable inside a larger query.</summary>
    public static IQueryable<ChatbotStamp> StampQuery(AppDbContext db, Guid chatbotId) =>
        db.Chatbots.Where(c => c.Id == chatbotId).Select(c => new ChatbotStamp(c.UpdatedAt,
            db.ChatbotVersions.Where(v => v.ChatbotId == c.Id && v.IsPublished).Select(v => (Guid?)v.Id).FirstOrDefault()));

    /// <summary>
    /// The snapshot for <paramref name="choice"/>: from the cache when <paramref name="stamp"/> matches, otherwise loaded
    /// (and cached) through <see cref="VersionService.ResolveAsync"/>.
    /// </summary>
    public async Task<Result<ChatbotSnapshot>> ResolveAsync(AppDbContext db, Guid chatbotId, VersionChoice choice, ChatbotStamp stamp,
        CancellationToken ct)
    {
        var key = (chatbotId, choice.Selection, choice.Number ?? 0);
        if (_entries.TryGetValue(key, out var hit) && (choice.Selection == VersionSelection.Specific || hit.Stamp == stamp))
        {
            return Result<ChatbotSnapshot>.Ok(hit.Snapshot);
        }
        var chatbot = await db.Chatbots.AsNoTracking().FirstOrDefaultAsync(c => c.Id == chatbotId, ct);
        if (chatbot is null)
        {
            return Result<ChatbotSnapshot>.Fail("This chatbot no longer exists.");
        }
        var resolved = await VersionService.ResolveAsync(db, chatbot, choice, ct);
        if (resolved.Succeeded)
        {
            if (_entries.Count >= MaxEntries)
            {
                _entries.Clear();
            }
            // Stamped with what was actually loaded, so a change racing with this load only costs one more miss.
            var published = choice.Selection == VersionSelection.Working ? stamp.PublishedVersionId
                : resolved.Value!.VersionNumber is null ? null : resolved.Value.CacheKey.Id;
            _entries[key] = new Entry(new ChatbotStamp(chatbot.UpdatedAt, published), resolved.Value!);
        }
        return resolved;
    }
}
