using OpenChatStudio.Core.Teams;
using OpenChatStudio.Core.Audit;

namespace OpenChatStudio.Core.Chatbots;

/// <summary>Text a participant agrees to before chatting (markdown), optionally capturing an identifier.</summary>
[Audited("Consent form")]
public sealed class ConsentForm : ITeamOwned
{
    public Guid Id { get; private set; } = Guid.NewGuid();

    public Guid TeamId { get; private set; }

    public string Name { get; set; } = "";

    public string ConsentText { get; set; } = "";

    public bool CaptureIdentifier { get; set; } = true;

    public string IdentifierLabel { get; set; } = "Email address";

    /// <summary>"email" or "text".</summary>
    public string IdentifierType { get; set; } = "email";

    public string ConfirmationText { get; set; } = "Respond with '1' if you agree";

    public bool IsDefault { get; set; }

    public DateTime CreatedAt { get; private set; }

    private ConsentForm()
    {
    }

    public ConsentForm(Guid teamId, string name, string consentText)
    {
        TeamId = teamId;
        Name = name;
        ConsentText = consentText;
    }
}
