using OpenChatStudio.Core.Teams;
using OpenChatStudio.Core.Audit;

namespace OpenChatStudio.Core.Chatbots;

/// <summary>Reference text an LLM node can insert into its prompt at {source_material}.</summary>
[Audited("Source material")]
public sealed class SourceMaterial : ITeamOwned
{
    public Guid Id { get; private set; } = Guid.NewGuid();

    public Guid TeamId { get; private set; }

    public string Topic { get; set; } = "";

    public string Description { get; set; } = "";

    [AuditOpaque]

    public string Material { get; set; } = "";

    public DateTime CreatedAt { get; private set; }

    private SourceMaterial()
    {
    }

    public SourceMaterial(Guid teamId, string topic, string material)
    {
        TeamId = teamId;
        Topic = topic;
        Material = material;
    }
}
