using OpenChatStudio.Core.Teams;

namespace OpenChatStudio.Core.Participants;

/// <summary>Someone who chats with the team's chatbots, identified per platform (email, phone, Telegram id, anon:…).</summary>
public sealed class Participant : ITeamOwned
{
    public Guid Id { get; private set; } = Guid.NewGuid();

    public Guid TeamId { get; private set; }

    public string Platform { get; private set; } = "";

    public string Identifier { get; private set; } = "";

    public string? Name { get; set; }

    /// <summary>Set when the participant is also a signed-in user (e.g. a tester in the preview).</summary>
    public Guid? UserId { get; set; }

    public DateTime CreatedAt { get; private set; }

    /// <summary>
    /// When a messaging platform said this participant cannot be reached any more (e.g. they blocked the Telegram bot);
    /// nothing is sent to them while set. Cleared when they write again.
    /// </summary>
    public DateTime? UnreachableSince { get; set; }

    private Participant()
    {
    }

    public Participant(Guid teamId, string platform, string identifier, string? name = null)
    {
        TeamId = teamId;
        Platform = platform;
        Identifier = identifier;
        Name = name;
    }
}
