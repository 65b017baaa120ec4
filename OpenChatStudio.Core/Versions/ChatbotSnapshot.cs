using OpenChatStudio.Core.Chatbots;

namespace OpenChatStudio.Core.Versions;

/// <summary>
/// What a message runs against: the working version (<see cref="VersionNumber"/> null) or a numbered version.
/// <see cref="CacheKey"/> identifies the compiled pipeline.
/// </summary>
public sealed record ChatbotSnapshot(
    Guid ChatbotId,
    Guid PublicId,
    int? VersionNumber,
    string Name,
    string Description,
    string? SeedMessage,
    string PipelineJson,
    string ParticipantAllowlistJson,
    bool FileUploadsEnabled,
    Guid? ConsentFormId,
    string TriggersJson,
    (Guid Id, DateTime Revision) CacheKey)
{
    public static ChatbotSnapshot Working(Chatbot c) => new(c.Id, c.PublicId, null, c.Name, c.Description, c.SeedMessage,
        c.PipelineJson, c.ParticipantAllowlistJson, c.FileUploadsEnabled, c.ConsentFormId, c.TriggersJson, (c.Id, c.UpdatedAt));

    public static ChatbotSnapshot Of(Chatbot c, ChatbotVersion v) => new(c.Id, c.PublicId, v.Number, v.Name, v.ChatbotDescription,
        v.SeedMessage, v.PipelineJson, v.ParticipantAllowlistJson, v.FileUploadsEnabled, v.ConsentFormId, v.TriggersJson,
        (v.Id, v.CreatedAt));

    public string VersionLabel => VersionNumber is { } n ? $"v{n}" : "working version";
}

/// <summary>Which version a session talks to.</summary>
public enum VersionSelection
{
    /// <summary>The editable working version (preview, testers).</summary>
    Working,

    /// <summary>Whatever version is published when each message arrives (public surfaces, channels).</summary>
    Published,

    /// <summary>The published version, or the working version while none is published (API, as OCS).</summary>
    PublishedOrWorking,

    /// <summary>One numbered version (authorised API calls, testers chatting with an old version).</summary>
    Specific,
}

/// <summary>A version choice; <see cref="Number"/> only for <see cref="VersionSelection.Specific"/>.</summary>
public readonly record struct VersionChoice(VersionSelection Selection, int? Number = null)
{
    public static VersionChoice Working => new(VersionSelection.Working);

    public static VersionChoice Published => new(VersionSelection.Published);

    public static VersionChoice PublishedOrWorking => new(VersionSelection.PublishedOrWorking);

    public static VersionChoice Specific(int number) => new(VersionSelection.Specific, number);
}

/// <summary>The chatbot cannot serve this session (no published version, unknown version number).</summary>
public sealed class ChatbotUnavailableException(string message) : Exception(message);
