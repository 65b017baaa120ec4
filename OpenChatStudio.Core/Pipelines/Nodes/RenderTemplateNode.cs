using System.ComponentModel;
using System.ComponentModel.DataAnnotations;
using OpenChatStudio.Core.Pipelines.Execution;
using OpenChatStudio.Core.Pipelines.Registry;
using OpenChatStudio.Core.Pipelines.Templates;

namespace OpenChatStudio.Core.Pipelines.Nodes;

[PipelineNode("RenderTemplate", Label = "Render a template", Category = "Text",
    Description = "Renders a Liquid template. Variables: input, node_inputs, temp_state, session_state, participant_data, participant_details. Unknown variables are errors.",
    Icon = "description", TimeoutSeconds = 5)]
public sealed class RenderTemplateNode : PipelineNode<RenderTemplateNode.Params>
{
    private static readonly FluidTemplateRenderer SyntaxChecker = new();

    public sealed class Params
    {
        [Required(ErrorMessage = "Write a template."), StringLength(20_000)]
        [FieldWidget(FieldWidgetAttribute.Template), Description("Liquid, e.g. 'Hello {{ participant_data.name }}: {{ input }}'.")]
        public string TemplateString { get; set; } = "{{ input }}";
    }

    public override IEnumerable<GraphValidationIssue> Validate(Params p) =>
        SyntaxChecker.Check(p.TemplateString) is { } error ? [new GraphValidationIssue("template_string", $"Template syntax error: {error}")] : [];

    public override async Task<NodeResult> ExecuteAsync(Params p, NodeContext context, CancellationToken ct) =>
        NodeResult.Continue(await context.Services.Templates.RenderAsync(p.TemplateString, TemplateVariables.For(context), ct));
}
