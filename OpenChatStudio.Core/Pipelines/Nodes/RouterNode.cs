using System.ComponentModel;
using System.ComponentModel.DataAnnotations;
using System.Text.Json.Nodes;
using OpenChatStudio.Core.Pipelines.Execution;
using OpenChatStudio.Core.Pipelines.Llm;
using OpenChatStudio.Core.Pipelines.Registry;

namespace OpenChatStudio.Core.Pipelines.Nodes;

[PipelineNode("RouterNode", Label = "LLM Router", Category = "Routing",
    Description = "A language model picks one route for the message; anything unexpected (refusal, unknown route, bad JSON) takes the default route. The message passes on unchanged.",
    Icon = "alt_route", TimeoutSeconds = 120)]
public sealed class RouterNode : PipelineNode<RouterNode.Params>
{
    public sealed class Params : LlmHistoryParams
    {
        public Params()
        {
            HistoryType = HistoryType.Node;
        }

        [Required(ErrorMessage = "Explain how to choose a route."), StringLength(50_000)]
        [FieldWidget(FieldWidgetAttribute.Prompt), Description("How to classify the message. Variables: {participant_data}, {session_state}, {temp_state}, {current_datetime}.")]
        public string Prompt { get; set; } = "Classify the user's message into one of the routes.";

        [FieldWidget(FieldWidgetAttribute.KeywordList), Description("One output per route.")]
        public List<string> Keywords { get; set; } = ["YES", "NO"];

        [Description("Route taken when the model's answer is not one of the routes.")]
        [FieldWidget(FieldWidgetAttribute.RouteIndex), FieldLabel("Default route")]
        public int DefaultKeywordIndex { get; set; }

        [Description("Tag the reply with the route taken.")]
        public bool TagOutputMessage { get; set; }
    }

    public override IReadOnlyList<OutputPort> Outputs(Params p) => RouterKeywords.Ports(p.Keywords);

    public override IEnumerable<GraphValidationIssue> Validate(Params p) =>
        p.ValidateProvider().Concat(p.ValidateHistory()).Concat(PromptVariables.Validate(p.Prompt, "prompt"))
            .Concat(RouterKeywords.Validate(p.Keywords, p.DefaultKeywordIndex));

    public override async Task<NodeResult> ExecuteAsync(Params p, NodeContext context, CancellationToken ct)
    {
        var binding = await context.Services.Llm.ResolveAsync(p.LlmProviderId, p.LlmModel, ct);
        var schema = new JsonObject
        {
            ["type"] = "object",
            ["properties"] = new JsonObject { ["route"] = new JsonObject { ["type"] = "string", ["enum"] = new JsonArray(p.Keywords.Select(k => (JsonNode?)JsonValue.Create(k)).ToArray()) } },
            ["required"] = new JsonArray("route"),
        };
        var prompt = await PromptVariables.FormatAsync(p.Prompt, context, null, ct) + "\n\n" + StructuredOutput.Instruction(schema);
        var history = await HistoryLoader.BuildAsync(context, binding, prompt, p.HistoryType, p.HistoryName, p.HistoryMode, p.MaxHistoryLength, p.UserMaxTokenLimit, ct);
        var reply = await LlmCall.RunAsync(context, binding, history, tools: null, p.Temperature ?? 0, stream: false, ct);
        var answer = StructuredOutput.Parse(reply)?["route"]?.ToString();
        var (port, matched) = RouterKeywords.Match(p.Keywords, p.DefaultKeywordIndex, answer);
        var route = p.Keywords[int.Parse(port["output_".Length..], System.Globalization.CultureInfo.InvariantCulture)];
        context.Note(matched ? $"Model chose {route}." : $"Model answered {(answer is null ? "without a route" : $"'{answer}'")}; took default route {route}.");
        await HistoryLoader.SaveAsync(context, p.HistoryType, p.HistoryName, route, ct);
        if (p.TagOutputMessage)
        {
            context.State.AddMessageTag(route, "bot_response");
        }
        return NodeResult.RouteTo(port, context.Input);
    }
}
