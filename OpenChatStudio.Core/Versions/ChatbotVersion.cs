using OpenChatStudio.Core.Chatbots;
using OpenChatStudio.Core.Teams;
using OpenChatStudio.Core.Audit;

namespace OpenChatStudio.Core.Versions;

/// <summary>
/// An immutable, numbered snapshot of a chatbot (settings, pipeline, layout, triggers). Exactly one version of a chatbot
/// is published; public surfaces serve it. The chatbot row itself is the editable "working version".
/// </summary>
[Audited("Version")]
public sealed class ChatbotVersion : ITeamOwned
{
    public Guid Id { get; private set; } = Guid.NewGuid();

    public Guid TeamId { get; private set; }

    public Guid ChatbotId { get; private set; }

    /// <summary>1, 2, 3… per chatbot.</summary>
    public int Number { get; private set; }

    public string Description { get; private set; } = "";

    public bool IsPublished { get; set; }

    public bool IsArchived { get; set; }

    public DateTime CreatedAt { get; private set; }

    public Guid? CreatedByUserId { get; private set; }

    public string CreatedByName { get; private set; } = "";

    // The snapshot.
    public string Name { get; private set; } = "";

    public string ChatbotDescription { get; private set; } = "";

    public string? SeedMessage { get; private set; }

    [AuditOpaque]

    public string PipelineJson { get; private set; } = "";

    [AuditIgnore]

    public string LayoutJson { get; private set; } = "{}";

    [AuditOpaque]

    public string ParticipantAllowlistJson { get; private set; } = "[]";

    public bool FileUploadsEnabled { get; private set; }

    public Guid? ConsentFormId { get; private set; }

    /// <summary>The chatbot's event triggers (static and timeout) as JSON, versioned with it.</summary>
    [AuditOpaque]

    public string TriggersJson { get; private set; } = "[]";

    public string WelcomeMessagesJson { get; private set; } = "[]";

    public string StarterQuestionsJson { get; private set; } = "[]";

    private ChatbotVersion()
    {
    }

    public ChatbotVersion(Chatbot source, int number, string description, Guid? createdByUserId, string createdByName, DateTime now)
    {
        TeamId = source.TeamId;
        ChatbotId = source.Id;
        Number = number;
        Description = description;
        CreatedByUserId = createdByUserId;
        CreatedByName = createdByName;
        CreatedAt = now;
        Name = source.Name;
        ChatbotDescription = source.Description;
        SeedMessage = source.SeedMessage;
        PipelineJson = source.PipelineJson;
        LayoutJson = source.LayoutJson;
        ParticipantAllowlistJson = source.ParticipantAllowlistJson;
        FileUploadsEnabled = source.FileUploadsEnabled;
        ConsentFormId = source.ConsentFormId;
        TriggersJson = source.TriggersJson;
        WelcomeMessagesJson = source.WelcomeMessagesJson;
        StarterQuestionsJson = source.StarterQuestionsJson;
    }
}
