using System.Collections.Concurrent;
using System.Text.Json;
using System.Text.Json.Nodes;
using Fluid;
using OpenChatStudio.Core.Pipelines.Execution;

namespace OpenChatStudio.Core.Pipelines.Templates;

/// <summary>Liquid via Fluid: no file system, no .NET member access beyond the variables given, bounded steps.</summary>
public sealed class FluidTemplateRenderer : ITemplateRenderer
{
    private static readonly FluidParser Parser = new();
    private readonly TemplateOptions _options = new()
    {
        StrictVariables = true,
        StrictFilters = true,
        MaxSteps = 100_000,
        MaxRecursion = 20,
        Undefined = name => throw new PipelineNodeException($"Template uses unknown variable '{name}'."),
    };
    private readonly ConcurrentDictionary<string, IFluidTemplate> _cache = new(StringComparer.Ordinal);

    public string? Check(string template) => Parser.TryParse(template, out _, out var error) ? null : error;

    public async ValueTask<string> RenderAsync(string template, IReadOnlyDictionary<string, object?> variables, CancellationToken ct)
    {
        if (!_cache.TryGetValue(template, out var parsed))
        {
            if (!Parser.TryParse(template, out parsed, out var error))
            {
                throw new PipelineNodeException($"Template syntax error: {error}");
            }
            if (_cache.Count < 1024)
            {
                _cache[template] = parsed;
            }
        }
        var context = new TemplateContext(_options);
        foreach (var (name, value) in variables)
        {
            context.SetValue(name, ToPlain(value));
        }
        try
        {
            return await parsed.RenderAsync(context);
        }
        catch (Exception ex) when (ex is not PipelineNodeException and not OperationCanceledException)
        {
            // Fluid names a missing nested field by its AST type; say what it means instead.
            var message = ex.Message.Contains("Fluid.Ast", StringComparison.Ordinal)
                ? "Template uses a field that does not exist (check the names after the dots)."
                : ex.Message;
            throw new PipelineNodeException($"Template error: {message}", ex);
        }
    }

    /// <summary>JSON becomes dictionaries, lists and primitives, which Liquid reads natively.</summary>
    internal static object? ToPlain(object? value) => value switch
    {
        JsonObject o => o.ToDictionary(kv => kv.Key, kv => ToPlain(kv.Value)),
        JsonArray a => a.Select(ToPlain).ToList(),
        JsonValue v => v.GetValueKind() switch
        {
            JsonValueKind.String => v.GetValue<string>(),
            JsonValueKind.Number => long.TryParse(v.ToJsonString(), out var l) ? l : double.Parse(v.ToJsonString(), System.Globalization.CultureInfo.InvariantCulture),
            JsonValueKind.True => true,
            JsonValueKind.False => false,
            _ => null,
        },
        IReadOnlyDictionary<string, string> d => d.ToDictionary(kv => kv.Key, kv => (object?)kv.Value),
        _ => value,
    };
}
