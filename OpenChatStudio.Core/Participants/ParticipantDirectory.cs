using System.Globalization;
using System.Text.Json;
using System.Text.Json.Nodes;
using System.Text.RegularExpressions;
using Microsoft.EntityFrameworkCore;
using OpenChatStudio.Core.Common;
using OpenChatStudio.Core.Data;
using OpenChatStudio.Core.Pipelines.Execution;
using OpenChatStudio.Core.Teams;

namespace OpenChatStudio.Core.Participants;

/// <summary>
/// The participants pages: search, a participant's profile (sessions, data per chatbot, reminders), editing the data a
/// chatbot keeps about them, and CSV export and import (<c>identifier, channel, name, data.*</c>) per chatbot with a dry run.
/// </summary>
public sealed partial class ParticipantDirectory(IDbContextFactory<AppDbContext> dbFactory, ParticipantDataProtector protector,
    ParticipantDataWriter writer)
{
    public const int MaxDataBytes = 64 * 1024;
    public const int MaxImportRows = 10_000;
    public const long MaxImportBytes = 5 * 1024 * 1024;
    public const string DataPrefix = "data.";

    public async Task<ParticipantRowsPage> SearchAsync(TeamAccess access, string? search, int skip, int take, CancellationToken ct)
    {
        if (!access.Can(TeamPermission.ViewParticipants))
        {
            return new ParticipantRowsPage([], 0);
        }
        await using var db = await dbFactory.CreateForTeamAsync(access.TeamId, ct);
        var query = db.Participants.AsNoTracking();
        if (!string.IsNullOrWhiteSpace(search))
        {
            var term = search.Trim().ToLower();
            query = query.Where(p => p.Identifier.ToLower().Contains(term) || (p.Name != null && p.Name.ToLower().Contains(term)));
        }
        var total = await query.CountAsync(ct);
        var rows = await query.OrderByDescending(p => p.CreatedAt).ThenBy(p => p.Id)
            .Skip(Math.Max(0, skip)).Take(Math.Clamp(take, 1, 200))
            .Select(p => new ParticipantRow(p.Id, p.Identifier, p.Name, p.Platform, p.CreatedAt,
                db.ChatSessions.Count(s => s.ParticipantId == p.Id),
                db.ChatSessions.Where(s => s.ParticipantId == p.Id).Max(s => s.LastActivityAt)))
            .ToListAsync(ct);
        return new ParticipantRowsPage(rows, total);
    }

    public async Task<ParticipantProfile?> GetAsync(TeamAccess access, Guid participantId, CancellationToken ct)
    {
        if (!access.Can(TeamPermission.ViewParticipants))
        {
            return null;
        }
        await using var db = await dbFactory.CreateForTeamAsync(access.TeamId, ct);
        var p = await db.Participants.AsNoTracking().FirstOrDefaultAsync(x => x.Id == participantId, ct);
        if (p is null)
        {
            return null;
        }
        var chatbots = await db.Chatbots.AsNoTracking().Select(c => new { c.Id, c.Name }).ToDictionaryAsync(c => c.Id, c => c.Name, ct);
        var sessions = await db.ChatSessions.AsNoTracking().Where(s => s.ParticipantId == participantId)
            .OrderByDescending(s => s.CreatedAt).Take(200)
            .Select(s => new { s.Id, s.ChatbotId, s.Platform, s.Status, s.CreatedAt, s.LastActivityAt, Messages = db.ChatMessages.Count(m => m.SessionId == s.Id && !m.Hidden) })
            .ToListAsync(ct);
        var data = await db.ParticipantData.AsNoTracking().Where(d => d.ParticipantId == participantId).ToListAsync(ct);
        var reminders = await db.ScheduledMessages.AsNoTracking().Where(r => r.ParticipantId == participantId)
            .OrderBy(r => r.NextTriggerAt).Take(200).ToListAsync(ct);
        return new ParticipantProfile(p.Id, p.Identifier, p.Name, p.Platform, p.CreatedAt,
            sessions.Select(s => new ParticipantSessionRow(s.Id, s.ChatbotId, chatbots.GetValueOrDefault(s.ChatbotId, "(deleted)"), s.Platform,
                s.Status.ToString(), s.CreatedAt, s.LastActivityAt, s.Messages)).ToList(),
            data.Select(d => new ParticipantChatbotDataRow(d.ChatbotId, chatbots.GetValueOrDefault(d.ChatbotId, "(deleted)"), protector.Unprotect(d.ProtectedData), d.UpdatedAt))
                .OrderBy(d => d.ChatbotName).ToList(),
            reminders.Select(r => new ParticipantReminderRow(r.Id, chatbots.GetValueOrDefault(r.ChatbotId, "(deleted)"), r.Name, r.Message, r.NextTriggerAt,
                r.Every is { } every && r.Period is { } period ? $"every {every} {period.ToString().ToLowerInvariant()}" : "once",
                r.CancelledAt is not null ? "cancelled" : r.IsComplete ? "done" : "scheduled")).ToList());
    }

    /// <summary>Replaces what <paramref name="chatbotId"/> knows about the participant with a JSON object typed by a person.</summary>
    public async Task<Result<JsonObject>> UpdateDataAsync(TeamAccess access, Guid participantId, Guid chatbotId, string json, CancellationToken ct)
    {
        if (!access.Can(TeamPermission.EditChatbots))
        {
            return Result<JsonObject>.Fail("Only editors and admins can change participant data.");
        }
        var (data, error) = ParseDataObject(json);
        if (error is not null)
        {
            return Result<JsonObject>.Fail(error);
        }
        await using var db = await dbFactory.CreateForTeamAsync(access.TeamId, ct);
        if (!await db.Participants.AnyAsync(p => p.Id == participantId, ct))
        {
            return Result<JsonObject>.Fail("That participant does not exist in this team.");
        }
        if (!await db.Chatbots.AnyAsync(c => c.Id == chatbotId, ct))
        {
            return Result<JsonObject>.Fail("That chatbot does not exist in this team.");
        }
        // A replacement, applied to the row as stored with a version check (a turn saving at the same moment is not undone halfway).
        var write = await writer.StageAsync(db, access.TeamId, participantId, chatbotId, ParticipantDataChange.Replace(data!), ct);
        await writer.SaveChangesAsync(db, write, ct);
        return Result<JsonObject>.Ok(data!);
    }

    /// <summary>Validates participant data typed as JSON: an object, at most 64 KB; errors say where the problem is.</summary>
    public static (JsonObject? Data, string? Error) ParseDataObject(string? json)
    {
        if (string.IsNullOrWhiteSpace(json))
        {
            return (new JsonObject(), null);
        }
        if (System.Text.Encoding.UTF8.GetByteCount(json) > MaxDataBytes)
        {
            return (null, $"Participant data is at most {MaxDataBytes / 1024} KB.");
        }
        try
        {
            return JsonNode.Parse(json) is JsonObject obj
                ? (obj, null)
                : (null, "Participant data must be a JSON object, like {\"name\": \"Ada\"}.");
        }
        catch (JsonException ex)
        {
            return (null, $"Not valid JSON (line {(ex.LineNumber ?? 0) + 1}, position {(ex.BytePositionInLine ?? 0) + 1}): {FirstSentence(ex.Message)}");
        }
    }

    /// <summary>Writes <c>identifier, channel, name, data.*</c> for everyone with data for or a session with the chatbot.</summary>
    public async Task<bool> ExportCsvAsync(TeamAccess access, Guid chatbotId, TextWriter writer, CancellationToken ct)
    {
        if (!access.Can(TeamPermission.ViewParticipants))
        {
            return false;
        }
        await using var db = await dbFactory.CreateForTeamAsync(access.TeamId, ct);
        if (!await db.Chatbots.AnyAsync(c => c.Id == chatbotId, ct))
        {
            return false;
        }
        var data = await db.ParticipantData.AsNoTracking().Where(d => d.ChatbotId == chatbotId)
            .Select(d => new { d.ParticipantId, d.ProtectedData }).ToListAsync(ct);
        var byParticipant = data.ToDictionary(d => d.ParticipantId, d => protector.Unprotect(d.ProtectedData));
        var participants = await db.Participants.AsNoTracking()
            .Where(p => db.ParticipantData.Any(d => d.ParticipantId == p.Id && d.ChatbotId == chatbotId) ||
                        db.ChatSessions.Any(s => s.ParticipantId == p.Id && s.ChatbotId == chatbotId))
            .OrderBy(p => p.Platform).ThenBy(p => p.Identifier)
            .Select(p => new { p.Id, p.Identifier, p.Platform, p.Name }).ToListAsync(ct);
        var keys = byParticipant.Values.SelectMany(d => d.Select(kv => kv.Key)).Distinct().Order(StringComparer.Ordinal).ToList();
        await writer.WriteLineAsync(Csv.Row(["identifier", "channel", "name", .. keys.Select(k => DataPrefix + k)]));
        foreach (var p in participants)
        {
            var values = byParticipant.GetValueOrDefault(p.Id);
            await writer.WriteLineAsync(Csv.Row([p.Identifier, p.Platform, p.Name, .. keys.Select(k => CellText(values?[k]))]));
        }
        return true;
    }

    /// <summary>Reads a CSV and says, row by row, what an import would do and what is wrong. Writes nothing.</summary>
    public async Task<ParticipantImportPreview> PreviewImportAsync(TeamAccess access, Guid chatbotId, TextReader csv, CancellationToken ct)
    {
        List<(int Line, string[] Fields)> rows;
        try
        {
            rows = Csv.Read(csv).Take(MaxImportRows + 2).ToList();
        }
        catch (FormatException ex)
        {
            return new ParticipantImportPreview([], "The file is not valid CSV: " + ex.Message);
        }
        if (rows.Count == 0)
        {
            return new ParticipantImportPreview([], "The file is empty. The first row must name the columns: identifier, channel, name, data.<key>…");
        }
        var header = rows[0].Fields.Select(h => h.Trim()).ToArray();
        var identifierColumn = Array.FindIndex(header, h => h.Equals("identifier", StringComparison.OrdinalIgnoreCase));
        if (identifierColumn < 0)
        {
            return new ParticipantImportPreview([], "The first row must name the columns, including \"identifier\" (also: channel, name, data.<key>).");
        }
        if (rows.Count - 1 > MaxImportRows)
        {
            return new ParticipantImportPreview([], $"At most {MaxImportRows:N0} participants per import; split the file.");
        }
        var channelColumn = Array.FindIndex(header, h => h.Equals("channel", StringComparison.OrdinalIgnoreCase) || h.Equals("platform", StringComparison.OrdinalIgnoreCase));
        var nameColumn = Array.FindIndex(header, h => h.Equals("name", StringComparison.OrdinalIgnoreCase));
        var dataColumns = header.Select((h, i) => (h, i)).Where(x => x.h.StartsWith(DataPrefix, StringComparison.OrdinalIgnoreCase) && x.h.Length > DataPrefix.Length)
            .Select(x => (Key: x.h[DataPrefix.Length..], Index: x.i)).ToList();
        var unknownColumns = header.Select((h, i) => (h, i))
            .Where(x => x.i != identifierColumn && x.i != channelColumn && x.i != nameColumn && !dataColumns.Any(d => d.Index == x.i))
            .Select(x => x.h).ToList();
        if (unknownColumns.Count > 0)
        {
            return new ParticipantImportPreview([], $"Unknown column(s): {string.Join(", ", unknownColumns.Select(c => $"\"{c}\""))}. " +
                "Use identifier, channel, name and data.<key>.");
        }

        await using var db = await dbFactory.CreateForTeamAsync(access.TeamId, ct);
        if (!await db.Chatbots.AnyAsync(c => c.Id == chatbotId, ct))
        {
            return new ParticipantImportPreview([], "That chatbot does not exist in this team.");
        }
        var existing = (await db.Participants.AsNoTracking().Select(p => new { p.Platform, p.Identifier }).ToListAsync(ct))
            .Select(p => (p.Platform, p.Identifier)).ToHashSet();
        var seen = new Dictionary<(string, string), int>();
        var result = new List<ParticipantImportRow>();
        for (var r = 1; r < rows.Count; r++)
        {
            var (line, row) = rows[r];
            var errors = new List<string>();
            string Cell(int index) => index >= 0 && index < row.Length ? row[index].Trim() : "";
            if (row.Length > header.Length)
            {
                errors.Add($"has {row.Length} values but the header has {header.Length} columns");
            }
            var identifier = Cell(identifierColumn);
            var platform = channelColumn < 0 || Cell(channelColumn).Length == 0 ? ParticipantPlatforms.Api : Cell(channelColumn).ToLowerInvariant();
            var name = nameColumn < 0 || Cell(nameColumn).Length == 0 ? null : Cell(nameColumn);
            if (identifier.Length == 0)
            {
                errors.Add("identifier is empty");
            }
            else if (identifier.Length > ParticipantService.MaxIdentifierLength)
            {
                errors.Add($"identifier is longer than {ParticipantService.MaxIdentifierLength} characters");
            }
            foreach (var (what, value) in new[] { ("identifier", identifier), ("name", name ?? ""), ("channel", platform) })
            {
                if (value.Any(char.IsControl))
                {
                    errors.Add($"{what} spans several lines or holds control characters (is a quote on line {line} never closed?)");
                }
            }
            if (!ChannelName().IsMatch(platform))
            {
                errors.Add($"channel \"{platform}\" must be letters, digits, - or _ (at most 40), e.g. web, api, telegram");
            }
            else if (!ParticipantPlatforms.Known.Contains(platform))
            {
                errors.Add($"channel \"{platform}\" is not one of {string.Join(", ", ParticipantPlatforms.Known.Order(StringComparer.Ordinal))}");
            }
            if (name?.Length > ParticipantService.MaxNameLength)
            {
                errors.Add($"name is longer than {ParticipantService.MaxNameLength} characters");
            }
            if (identifier.Length > 0 && seen.TryGetValue((platform, identifier), out var firstLine))
            {
                errors.Add($"same identifier and channel as line {firstLine}");
            }
            else if (identifier.Length > 0)
            {
                seen[(platform, identifier)] = line;
            }
            var data = new JsonObject();
            foreach (var (key, index) in dataColumns)
            {
                var cell = Cell(index);
                if (cell.Length > 0)
                {
                    data[key] = CellValue(cell);
                }
            }
            result.Add(new ParticipantImportRow(line, identifier, platform, name, data, existing.Contains((platform, identifier)), errors));
        }
        return new ParticipantImportPreview(result, result.Count == 0 ? "The file has a header but no participants." : null);
    }

    /// <summary>
    /// Applies the valid rows of a CSV: creates missing participants, sets names, and merges the data.* values into what the
    /// chatbot knows (keys not in the file are kept). Rows with problems are skipped and counted.
    /// </summary>
    public async Task<ParticipantImportResult> ImportAsync(TeamAccess access, Guid chatbotId, TextReader csv, CancellationToken ct)
    {
        if (!access.Can(TeamPermission.EditChatbots))
        {
            return new ParticipantImportResult(0, 0, 0, "Only editors and admins can import participants.");
        }
        var preview = await PreviewImportAsync(access, chatbotId, csv, ct);
        if (preview.FileError is not null)
        {
            return new ParticipantImportResult(0, 0, 0, preview.FileError);
        }
        var valid = preview.Rows.Where(r => r.IsValid).ToList();
        var created = 0;
        var updated = 0;
        foreach (var batch in valid.Chunk(500))
        {
            await using var db = await dbFactory.CreateForTeamAsync(access.TeamId, ct);
            var identifiers = batch.Select(r => r.Identifier).Distinct().ToList();
            var participants = (await db.Participants.Where(p => identifiers.Contains(p.Identifier)).ToListAsync(ct))
                .ToDictionary(p => (p.Platform, p.Identifier));
            var ids = participants.Values.Select(p => p.Id).ToList();
            var dataRows = await db.ParticipantData.Where(d => d.ChatbotId == chatbotId && ids.Contains(d.ParticipantId))
                .ToDictionaryAsync(d => d.ParticipantId, ct);
            var writes = new List<ParticipantDataWrite>();
            foreach (var row in batch)
            {
                if (!participants.TryGetValue((row.Platform, row.Identifier), out var participant))
                {
                    participant = new Participant(access.TeamId, row.Platform, row.Identifier, row.Name);
                    db.Participants.Add(participant);
                    participants[(row.Platform, row.Identifier)] = participant;
                    created++;
                }
                else
                {
                    updated++;
                    if (row.Name is not null)
                    {
                        participant.Name = row.Name;
                    }
                }
                // Every imported participant gets a data row for the chatbot (possibly empty), so exports list them.
                // The row's keys are set on top of what is stored (version-checked: a turn saving meanwhile keeps its keys).
                var write = writer.Stage(db, dataRows.GetValueOrDefault(participant.Id), access.TeamId, participant.Id, chatbotId,
                    row.Data.Select(d => ParticipantDataChange.Set(d.Key, d.Value)).ToList());
                dataRows[participant.Id] = write.Row;
                writes.Add(write);
            }
            await writer.SaveChangesAsync(db, writes, ct);
        }
        return new ParticipantImportResult(created, updated, preview.Invalid, null);
    }

    /// <summary>A CSV cell as data: JSON numbers, booleans, objects and arrays keep their type; anything else is text.</summary>
    private static JsonNode? CellValue(string cell)
    {
        if (cell[0] is '{' or '[' or 't' or 'f' or 'n' or '-' or (>= '0' and <= '9'))
        {
            try
            {
                return JsonNode.Parse(cell);
            }
            catch (JsonException)
            {
                // Plain text that happens to start like JSON.
            }
        }
        return JsonValue.Create(cell);
    }

    private static string CellText(JsonNode? node) => node switch
    {
        null => "",
        JsonValue v when v.TryGetValue(out string? s) => s,
        JsonValue v when v.TryGetValue(out double d) => d.ToString(CultureInfo.InvariantCulture),
        _ => node.ToJsonString(),
    };

    private static string FirstSentence(string message)
    {
        var end = message.IndexOf(". ", StringComparison.Ordinal);
        return end < 0 ? message : message[..(end + 1)];
    }

    [GeneratedRegex("^[a-z0-9_-]{1,40}$")]
    private static partial Regex ChannelName();
}
