namespace OpenChatStudio.Core.Pipelines.Registry;

/// <summary>How the designer edits a param when its CLR type is not enough (multiline prompt, code, template, model picker…).</summary>
[AttributeUsage(AttributeTargets.Property)]
public sealed class FieldWidgetAttribute(string widget) : Attribute
{
    public const string Text = "text";
    public const string Prompt = "prompt";
    public const string Code = "code";
    public const string Template = "template";
    public const string KeywordList = "keywords";
    public const string JsonSchema = "json_schema";
    public const string LlmProvider = "llm_provider";
    public const string LlmModel = "llm_model";
    public const string SourceMaterial = "source_material";
    public const string ToolList = "tools";

    /// <summary>An index into the node's route list (a router's default route): picked by route name.</summary>
    public const string RouteIndex = "route_index";

    public string Widget { get; } = widget;
}

/// <summary>Shown next to the field in the inspector; on an enum member, the option's label in the select.</summary>
[AttributeUsage(AttributeTargets.Property | AttributeTargets.Field)]
public sealed class FieldLabelAttribute(string label) : Attribute
{
    public string Label { get; } = label;
}

/// <summary>
/// The field only applies while another field (by its JSON name) has one of these values, e.g. the history name only for
/// a named history. Several attributes must all hold. The inspector hides the field otherwise; its value is kept.
/// </summary>
[AttributeUsage(AttributeTargets.Property, AllowMultiple = true)]
public sealed class ShowWhenAttribute(string field, params string[] values) : Attribute
{
    public string Field { get; } = field;

    public IReadOnlyList<string> Values { get; } = values;
}
