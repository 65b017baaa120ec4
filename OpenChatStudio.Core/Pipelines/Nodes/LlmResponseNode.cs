using System.ComponentModel;
using System.ComponentModel.DataAnnotations;
using OpenChatStudio.Core.Pipelines.Execution;
using OpenChatStudio.Core.Pipelines.Llm;
using OpenChatStudio.Core.Pipelines.Registry;
using OpenChatStudio.Core.Pipelines.Tools;

namespace OpenChatStudio.Core.Pipelines.Nodes;

[PipelineNode("LLMResponseWithPrompt", Label = "LLM", Category = "LLM",
    Description = "Answers with a language model: a system prompt (variables {participant_data}, {source_material}, {current_datetime}, {session_state}, {temp_state}), remembered history, and optional tools.",
    Icon = "smart_toy", TimeoutSeconds = 180)]
public sealed class LlmResponseNode : PipelineNode<LlmResponseNode.Params>
{
    public sealed class Params : LlmHistoryParams
    {
        [Required(ErrorMessage = "Write a system prompt."), StringLength(100_000)]
        [FieldWidget(FieldWidgetAttribute.Prompt), Description("Instructions for the model.")]
        public string Prompt { get; set; } = "You are a helpful assistant.";

        [FieldWidget(FieldWidgetAttribute.SourceMaterial), Description("Team source material inserted at {source_material}.")]
        public Guid? SourceMaterialId { get; set; }

        [FieldWidget(FieldWidgetAttribute.ToolList), Description("Tools the model may call: " + ToolList + ".")]
        public List<string> Tools { get; set; } = [];

        [StringLength(100), Description("Tag added to the reply.")]
        public string? Tag { get; set; }

        private const string ToolList = "update-user-data, append-to-participant-data, increment-counter, end-session, set-session-state, get-session-state, append-to-session-state, increment-session-state-counter, calculator, one-off-reminder, recurring-reminder, list-reminders, delete-reminder, move-scheduled-message-date";
    }

    public override IEnumerable<GraphValidationIssue> Validate(Params p) =>
        p.ValidateProvider()
            .Concat(p.ValidateHistory())
            .Concat(PromptVariables.Validate(p.Prompt, "prompt"))
            .Concat(p.Tools.Where(t => !BotTools.Slugs.ContainsKey(t)).Select(t => new GraphValidationIssue("tools", $"Unknown tool '{t}'.")));

    public override async Task<NodeResult> ExecuteAsync(Params p, NodeContext context, CancellationToken ct)
    {
        var binding = await context.Services.Llm.ResolveAsync(p.LlmProviderId, p.LlmModel, ct);
        var prompt = await PromptVariables.FormatAsync(p.Prompt, context, p.SourceMaterialId, ct);
        var history = await HistoryLoader.BuildAsync(context, binding, prompt, p.HistoryType, p.HistoryName, p.HistoryMode, p.MaxHistoryLength, p.UserMaxTokenLimit, ct);
        var tools = p.Tools.Count > 0 ? BotTools.CreatePlugin(context, context.Services.Reminders, p.Tools) : null;
        var reply = await LlmCall.RunAsync(context, binding, history, tools, p.Temperature, stream: context.CanStream, ct);
        await HistoryLoader.SaveAsync(context, p.HistoryType, p.HistoryName, reply, ct);
        if (!string.IsNullOrWhiteSpace(p.Tag))
        {
            context.State.AddMessageTag(p.Tag, "bot_response");
        }
        return NodeResult.Continue(reply);
    }
}
