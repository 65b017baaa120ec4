using System.ComponentModel;
using System.ComponentModel.DataAnnotations;
using System.Text.Json;
using System.Text.Json.Nodes;
using OpenChatStudio.Core.Pipelines.Execution;
using OpenChatStudio.Core.Pipelines.Registry;

namespace OpenChatStudio.Core.Pipelines.Nodes;

[PipelineNode("StaticRouterNode", Label = "Static Router", Category = "Routing",
    Description = "Routes on a stored value: the value at the key (dotted path) is matched to a route name, case-insensitively; anything else takes the default route.",
    Icon = "call_split")]
public sealed class StaticRouterNode : PipelineNode<StaticRouterNode.Params>
{
    public enum DataSource
    {
        ParticipantData,
        SessionState,
        TempState,
    }

    public sealed class Params
    {
        [Description("Where to read the value from.")]
        public DataSource DataSource { get; set; } = DataSource.ParticipantData;

        [Required(ErrorMessage = "Enter the key to route on."), StringLength(200)]
        [Description("Key to read, e.g. 'language' or 'profile.country'.")]
        public string RouteKey { get; set; } = "";

        [FieldWidget(FieldWidgetAttribute.KeywordList), Description("One output per route; the value is matched against these names.")]
        public List<string> Keywords { get; set; } = ["DEFAULT"];

        [Description("Route taken when the value matches no route name.")]
        [FieldWidget(FieldWidgetAttribute.RouteIndex), FieldLabel("Default route")]
        public int DefaultKeywordIndex { get; set; }

        [Description("Tag the reply with the route taken.")]
        public bool TagOutputMessage { get; set; }
    }

    public override IReadOnlyList<OutputPort> Outputs(Params p) => RouterKeywords.Ports(p.Keywords);

    public override IEnumerable<GraphValidationIssue> Validate(Params p) => RouterKeywords.Validate(p.Keywords, p.DefaultKeywordIndex);

    public override Task<NodeResult> ExecuteAsync(Params p, NodeContext context, CancellationToken ct)
    {
        var root = p.DataSource switch
        {
            DataSource.SessionState => context.State.SessionStateSnapshot(),
            DataSource.TempState => context.State.TempStateSnapshot(),
            _ => context.State.ParticipantDataSnapshot(),
        };
        var value = Lookup(root, p.RouteKey);
        var text = value switch
        {
            null => null,
            JsonValue v when v.GetValueKind() == JsonValueKind.String => v.GetValue<string>(),
            _ => value.ToJsonString(),
        };
        var (port, matched) = RouterKeywords.Match(p.Keywords, p.DefaultKeywordIndex, text);
        var route = p.Keywords[int.Parse(port["output_".Length..], System.Globalization.CultureInfo.InvariantCulture)];
        context.Note(matched ? $"{p.RouteKey} = {text} → {route}" : $"{p.RouteKey} = {text ?? "(missing)"} matches no route → default {route}");
        if (p.TagOutputMessage)
        {
            context.State.AddMessageTag(route, "bot_response");
        }
        return Task.FromResult(NodeResult.RouteTo(port, context.Input));
    }

    internal static JsonNode? Lookup(JsonNode? root, string dottedPath)
    {
        var current = root;
        foreach (var part in dottedPath.Split('.', StringSplitOptions.RemoveEmptyEntries))
        {
            current = current switch
            {
                JsonObject o => o[part],
                JsonArray a when int.TryParse(part, out var i) && i >= 0 && i < a.Count => a[i],
                _ => null,
            };
        }
        return current;
    }
}
