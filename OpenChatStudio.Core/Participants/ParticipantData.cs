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

    public DateTime UpdatedAt { get; set; }

    /// <summary>
    /// Concurrency token: grows by one with every write (<see cref="ParticipantDataWriter"/>), so a writer whose read is out
    /// of date fails to save, reads again and applies its changes to what is stored now.
    /// </summary>
    public int Version { get; set; }

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
