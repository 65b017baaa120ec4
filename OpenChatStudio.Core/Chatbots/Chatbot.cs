using OpenChatStudio.Core.Pipelines.Graph;
using OpenChatStudio.Core.Teams;
using OpenChatStudio.Core.Audit;

namespace OpenChatStudio.Core.Chatbots;

/// <summary>A chatbot: what it is called, what it says first, and its pipeline (graph + designer layout).</summary>
[Audited("Chatbot")]
public sealed class Chatbot : ITeamOwned
{
    public Guid Id { get; private set; } = Guid.NewGuid();

    public Guid TeamId { get; private set; }

    /// <summary>Used in public URLs and the API instead of <see cref="Id"/>.</summary>
    public Guid PublicId { get; private set; } = Guid.NewGuid();

    public string Name { get; set; } = "";

    public string Description { get; set; } = "";

    /// <summary>Sent to the bot (hidden) when a session starts; its reply is the first message shown.</summary>
    public string? SeedMessage { get; set; }

    [AuditOpaque]

    public string PipelineJson { get; private set; } = PipelineGraph.Empty.ToJson();

    /// <summary>Designer positions: node id → x, y. Not part of the pipeline's meaning.</summary>
    [AuditIgnore]

    public string LayoutJson { get; set; } = "{}";

    public bool IsArchived { get; set; }

    /// <summary>Bumped on every pipeline save; a save from an older revision is refused (optimistic concurrency).</summary>
    [AuditIgnore]

    public int EditRevision { get; private set; } = 1;

    /// <summary>JSON array of participant identifiers allowed to chat; empty means anyone.</summary>
    [AuditOpaque]

    public string ParticipantAllowlistJson { get; set; } = "[]";

    public bool FileUploadsEnabled { get; set; }

    public Guid? ConsentFormId { get; set; }

    /// <summary>Event triggers (static and timeout) with their actions, as JSON; copied into every version.</summary>
    [AuditOpaque]

    public string TriggersJson { get; set; } = "[]";

    /// <summary>JSON array of messages the hosted page shows before the participant writes (not sent to the bot).</summary>
    public string WelcomeMessagesJson { get; set; } = "[]";

    /// <summary>JSON array of suggested first questions the hosted page offers as buttons.</summary>
    public string StarterQuestionsJson { get; set; } = "[]";

    public DateTime CreatedAt { get; private set; }

    [AuditIgnore]

    public DateTime UpdatedAt { get; private set; }

    private Chatbot()
    {
    }

    public Chatbot(Guid teamId, string name, PipelineGraph pipeline)
    {
        TeamId = teamId;
        Name = name;
        SetPipeline(pipeline);
    }

    public PipelineGraph Pipeline => PipelineGraph.FromJson(PipelineJson);

    public void SetPipeline(PipelineGraph graph)
    {
        PipelineJson = graph.ToJson();
        EditRevision++;
    }
}
