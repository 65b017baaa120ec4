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

    public string Widget { get; } = widget;
}

/// <summary>Shown next to the field in the inspector.</summary>
[AttributeUsage(AttributeTargets.Property)]
public sealed class FieldLabelAttribute(string label) : Attribute
{
    public string Label { get; } = label;
}
