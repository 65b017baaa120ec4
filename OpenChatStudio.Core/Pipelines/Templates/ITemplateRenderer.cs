namespace OpenChatStudio.Core.Pipelines.Templates;

/// <summary>Liquid templates for the Render Template and Send Email nodes: sandboxed, strict about unknown variables.</summary>
public interface ITemplateRenderer
{
    /// <summary>The syntax error in <paramref name="template"/>, or null when it parses.</summary>
    string? Check(string template);

    /// <summary>Renders with the given variables; unknown variables and filters are errors, not blanks.</summary>
    ValueTask<string> RenderAsync(string template, IReadOnlyDictionary<string, object?> variables, CancellationToken ct);
}
