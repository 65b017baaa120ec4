using System.Text.Json.Nodes;

namespace OpenChatStudio.Core.Pipelines.Registry;

/// <summary>Everything the designer and the API know about a node type, generated from its class.</summary>
public sealed record NodeDescriptor(
    string TypeKey,
    string Label,
    string Category,
    string Description,
    string Icon,
    bool CanAdd,
    bool CanDelete,
    bool Deprecated,
    int TimeoutSeconds,
    IReadOnlyList<FieldDescriptor> Fields,
    IPipelineNode Node)
{
    public bool IsStart => TypeKey == Nodes.StartNode.TypeKey;

    public bool IsEnd => TypeKey == Nodes.EndNode.TypeKey;

    /// <summary>"startNode", "endNode" or "pipelineNode", as OCS's flow_node_type.</summary>
    public string FlowNodeType => IsStart ? "startNode" : IsEnd ? "endNode" : "pipelineNode";
}

/// <summary>One param: its JSON name (snake_case), type, constraints and default.</summary>
public sealed record FieldDescriptor(
    string Name,
    string Label,
    string Type,
    string Widget,
    string Description,
    bool Required,
    JsonNode? Default,
    IReadOnlyList<string>? Enum,
    double? Minimum,
    double? Maximum,
    int? MaxLength,
    IReadOnlyList<string>? EnumLabels = null,
    IReadOnlyList<FieldCondition>? ShowWhen = null)
{
    /// <summary>The human label of an enum value (its <see cref="FieldLabelAttribute"/>, else the value in words).</summary>
    public string EnumLabel(string? value)
    {
        var index = value is null || Enum is null ? -1 : Enum.ToList().IndexOf(value);
        return index >= 0 && EnumLabels is { } labels && index < labels.Count ? labels[index] : value ?? "";
    }

    /// <summary>
    /// Whether the field means anything with these params: every <see cref="ShowWhen"/> condition holds (a field's value,
    /// or its default, is one of the listed values) and the fields it depends on apply too. The inspector hides the others.
    /// </summary>
    public bool AppliesTo(JsonObject parameters, IReadOnlyList<FieldDescriptor> fields) => AppliesTo(parameters, fields, 0);

    private bool AppliesTo(JsonObject parameters, IReadOnlyList<FieldDescriptor> fields, int depth)
    {
        if (ShowWhen is not { Count: > 0 } || depth > 8)
        {
            return true;
        }
        foreach (var condition in ShowWhen)
        {
            var other = fields.FirstOrDefault(f => f.Name == condition.Field);
            var value = parameters.TryGetPropertyValue(condition.Field, out var node) ? node : other?.Default;
            var text = value is JsonValue v && v.TryGetValue<string>(out var s) ? s : value?.ToJsonString();
            if (text is null || !condition.Values.Contains(text, StringComparer.OrdinalIgnoreCase)
                || (other is not null && !other.AppliesTo(parameters, fields, depth + 1)))
            {
                return false;
            }
        }
        return true;
    }
}

/// <summary>A field applies only while <see cref="Field"/> holds one of <see cref="Values"/> (see <see cref="ShowWhenAttribute"/>).</summary>
public sealed record FieldCondition(string Field, IReadOnlyList<string> Values);
