using System.Globalization;
using System.Text;
using Microsoft.SemanticKernel;
using Microsoft.SemanticKernel.ChatCompletion;
using OpenChatStudio.Core.Pipelines.Execution;

namespace OpenChatStudio.Core.Pipelines.Llm;

/// <summary>
/// The user message an LLM node sends when the participant attached files: text files' content follows the message
/// (bounded), images go along as image content when the model's provider takes images, and anything else is named in
/// a note so the model knows it exists.
/// </summary>
public static class AttachmentPrompt
{
    /// <summary>Text from all attachments together (characters).</summary>
    public const int MaxTotalTextCharacters = 50_000;

    public const int MaxImages = 4;

    public const long MaxImageBytes = 5L * 1024 * 1024;

    /// <summary>What an image is counted as when estimating a prompt's size (a large image is ≈ 800 tokens at OpenAI).</summary>
    public const int ImageTokens = 1_000;

    public static void AddUserMessage(ChatHistory history, string input, IReadOnlyList<PipelineAttachment> attachments, bool supportsImages) =>
        history.Add(Build(input, attachments, supportsImages));

    /// <summary>Estimated tokens of a message built by <see cref="Build"/>: its text plus <see cref="ImageTokens"/> per image.</summary>
    public static int EstimateTokens(ChatMessageContent message) =>
        message.Items.Count == 0
            ? HistoryLoader.EstimateTokens(message.Content ?? "")
            : message.Items.Sum(item => item switch
            {
                TextContent t => HistoryLoader.EstimateTokens(t.Text ?? ""),
                ImageContent => ImageTokens,
                _ => 0,
            });

    public static ChatMessageContent Build(string input, IReadOnlyList<PipelineAttachment> attachments, bool supportsImages)
    {
        if (attachments.Count == 0)
        {
            return new ChatMessageContent(AuthorRole.User, input);
        }
        var text = new StringBuilder(input);
        var items = new ChatMessageContentItemCollection();
        var textLeft = MaxTotalTextCharacters;
        var images = 0;
        foreach (var file in attachments)
        {
            if (file.IsText && textLeft > 0)
            {
                var limit = Math.Min(textLeft, PipelineAttachment.MaxTextCharacters);
                var content = file.ReadText(limit);
                textLeft -= Math.Min(content.Length, limit);
                text.Append(CultureInfo.InvariantCulture, $"\n\n--- Attached file: {file.Name} ({file.ContentType}) ---\n{content}\n--- End of {file.Name} ---");
            }
            else if (file.IsImage && supportsImages && images < MaxImages && file.Size <= MaxImageBytes)
            {
                images++;
                text.Append(CultureInfo.InvariantCulture, $"\n\n[Attached image: {file.Name}]");
                items.Add(new ImageContent(file.Content, file.ContentType));
            }
            else
            {
                text.Append(CultureInfo.InvariantCulture, $"\n\n[Attached file not shown to the model: {file.Name} ({file.ContentType}, {file.Size:N0} bytes)]");
            }
        }
        items.Insert(0, new TextContent(text.ToString()));
        return new ChatMessageContent(AuthorRole.User, items);
    }
}
