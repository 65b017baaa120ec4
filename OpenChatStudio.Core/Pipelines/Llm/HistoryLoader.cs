using Microsoft.SemanticKernel.ChatCompletion;
using OpenChatStudio.Core.Llm;
using OpenChatStudio.Core.Pipelines.Execution;

namespace OpenChatStudio.Core.Pipelines.Llm;

/// <summary>How history is kept within limits (OCS history_mode).</summary>
public enum HistoryMode
{
    /// <summary>Keep the last <c>max_history_length</c> exchanges.</summary>
    [Registry.FieldLabel("Keep the last N exchanges")]
    MaxHistoryLength,

    /// <summary>Drop the oldest exchanges until the prompt fits the token limit.</summary>
    [Registry.FieldLabel("Drop the oldest to fit a token limit")]
    TruncateTokens,

    /// <summary>Replace older exchanges with a model-written summary when the prompt would not fit.</summary>
    [Registry.FieldLabel("Summarize older exchanges")]
    Summarize,
}

/// <summary>
/// Builds the chat history an LLM node sends: system prompt, remembered exchanges (compressed), the input with the
/// message's attachments (<see cref="AttachmentPrompt"/>).
/// </summary>
public static class HistoryLoader
{
    /// <summary>Rough token estimate (4 characters a token) — good enough to keep prompts inside the window.</summary>
    public static int EstimateTokens(string text) => text.Length / 4 + 1;

    public static HistoryKey? KeyFor(NodeContext context, HistoryType type, string? name) =>
        context.Run.SessionId is not { } session || type == HistoryType.None
            ? null
            : new HistoryKey(session, type, type switch
            {
                HistoryType.Node => context.Node.Id,
                HistoryType.Named => name ?? "",
                _ => "",
            });

    public static async Task<ChatHistory> BuildAsync(
        NodeContext context, LlmBinding binding, string systemPrompt, HistoryType type, string? name, HistoryMode mode,
        int maxLength, int? tokenLimit, CancellationToken ct)
    {
        // Bounded where it is read: the last maxLength turns in that mode, else the store's cap (token modes trim below).
        int? lastTurns = mode == HistoryMode.MaxHistoryLength ? Math.Max(0, maxLength) : null;
        var turns = KeyFor(context, type, name) is { } key ? (await context.Services.History.LoadAsync(key, lastTurns, ct)).ToList() : [];
        var limit = Math.Max(256, tokenLimit ?? binding.Model.ContextWindow);
        var user = AttachmentPrompt.Build(context.Input, context.State.Attachments, binding.SupportsImages);
        var fixedTokens = EstimateTokens(systemPrompt) + AttachmentPrompt.EstimateTokens(user);
        int Size(IEnumerable<HistoryTurn> list) => list.Sum(t => EstimateTokens(t.Human) + EstimateTokens(t.Ai));
        string? summary = null;

        switch (mode)
        {
            case HistoryMode.MaxHistoryLength:
                if (turns.Count > maxLength)
                {
                    turns = turns[^Math.Max(0, maxLength)..];
                }
                break;
            case HistoryMode.TruncateTokens:
                while (turns.Count > 0 && fixedTokens + Size(turns) > limit)
                {
                    turns.RemoveAt(0);
                }
                break;
            case HistoryMode.Summarize when turns.Count > 2 && fixedTokens + Size(turns) > limit:
                var older = turns[..^2];
                turns = turns[^2..];
                summary = await SummarizeAsync(context, binding, older, ct);
                context.Note($"Summarized {older.Count} earlier exchanges to fit {limit} tokens.");
                break;
        }

        var history = new ChatHistory();
        history.AddSystemMessage(summary is null ? systemPrompt : $"{systemPrompt}\n\nSummary of the earlier conversation: {summary}");
        foreach (var turn in turns)
        {
            history.AddUserMessage(turn.Human);
            history.AddAssistantMessage(turn.Ai);
        }
        history.Add(user);
        return history;
    }

    public static Task SaveAsync(NodeContext context, HistoryType type, string? name, string output, CancellationToken ct) =>
        type is HistoryType.Node or HistoryType.Named && KeyFor(context, type, name) is { } key
            ? context.Services.History.AppendAsync(key, new HistoryTurn(context.Input, output), ct)
            : Task.CompletedTask;

    private static async Task<string> SummarizeAsync(NodeContext context, LlmBinding binding, IReadOnlyList<HistoryTurn> turns, CancellationToken ct)
    {
        var history = new ChatHistory();
        history.AddSystemMessage("Summarize this conversation in a few sentences, keeping names, facts and decisions.");
        history.AddUserMessage(string.Join("\n", turns.Select(t => $"User: {t.Human}\nAssistant: {t.Ai}")));
        return await LlmCall.RunAsync(context, binding, history, tools: null, temperature: 0, stream: false, ct);
    }
}
