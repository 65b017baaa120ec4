using System.Text;
using System.Text.Json.Nodes;

namespace OpenChatStudio.Core.Pipelines.Execution;

/// <summary>
/// A file the participant sent with this message (OCS: the run state's <c>attachments</c>). Scripts and templates see
/// <see cref="ToJson"/> in <c>temp_state.attachments</c>; LLM nodes put text files' content and images into the user
/// message (<see cref="Llm.AttachmentPrompt"/>); the Code node reads text with <c>read_attachment_text(id)</c>.
/// </summary>
public sealed record PipelineAttachment(int Id, string Name, string ContentType, long Size, ReadOnlyMemory<byte> Content)
{
    /// <summary>The most text one attachment contributes to a prompt or a script (characters).</summary>
    public const int MaxTextCharacters = 20_000;

    private static readonly HashSet<string> TextExtensions = new(StringComparer.OrdinalIgnoreCase)
    {
        ".txt", ".md", ".markdown", ".csv", ".tsv", ".json", ".xml", ".html", ".htm", ".yaml", ".yml", ".log",
    };

    private static readonly HashSet<string> ImageTypes = new(StringComparer.OrdinalIgnoreCase)
    {
        "image/png", "image/jpeg", "image/jpg", "image/gif", "image/webp",
    };

    /// <summary>Text a model or script can read as is: text/*, JSON, XML, or a known text extension.</summary>
    public bool IsText =>
        ContentType.StartsWith("text/", StringComparison.OrdinalIgnoreCase)
        || ContentType.Contains("json", StringComparison.OrdinalIgnoreCase)
        || ContentType.Contains("xml", StringComparison.OrdinalIgnoreCase)
        || TextExtensions.Contains(Path.GetExtension(Name));

    /// <summary>An image format vision models accept.</summary>
    public bool IsImage => ImageTypes.Contains(ContentType);

    /// <summary>The content decoded as UTF-8, cut at <paramref name="maxCharacters"/> (with a note saying so).</summary>
    public string ReadText(int maxCharacters = MaxTextCharacters)
    {
        // UTF-8 needs at most 4 bytes a character: decode no more than can be kept.
        var bytes = Content.Span;
        var slice = bytes.Length > maxCharacters * 4L ? bytes[..(maxCharacters * 4)] : bytes;
        var text = Encoding.UTF8.GetString(slice);
        return text.Length > maxCharacters || slice.Length < bytes.Length
            ? text[..Math.Min(text.Length, maxCharacters)] + $"\n[… {Name} was cut at {maxCharacters:N0} characters]"
            : text;
    }

    /// <summary>What scripts and templates see (OCS attachment fields).</summary>
    public JsonObject ToJson() => new()
    {
        ["id"] = Id,
        ["name"] = Name,
        ["content_type"] = ContentType,
        ["size"] = Size,
    };
}
