using Blazor.Diagrams.Core.Anchors;
using Blazor.Diagrams.Core.Models;
using Blazor.Diagrams.Core.Models.Base;

namespace OpenChatStudio.Web.Components.Pipelines.Diagram;

/// <summary>
/// A node's input (one, on the left) or a named output (on the right). Links only join an output to another node's input,
/// and an output connects to a given node at most once.
/// </summary>
public sealed class TypedPortModel : PortModel
{
    public const string InputName = "input";

    public TypedPortModel(PipelineNodeModel parent, bool isInput, string portName, string label)
        : base(PortId(parent.NodeId, isInput, portName), parent, isInput ? PortAlignment.Left : PortAlignment.Right, null, null)
    {
        IsInput = isInput;
        PortName = portName;
        Label = label;
    }

    public bool IsInput { get; }

    /// <summary>The engine's port name (stored in edges), e.g. <c>output</c> or <c>output_1</c>.</summary>
    public string PortName { get; }

    /// <summary>Shown next to the port (router keyword); may change while <see cref="PortName"/> stays.</summary>
    public string Label { get; set; }

    /// <summary>True when the node's params no longer produce this output (kept so a draft's edge is not lost).</summary>
    public bool Missing { get; set; }

    /// <summary>Position among the node's outputs, as the node type declares them.</summary>
    public int Order { get; set; }

    public PipelineNodeModel Node => (PipelineNodeModel)Parent;

    public static string PortId(string nodeId, bool isInput, string portName) => isInput ? $"{nodeId}/in" : $"{nodeId}/out/{portName}";

    public override bool CanAttachTo(ILinkable other) => other is TypedPortModel port && CanConnect(this, port);

    /// <summary>Output → input of a different, unlocked node, and no link from that output to that node yet.</summary>
    public static bool CanConnect(TypedPortModel a, TypedPortModel b)
    {
        if (a.IsInput == b.IsInput || ReferenceEquals(a.Parent, b.Parent) || a.Parent.Locked || b.Parent.Locked)
        {
            return false;
        }
        var (output, input) = a.IsInput ? (b, a) : (a, b);
        return !output.Links.Any(l => l.IsAttached && Other(l, output) is { } end && ReferenceEquals(end.Parent, input.Parent));
    }

    private static TypedPortModel? Other(BaseLinkModel link, TypedPortModel port)
    {
        var source = (link.Source as SinglePortAnchor)?.Port as TypedPortModel;
        var target = (link.Target as SinglePortAnchor)?.Port as TypedPortModel;
        return ReferenceEquals(source, port) ? target : ReferenceEquals(target, port) ? source : null;
    }
}
