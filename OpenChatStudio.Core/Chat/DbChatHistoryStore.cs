using Microsoft.EntityFrameworkCore;
using OpenChatStudio.Core.Data;
using OpenChatStudio.Core.Pipelines.Execution;

namespace OpenChatStudio.Core.Chat;

/// <summary>
/// History for LLM nodes from the database: global history is the session's transcript (human → bot pairs);
/// node and named histories are their own rows.
/// </summary>
public sealed class DbChatHistoryStore(IDbContextFactory<AppDbContext> dbFactory, Guid teamId) : IChatHistoryStore
{
    public async Task<IReadOnlyList<HistoryTurn>> LoadAsync(HistoryKey key, CancellationToken ct)
    {
        await using var db = await dbFactory.CreateForTeamAsync(teamId, ct);
        if (key.Type == HistoryType.Global)
        {
            var messages = await db.ChatMessages.Where(m => m.SessionId == key.SessionId && m.Role != MessageRole.System)
                .OrderBy(m => m.Sequence).Select(m => new { m.Role, m.Content }).ToListAsync(ct);
            var turns = new List<HistoryTurn>();
            for (var i = 0; i + 1 < messages.Count; i++)
            {
                if (messages[i].Role == MessageRole.Human && messages[i + 1].Role == MessageRole.Ai)
                {
                    turns.Add(new HistoryTurn(messages[i].Content, messages[i + 1].Content));
                    i++;
                }
            }
            return turns;
        }
        var type = key.Type.ToString();
        return await db.PipelineHistory.Where(h => h.SessionId == key.SessionId && h.HistoryType == type && h.Name == key.Name)
            .OrderBy(h => h.Id).Select(h => new HistoryTurn(h.Human, h.Ai)).ToListAsync(ct);
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
