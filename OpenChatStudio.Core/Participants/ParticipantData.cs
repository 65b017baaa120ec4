using OpenChatStudio.Core.Teams;

namespace OpenChatStudio.Core.Participants;

/// <summary>What a chatbot knows about a participant (JSON), encrypted at rest with Data Protection.</summary>
public sealed class ParticipantData : ITeamOwned
{
    public Guid Id { get; private set; } = Guid.NewGuid();

    public Guid TeamId { get; private set; }

    public Guid ParticipantId { get; private set; }

    public Guid ChatbotId { get; private set; }

    /// <summary>Protected JSON; read and write through <see cref="ParticipantDataProtector"/>.</summary>
    public string ProtectedData { get; set; } = "";

    public DateTime UpdatedAt { get; set; } = DateTime.UtcNow;

    private ParticipantData()
    {
    }

    public ParticipantData(Guid teamId, Guid participantId, Guid chatbotId)
    {
        TeamId = teamId;
        ParticipantId = participantId;
        ChatbotId = chatbotId;
    }
}
