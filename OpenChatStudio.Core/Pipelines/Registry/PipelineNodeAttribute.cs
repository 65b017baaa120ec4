namespace OpenChatStudio.Core.Pipelines.Registry;

/// <summary>Declares a node type: its key (stored in graphs), how the designer shows it, and its limits.</summary>
[AttributeUsage(AttributeTargets.Class, Inherited = false)]
public sealed class PipelineNodeAttribute(string typeKey) : Attribute
{
    public string TypeKey { get; } = typeKey;

    public required string Label { get; init; }

    public string Category { get; init; } = "General";

    /// <summary>Help text shown in the palette and inspector.</summary>
    public string Description { get; init; } = "";

    public string Icon { get; init; } = "";

    /// <summary>False for Start/End: the palette does not offer them and they cannot be deleted.</summary>
    public bool CanAdd { get; init; } = true;

    public bool CanDelete { get; init; } = true;

    public bool Deprecated { get; init; }

    /// <summary>Longest a single run of this node may take before it is cancelled.</summary>
    public int TimeoutSeconds { get; init; } = 30;
}
