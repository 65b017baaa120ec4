using System.Text.Json.Nodes;
using Blazor.Diagrams.Core.Geometry;
using Blazor.Diagrams.Core.Models;

namespace OpenChatStudio.Web.Components.Pipelines.Diagram;

/// <summary>
/// A pipeline node on the canvas. Holds only what the engine graph holds (id, type key, name as <see cref="NodeModel.Title"/>,
/// params); everything else (label, category, ports) is derived from the <c>NodeDescriptor</c>. Never executes anything.
/// </summary>
public sealed class PipelineNodeModel : NodeModel
{
    public PipelineNodeModel(string nodeId, string typeKey, string name, JsonObject parameters, Point position)
        : base(nodeId, position)
    {
        TypeKey = typeKey;
        Title = name;
        Params = parameters;
    }

    public string NodeId => Id;

    public string TypeKey { get; }

    /// <summary>The node's params as JSON; the inspector edits it in place and keeps unknown keys.</summary>
    public JsonObject Params { get; set; }

    public string Name
    {
        get => Title ?? "";
        set => Title = value;
    }

    public TypedPortModel? InputPort => Ports.OfType<TypedPortModel>().FirstOrDefault(p => p.IsInput);

    public IEnumerable<TypedPortModel> OutputPorts => Ports.OfType<TypedPortModel>().Where(p => !p.IsInput);

    public TypedPortModel? FindOutput(string portName) => OutputPorts.FirstOrDefault(p => p.PortName == portName);
}
