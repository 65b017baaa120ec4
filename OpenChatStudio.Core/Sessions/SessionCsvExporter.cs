using System.Text;
using System.Text.Json;
using System.Text.Json.Nodes;
using Microsoft.EntityFrameworkCore;
using OpenChatStudio.Core.Chat;
using OpenChatStudio.Core.Data;
using OpenChatStudio.Core.Participants;

namespace OpenChatStudio.Core.Sessions;

/// <summary>
/// Writes the chat CSV in OCS's columns for the filtered sessions (visible messages, oldest session first). Streams:
/// sessions are read in keyset batches and each batch's messages with <c>AsAsyncEnumerable</c>, so memory stays flat
/// whatever the number of messages.
/// </summary>
public sealed class SessionCsvExporter(IDbContextFactory<AppDbContext> dbFactory, ParticipantDataProtector protector)
{
    public const int SessionBatchSize = 200;

    /// <summary>OCS's chat export columns (apps/experiments/export.py), in order.</summary>
    public static readonly IReadOnlyList<string> Columns =
    [
        "Message ID", "Message Date", "Message Type", "Message Content", "Platform", "Session Tags", "Session Comments", "Session ID",
        "Session State", "Chatbot ID", "Chatbot Name", "Participant Name", "Participant Identifier", "Participant Public ID",
        "Message Tags", "Message Comments", "Trace ID", "Participant Data",
    ];

    /// <summary>How many rows <see cref="WriteAsync"/> will write (for progress).</summary>
    public async Task<int> CountRowsAsync(Guid teamId, SessionFilter filter, CancellationToken ct)
    {
        await using var db = await dbFactory.CreateForTeamAsync(teamId, ct);
        var sessions = SessionQueryService.Apply(db, filter).Select(s => s.Id);
        return await db.ChatMessages.CountAsync(m => !m.Hidden && sessions.Contains(m.SessionId), ct);
    }

