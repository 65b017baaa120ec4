namespace OpenChatStudio.Core.Chat;

/// <summary>Why a session ended (<see cref="ChatSession.EndReason"/>, OCS's end reasons); event triggers match on these.</summary>
public static class SessionEndReasons
{
    /// <summary>The participant ended it (the hosted page's or widget's "end chat").</summary>
    public const string User = "user";

    /// <summary>The participant sent <c>/reset</c> and a new session replaced this one.</summary>
    public const string Reset = "reset";

    /// <summary>The pipeline ended it (the end-session intent).</summary>
    public const string Bot = "bot";

    /// <summary>An API client ended it.</summary>
    public const string Api = "api";

    /// <summary>An event action ended it.</summary>
    public const string Event = "event";

    /// <summary>A team member ended it from the session review.</summary>
    public const string Manual = "manual";
}
