namespace OpenChatStudio.Web.Hosting;

/// <summary>
/// Sizes of what the interactive studio accepts. Text typed or pasted into a field reaches the server as one SignalR
/// message, so every large field is capped well below <see cref="MaxHubMessageBytes"/> (a character can take three
/// bytes), and larger content arrives as a file upload, which streams in chunks.
/// </summary>
public static class StudioLimits
{
    public const int MaxHubMessageBytes = 1024 * 1024;

    /// <summary>Characters a pasted pipeline may have; larger pipelines are imported from their file.</summary>
    public const int MaxPastedPipelineChars = 250_000;

    /// <summary>Bytes an imported pipeline file may have.</summary>
    public const long MaxPipelineFileBytes = 5 * 1024 * 1024;

    /// <summary>Characters of one preview message (the chat API's own limit).</summary>
    public const int MaxPreviewMessageChars = 20_000;
}
