using OpenChatStudio.Core.Pipelines.Graph;

namespace OpenChatStudio.Web.Components.Pipelines.Designer;

/// <summary>What node widgets show beyond the node itself: the validator's problems by node id. Cascaded to the widgets.</summary>
public sealed record DesignerViewState(IReadOnlyDictionary<string, IReadOnlyList<GraphError>> ErrorsByNode)
{
    public static DesignerViewState Empty { get; } = new(new Dictionary<string, IReadOnlyList<GraphError>>());

    public static DesignerViewState From(IEnumerable<GraphError> errors) =>
        new(errors.Where(e => e.NodeId is not null).GroupBy(e => e.NodeId!, StringComparer.Ordinal)
            .ToDictionary(g => g.Key, g => (IReadOnlyList<GraphError>)g.ToList(), StringComparer.Ordinal));

    public IReadOnlyList<GraphError> For(string nodeId) => ErrorsByNode.TryGetValue(nodeId, out var list) ? list : [];

    // Dark enough for white node titles to meet WCAG AA contrast (4.5:1).
    public static string CategoryColor(string category) => category switch
    {
        "Flow" => "#455a64",
        "LLM" => "#5e35b1",
        "Routing" => "#a84300",
        "Logic" => "#00695c",
        "Text" => "#1565c0",
        "Actions" => "#2e7d32",
        _ => "#5d4037",
    };
}

/// <summary>
/// The holder the designer cascades to node widgets, fixed for the page's life. A cascaded record would make every page
/// re-render (selection, typing in the inspector, the save chip) re-render all node widgets; with a fixed holder only the
/// nodes the designer refreshes after validation re-render.
/// </summary>
public sealed class DesignerViewStateSource
{
    public DesignerViewState Current { get; set; } = DesignerViewState.Empty;
}
