using System.ComponentModel;
using System.ComponentModel.DataAnnotations;
using System.Text.Json.Nodes;
using OpenChatStudio.Core.Pipelines.Execution;
using OpenChatStudio.Core.Pipelines.Llm;
using OpenChatStudio.Core.Pipelines.Registry;

namespace OpenChatStudio.Core.Pipelines.Nodes;

[PipelineNode("ExtractParticipantData", Label = "Update Participant Data", Category = "LLM",
    Description = "A language model extracts fields from the message and merges them into the participant's data. The message passes on unchanged.",
    Icon = "manage_accounts", TimeoutSeconds = 120)]
public sealed class UpdateParticipantDataNode : PipelineNode<UpdateParticipantDataNode.Params>
{
    public sealed class Params : LlmParams
    {
        [Required(ErrorMessage = "Describe the fields to extract."), StringLength(20_000)]
        [FieldWidget(FieldWidgetAttribute.JsonSchema), Description("JSON object of field names and descriptions.")]
        public string DataSchema { get; set; } = "{\"name\": \"the user's name\"}";

        [StringLength(100), Description("Store the fields under this key instead of at the top level.")]
        public string? KeyName { get; set; }
    }

    public override IEnumerable<GraphValidationIssue> Validate(Params p) => p.ValidateProvider().Concat(Extraction.ValidateSchema(p.DataSchema));

    public override async Task<NodeResult> ExecuteAsync(Params p, NodeContext context, CancellationToken ct)
    {
        var current = string.IsNullOrWhiteSpace(p.KeyName) ? context.State.ParticipantDataSnapshot() : context.State.GetParticipantData(p.KeyName) as JsonObject;
        var extracted = await Extraction.ExtractAsync(context, p, p.DataSchema, current?.ToJsonString(), ct);
        var found = new JsonObject(extracted.Where(kv => kv.Value is not null).Select(kv => KeyValuePair.Create(kv.Key, (JsonNode?)kv.Value!.DeepClone())));
        if (found.Count > 0)
        {
            if (string.IsNullOrWhiteSpace(p.KeyName))
            {
                context.State.MergeParticipantData(found);
            }
            else
            {
                var merged = current ?? new JsonObject();
                foreach (var (key, value) in found)
                {
                    merged[key] = value?.DeepClone();
                }
                context.State.SetParticipantData(p.KeyName, merged);
            }
        }
        context.Note(found.Count == 0 ? "Nothing new to store." : $"Stored: {string.Join(", ", found.Select(kv => kv.Key))}.");
        return NodeResult.Continue(context.Input);
    }
}
