using System.ComponentModel;
using System.ComponentModel.DataAnnotations;
using OpenChatStudio.Core.Pipelines.Execution;
using OpenChatStudio.Core.Pipelines.Llm;
using OpenChatStudio.Core.Pipelines.Registry;

namespace OpenChatStudio.Core.Pipelines.Nodes;

[PipelineNode("ExtractStructuredData", Label = "Extract Structured Data", Category = "LLM",
    Description = "A language model extracts fields from the message as JSON. The output is that JSON.",
    Icon = "data_object", TimeoutSeconds = 120)]
public sealed class ExtractStructuredDataNode : PipelineNode<ExtractStructuredDataNode.Params>
{
    public sealed class Params : LlmParams
    {
        [Required(ErrorMessage = "Describe the fields to extract."), StringLength(20_000)]
        [FieldWidget(FieldWidgetAttribute.JsonSchema), Description("JSON object of field names and descriptions, e.g. {\"name\": \"the user's name\"}.")]
        public string DataSchema { get; set; } = "{\"name\": \"the user's name\"}";
    }

    public override IEnumerable<GraphValidationIssue> Validate(Params p) => p.ValidateProvider().Concat(Extraction.ValidateSchema(p.DataSchema));

    public override async Task<NodeResult> ExecuteAsync(Params p, NodeContext context, CancellationToken ct) =>
        NodeResult.Continue((await Extraction.ExtractAsync(context, p, p.DataSchema, null, ct)).ToJsonString());
}
