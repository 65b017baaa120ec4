using OpenChatStudio.Core.Llm;
using OpenChatStudio.Core.Teams;
using OpenChatStudio.Core.Audit;

namespace OpenChatStudio.Core.Providers;

/// <summary>A team's connection to an LLM service. The API key is encrypted at rest and never shown again.</summary>
[Audited("LLM provider")]
public sealed class LlmProvider : ITeamOwned
{
    public Guid Id { get; private set; } = Guid.NewGuid();

    public Guid TeamId { get; private set; }

    public string Name { get; set; } = "";

    public LlmProviderType Type { get; private set; }

    public string? BaseUrl { get; set; }

    public string? Organization { get; set; }

    public string? ApiVersion { get; set; }

    public string? Deployment { get; set; }

    /// <summary>The API key, protected with Data Protection; empty when the service needs none.</summary>
    [AuditSecret]

    public string ProtectedApiKey { get; set; } = "";

    /// <summary>Last characters of the key, to tell keys apart without revealing them.</summary>
    public string? KeyHint { get; set; }

    public DateTime CreatedAt { get; private set; }

    [AuditIgnore]

    public DateTime UpdatedAt { get; set; }

    private LlmProvider()
    {
    }

    public LlmProvider(Guid teamId, string name, LlmProviderType type)
    {
        TeamId = teamId;
        Name = name;
        Type = type;
    }
}
