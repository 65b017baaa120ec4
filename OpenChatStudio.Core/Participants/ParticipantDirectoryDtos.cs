using System.Text.Json.Nodes;

namespace OpenChatStudio.Core.Participants;

public sealed record ParticipantRow(Guid Id, string Identifier, string? Name, string Platform, DateTime CreatedAt, int Sessions, DateTime? LastActivityAt);

public sealed record ParticipantRowsPage(IReadOnlyList<ParticipantRow> Rows, int Total);

public sealed record ParticipantSessionRow(Guid Id, Guid ChatbotId, string ChatbotName, string Platform, string Status, DateTime CreatedAt,
    DateTime? LastActivityAt, int Messages);

public sealed record ParticipantChatbotDataRow(Guid ChatbotId, string ChatbotName, JsonObject Data, DateTime UpdatedAt);

public sealed record ParticipantReminderRow(Guid Id, string ChatbotName, string Name, string Message, DateTime NextTriggerAt, string Schedule,
    string State);

public sealed record ParticipantProfile(
    Guid Id,
    string Identifier,
    string? Name,
    string Platform,
    DateTime CreatedAt,
    IReadOnlyList<ParticipantSessionRow> Sessions,
    IReadOnlyList<ParticipantChatbotDataRow> Data,
    IReadOnlyList<ParticipantReminderRow> Reminders);

/// <summary>One CSV row as the import would apply it, with its problems (a row with problems is skipped).</summary>
public sealed record ParticipantImportRow(int Line, string Identifier, string Platform, string? Name, JsonObject Data, bool Exists,
    IReadOnlyList<string> Errors)
{
    public bool IsValid => Errors.Count == 0;
}

public sealed record ParticipantImportPreview(IReadOnlyList<ParticipantImportRow> Rows, string? FileError)
{
    public int Valid => Rows.Count(r => r.IsValid);

    public int Invalid => Rows.Count(r => !r.IsValid);
}

public sealed record ParticipantImportResult(int Created, int Updated, int Skipped, string? Error);
