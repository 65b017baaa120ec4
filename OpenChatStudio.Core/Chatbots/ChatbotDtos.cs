using OpenChatStudio.Core.Pipelines.Graph;

namespace OpenChatStudio.Core.Chatbots;

public sealed record ChatbotSummary(Guid Id, string Name, string Description, bool IsArchived, DateTime CreatedAt, DateTime UpdatedAt);

public sealed record ChatbotDetails(
    Guid Id,
    Guid PublicId,
    string Name,
    string Description,
    string? SeedMessage,
    bool IsArchived,
    PipelineGraph Pipeline,
    IReadOnlyDictionary<string, NodePosition> Layout,
    int EditRevision,
    IReadOnlyList<string> ParticipantAllowlist,
    bool FileUploadsEnabled,
    Guid? ConsentFormId,
    DateTime UpdatedAt,
    IReadOnlyList<string>? WelcomeMessages = null,
    IReadOnlyList<string>? StarterQuestions = null);

/// <summary>
/// The settings form. An empty allowlist means anyone may chat. Welcome messages and starter questions (hosted page) are
/// left unchanged when null.
/// </summary>
public sealed record ChatbotSettings(
    string Name,
    string Description,
    string? SeedMessage,
    IReadOnlyList<string> ParticipantAllowlist,
    bool FileUploadsEnabled,
    Guid? ConsentFormId,
    IReadOnlyList<string>? WelcomeMessages = null,
    IReadOnlyList<string>? StarterQuestions = null);
