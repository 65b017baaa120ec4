namespace OpenChatStudio.Core.Chat;

/// <summary>Session lifecycle, as OCS.</summary>
public enum SessionStatus
{
    /// <summary>Created, waiting for the participant to begin (e.g. before consent).</summary>
    Setup,

    /// <summary>Waiting on the participant (e.g. conversational consent).</summary>
    Pending,

    Active,

    /// <summary>Ended; awaiting a reviewer.</summary>
    PendingReview,

    Complete,
}

public enum MessageRole
{
    Human,
    Ai,
    System,
}
