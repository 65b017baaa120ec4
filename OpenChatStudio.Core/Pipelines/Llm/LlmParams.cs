using System.ComponentModel;
using System.ComponentModel.DataAnnotations;
using OpenChatStudio.Core.Pipelines.Execution;
using OpenChatStudio.Core.Pipelines.Registry;

namespace OpenChatStudio.Core.Pipelines.Llm;

/// <summary>Params every LLM-backed node has: which provider and model (OCS LLMResponseMixin).</summary>
public abstract class LlmParams
{
    [FieldWidget(FieldWidgetAttribute.LlmProvider), FieldLabel("Provider")]
    [Description("One of the team's LLM providers, or the built-in offline model.")]
    public Guid LlmProviderId { get; set; } = OpenChatStudio.Core.Llm.OfflineModel.ProviderId;

    [Required(ErrorMessage = "Choose a model."), StringLength(200)]
    [FieldWidget(FieldWidgetAttribute.LlmModel), FieldLabel("Model")]
    public string LlmModel { get; set; } = "offline";

    [Range(0.0, 2.0), Description("Higher is more varied; empty uses the provider's default.")]
    public double? Temperature { get; set; }

    internal IEnumerable<GraphValidationIssue> ValidateProvider()
    {
        if (LlmProviderId == Guid.Empty)
        {
            yield return new GraphValidationIssue("llm_provider_id", "Choose a provider.");
        }
    }
}

/// <summary>LLM params plus memory of earlier exchanges (OCS HistoryMixin).</summary>
public abstract class LlmHistoryParams : LlmParams
{
    [Description("What the node remembers: the whole conversation (global), its own exchanges (node), a shared named history, or nothing.")]
    public HistoryType HistoryType { get; set; } = HistoryType.Global;

    [StringLength(100), Description("Name shared by nodes that use the same named history.")]
    [ShowWhen("history_type", "named")]
    public string? HistoryName { get; set; }

    [Description("How history is kept short enough.")]
    [ShowWhen("history_type", "node", "named", "global")]
    public HistoryMode HistoryMode { get; set; } = HistoryMode.MaxHistoryLength;

    [Range(0, 1000), Description("How many of the latest exchanges are kept.")]
    [ShowWhen("history_mode", "max_history_length")]
    public int MaxHistoryLength { get; set; } = 10;

    [Range(256, 2_000_000), Description("Token limit for truncate/summarize; empty uses the model's context window.")]
    [ShowWhen("history_mode", "truncate_tokens", "summarize")]
    public int? UserMaxTokenLimit { get; set; }

    internal IEnumerable<GraphValidationIssue> ValidateHistory()
    {
        if (HistoryType == HistoryType.Named && string.IsNullOrWhiteSpace(HistoryName))
        {
            yield return new GraphValidationIssue("history_name", "Name the shared history.");
        }
    }
}
