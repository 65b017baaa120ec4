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
    int? MaxLength);