    /// <summary>Writes the CSV (UTF-8 with BOM, CRLF rows) to <paramref name="output"/>; reports rows written so far.</summary>
    public async Task<long> WriteAsync(Guid teamId, SessionFilter filter, Stream output, Action<long>? progress, CancellationToken ct)
    {
        await using var writer = new StreamWriter(output, new UTF8Encoding(encoderShouldEmitUTF8Identifier: true), 64 * 1024, leaveOpen: true);
        await WriteRowAsync(writer, Columns);
        long rows = 0;
        DateTime? lastCreated = null;
        Guid lastId = Guid.Empty;
        while (true)
        {
            await using var db = await dbFactory.CreateForTeamAsync(teamId, ct);
            var query = SessionQueryService.Apply(db, filter);
            if (lastCreated is { } after)
            {
                var afterId = lastId;
                query = query.Where(s => s.CreatedAt > after || (s.CreatedAt == after && s.Id.CompareTo(afterId) > 0));
            }
            var batch = await query.OrderBy(s => s.CreatedAt).ThenBy(s => s.Id).Take(SessionBatchSize)
                .Select(s => new
                {
                    s.Id,
                    s.CreatedAt,
                    s.ChatbotId,
                    s.ParticipantId,
                    s.Platform,
                    s.TagsJson,
                    s.StateJson,
                })
                .ToListAsync(ct);
            if (batch.Count == 0)
            {
                break;
            }
            lastCreated = batch[^1].CreatedAt;
            lastId = batch[^1].Id;

            var ids = batch.Select(s => s.Id).ToList();
            var chatbotIds = batch.Select(s => s.ChatbotId).Distinct().ToList();
            var participantIds = batch.Select(s => s.ParticipantId).Distinct().ToList();
            var chatbots = await db.Chatbots.Where(c => chatbotIds.Contains(c.Id)).Select(c => new { c.Id, c.PublicId, c.Name }).ToDictionaryAsync(c => c.Id, ct);
            var participants = await db.Participants.Where(p => participantIds.Contains(p.Id)).Select(p => new { p.Id, p.Identifier, p.Name })
                .ToDictionaryAsync(p => p.Id, ct);
            var data = await db.ParticipantData.Where(d => participantIds.Contains(d.ParticipantId) && chatbotIds.Contains(d.ChatbotId))
                .Select(d => new { d.ParticipantId, d.ChatbotId, d.ProtectedData }).ToListAsync(ct);
            var dataByKey = data.ToDictionary(d => (d.ParticipantId, d.ChatbotId), d => UnprotectOrEmpty(d.ProtectedData));
            var comments = await db.SessionComments.Where(c => ids.Contains(c.SessionId)).OrderBy(c => c.CreatedAt)
                .Select(c => new { c.SessionId, c.MessageId, c.AuthorName, c.Text }).ToListAsync(ct);
            var sessionComments = comments.Where(c => c.MessageId is null).ToLookup(c => c.SessionId, c => $"{c.AuthorName}: {c.Text}");
            var messageComments = comments.Where(c => c.MessageId is not null).ToLookup(c => c.MessageId!.Value, c => $"{c.AuthorName}: {c.Text}");
            var sessions = batch.ToDictionary(s => s.Id);

            var messages = db.ChatMessages.AsNoTracking().Where(m => ids.Contains(m.SessionId) && !m.Hidden)
                .Join(db.ChatSessions, m => m.SessionId, s => s.Id, (m, s) => new { m.Id, m.SessionId, m.Sequence, m.Role, m.Content, m.CreatedAt, m.TagsJson, m.MetadataJson, SessionCreated = s.CreatedAt })
                .OrderBy(x => x.SessionCreated).ThenBy(x => x.SessionId).ThenBy(x => x.Sequence)
                .AsAsyncEnumerable();
            await foreach (var m in messages.WithCancellation(ct))
            {
                var s = sessions[m.SessionId];
                var bot = chatbots.GetValueOrDefault(s.ChatbotId);
                var who = participants.GetValueOrDefault(s.ParticipantId);
                await WriteRowAsync(writer,
                [
                    m.Id.ToString(),
                    m.CreatedAt.ToString("yyyy-MM-ddTHH:mm:ss.ffffffZ"),
                    MessageType(m.Role),
                    m.Content,
                    s.Platform,
                    string.Join(", ", SessionQueryService.ParseTags(s.TagsJson)),
                    string.Join("\n", sessionComments[s.Id]),
                    s.Id.ToString(),
                    Compact(s.StateJson),
                    bot?.PublicId.ToString() ?? "",
                    bot?.Name ?? "",
                    who?.Name ?? "",
                    who?.Identifier ?? "",
                    s.ParticipantId.ToString(),
                    string.Join(", ", SessionReviewService.MessageTags(m.TagsJson)),
                    string.Join("\n", messageComments[m.Id]),
                    TraceId(m.MetadataJson),
                    dataByKey.TryGetValue((s.ParticipantId, s.ChatbotId), out var pd) ? pd : "{}",
                ]);
                rows++;
                if (rows % 500 == 0)
                {
                    progress?.Invoke(rows);
                }
            }
            if (batch.Count < SessionBatchSize)
            {
                break;
            }
        }
        await writer.FlushAsync(ct);
        progress?.Invoke(rows);
        return rows;
    }

    private static string MessageType(MessageRole role) => role switch
    {
        MessageRole.Human => "human",
        MessageRole.Ai => "ai",
        _ => "system",
    };

    private string UnprotectOrEmpty(string protectedData)
    {
        if (protectedData.Length == 0)
        {
            return "{}";
        }
        try
        {
            return protector.Unprotect(protectedData).ToJsonString();
        }
        catch (System.Security.Cryptography.CryptographicException)
        {
            return "{}";
        }
    }

    private static string TraceId(string metadataJson)
    {
        try
        {
            return JsonNode.Parse(metadataJson)?["trace_id"]?.GetValue<string>() ?? "";
        }
        catch (Exception ex) when (ex is JsonException or InvalidOperationException)
        {
            return "";
        }
    }

    private static string Compact(string json)
    {
        try
        {
            return JsonNode.Parse(json)?.ToJsonString() ?? "{}";
        }
        catch (JsonException)
        {
            return json;
        }
    }

    private static async Task WriteRowAsync(StreamWriter writer, IReadOnlyList<string> fields)
    {
        for (var i = 0; i < fields.Count; i++)
        {
            if (i > 0)
            {
                await writer.WriteAsync(',');
            }
            await writer.WriteAsync(Escape(fields[i]));
        }
        await writer.WriteAsync("\r\n");
    }

    /// <summary>RFC 4180: quote fields with commas, quotes or line breaks; double the quotes.</summary>
    internal static string Escape(string field) =>
        field.AsSpan().IndexOfAny(",\"\r\n") < 0 ? field : "\"" + field.Replace("\"", "\"\"", StringComparison.Ordinal) + "\"";
}
