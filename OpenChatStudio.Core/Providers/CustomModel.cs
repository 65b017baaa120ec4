using OpenChatStudio.Core.Llm;
using OpenChatStudio.Core.Teams;
using OpenChatStudio.Core.Audit;

namespace OpenChatStudio.Core.Providers;

/// <summary>A model a team added to the catalogue for a provider type (fine-tunes, new releases, local models).</summary>
[Audited("Custom model")]
public sealed class CustomModel : ITeamOwned
{
    public Guid Id { get; private set; } = Guid.NewGuid();

    public Guid TeamId { get; private set; }

    public LlmProviderType ProviderType { get; private set; }

    public string Name { get; private set; } = "";

    public int ContextWindow { get; set; }

    public decimal InputPerMillion { get; set; }

    public decimal OutputPerMillion { get; set; }

    private CustomModel()
    {
    }

    public CustomModel(Guid teamId, LlmProviderType providerType, string name, int contextWindow)
    {
        TeamId = teamId;
        ProviderType = providerType;
        Name = name;
        ContextWindow = contextWindow;
    }

    public LlmModelInfo ToInfo() => new(Name, ContextWindow, InputPerMillion, OutputPerMillion);
}
