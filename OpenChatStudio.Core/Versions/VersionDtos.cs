namespace OpenChatStudio.Core.Versions;

public sealed record VersionSummary(
    Guid Id,
    int Number,
    string Description,
    bool IsPublished,
    bool IsArchived,
    DateTime CreatedAt,
    string CreatedByName);
