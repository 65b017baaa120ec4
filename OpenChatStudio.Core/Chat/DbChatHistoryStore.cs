using Microsoft.EntityFrameworkCore;
using OpenChatStudio.Core.Data;
using OpenChatStudio.Core.Pipelines.Execution;

namespace OpenChatStudio.Core.Chat;

/// <summary>
/// History for LLM nodes from the database: global history is the session's transcript (human → bot pairs);
/// node and named histories are their own rows. Only the most recent rows are read (newest first, then reversed): a long
/// session costs the same per turn as a short one.
/// </summary>
public sealed class DbChatHistoryStore(IDbContextFactory<AppDbContext> dbFactory, Guid teamId) : IChatHistoryStore
{
    public async Task<IReadOnlyList<HistoryTurn>> LoadAsync(HistoryKey key, int? lastTurns, CancellationToken ct)
    {
        var take = Math.Clamp(lastTurns ?? IChatHistoryStore.MaxTurnsLoaded, 0, IChatHistoryStore.MaxTurnsLoaded);
        if (take == 0)
        {
            return [];
        }
        await using var db = await dbFactory.CreateForTeamAsync(teamId, ct);
        if (key.Type == HistoryType.Global)
        {
            // Two messages a turn, with room for messages that pair with nothing (bot-initiated, unanswered).
            var newest = await db.ChatMessages.Where(m => m.SessionId == key.SessionId && m.Role != MessageRole.System)
                .OrderByDescending(m => m.Sequence).Take(2 * take + 8).Select(m => new { m.Role, m.Content }).ToListAsync(ct);
            newest.Reverse();
            var messages = newest;
            var turns = new List<HistoryTurn>();
            for (var i = 0; i + 1 < messages.Count; i++)
            {
                if (messages[i].Role == MessageRole.Human && messages[i + 1].Role == MessageRole.Ai)
                {
                    turns.Add(new HistoryTurn(messages[i].Content, messages[i + 1].Content));
                    i++;
                }
            }
            return turns.Count > take ? turns[^take..] : turns;
        }
        var type = key.Type.ToString();
        var rows = await db.PipelineHistory.Where(h => h.SessionId == key.SessionId && h.HistoryType == type && h.Name == key.Name)
            .OrderByDescending(h => h.Id).Take(take).Select(h => new HistoryTurn(h.Human, h.Ai)).ToListAsync(ct);
        rows.Reverse();
        return rows;
    }

    public async Task AppendAsync(HistoryKey key, HistoryTurn turn, CancellationToken ct)
    {
        if (key.Type == HistoryType.Global)
        {
            return; // the transcript itself is the global history
        }
        await using var db = await dbFactory.CreateForTeamAsync(teamId, ct);
        db.PipelineHistory.Add(new PipelineHistoryEntry(teamId, key.SessionId, key.Type.ToString(), key.Name, turn.Human, turn.Ai));
        await db.SaveChangesAsync(ct);
    }
}
