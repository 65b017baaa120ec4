using System.Collections;
using System.ComponentModel;
using System.ComponentModel.DataAnnotations;
using System.Reflection;
using System.Text.Json;
using System.Text.Json.Nodes;
using OpenChatStudio.Core.Pipelines.Graph;

namespace OpenChatStudio.Core.Pipelines.Registry;

/// <summary>
/// The node types this installation knows, keyed by type key. Built once from <see cref="PipelineNodeAttribute"/>
/// classes; immutable afterwards. Parses and validates node params.
/// </summary>
public sealed class NodeRegistry
{
    private readonly Dictionary<string, NodeDescriptor> _byKey;

    public NodeRegistry(IEnumerable<IPipelineNode> nodes)
    {
        _byKey = new(StringComparer.Ordinal);
        foreach (var node in nodes)
        {
            var descriptor = Describe(node);
            if (!_byKey.TryAdd(descriptor.TypeKey, descriptor))
            {
                throw new InvalidOperationException($"Two node types use the key '{descriptor.TypeKey}'.");
            }
        }
    }

    /// <summary>Every concrete node type in <paramref name="assembly"/> marked with <see cref="PipelineNodeAttribute"/>.</summary>
    public static IEnumerable<IPipelineNode> DiscoverNodes(Assembly assembly) =>
        assembly.GetTypes()
            .Where(t => t is { IsAbstract: false, IsClass: true } && typeof(IPipelineNode).IsAssignableFrom(t) &&
                        t.GetCustomAttribute<PipelineNodeAttribute>() is not null)
            .OrderBy(t => t.Name, StringComparer.Ordinal)
            .Select(t => (IPipelineNode)Activator.CreateInstance(t)!);

    public static NodeRegistry CreateDefault() => new(DiscoverNodes(typeof(NodeRegistry).Assembly));

    public IReadOnlyCollection<NodeDescriptor> All => _byKey.Values;

    public NodeDescriptor? Find(string typeKey) => _byKey.GetValueOrDefault(typeKey);

    public NodeDescriptor Get(string typeKey) =>
        Find(typeKey) ?? throw new KeyNotFoundException($"Unknown node type '{typeKey}'.");

    /// <summary>Reads a node's params into its typed record; errors are keyed by field.</summary>
    public (object? Params, IReadOnlyList<GraphValidationIssue> Issues) Parse(NodeDescriptor descriptor, JsonObject json)
    {
        object? parameters;
        try
        {
            parameters = json.Deserialize(descriptor.Node.ParamsType, PipelineGraph.JsonOptions) ?? Activator.CreateInstance(descriptor.Node.ParamsType);
        }
        catch (JsonException ex)
        {
            var field = ex.Path is { Length: > 2 } path ? path.TrimStart('$', '.').Split('.', '[')[0] : null;
            return (null, [new GraphValidationIssue(field, $"Invalid value: {ex.Message.Split(" Path:")[0]}")]);
        }
        var issues = new List<GraphValidationIssue>();
        var results = new List<ValidationResult>();
        if (!Validator.TryValidateObject(parameters!, new ValidationContext(parameters!), results, validateAllProperties: true))
        {
            foreach (var result in results)
            {
                var member = result.MemberNames.FirstOrDefault();
                issues.Add(new GraphValidationIssue(member is null ? null : JsonName(member), result.ErrorMessage ?? "Invalid value."));
            }
        }
        if (issues.Count == 0)
        {
            issues.AddRange(descriptor.Node.Validate(parameters!));
        }
        return (parameters, issues);
    }

    /// <summary>Parses params that are known to be valid (the executor runs validated graphs).</summary>
    public object ParseValid(NodeDescriptor descriptor, JsonObject json)
    {
        var (parameters, issues) = Parse(descriptor, json);
        return issues.Count == 0 ? parameters! : throw new InvalidOperationException(string.Join("; ", issues.Select(i => i.Message)));
    }

    private static NodeDescriptor Describe(IPipelineNode node)
    {
        var type = node.GetType();
        var attr = type.GetCustomAttribute<PipelineNodeAttribute>()
            ?? throw new InvalidOperationException($"{type.Name} has no [PipelineNode] attribute.");
        var defaults = Activator.CreateInstance(node.ParamsType)!;
        var fields = node.ParamsType.GetProperties(BindingFlags.Public | BindingFlags.Instance)
            .Where(p => p.CanRead && p.CanWrite)
            .Select(p => DescribeField(p, defaults))
            .ToList();
        return new NodeDescriptor(attr.TypeKey, attr.Label, attr.Category, attr.Description, attr.Icon, attr.CanAdd, attr.CanDelete,
            attr.Deprecated, attr.TimeoutSeconds, fields, node);
    }

    private static FieldDescriptor DescribeField(PropertyInfo p, object defaults)
    {
        var propertyType = Nullable.GetUnderlyingType(p.PropertyType) ?? p.PropertyType;
        var (jsonType, enumValues) = propertyType switch
        {
            _ when propertyType == typeof(string) => ("string", null),
            _ when propertyType == typeof(bool) => ("boolean", null),
            _ when propertyType == typeof(int) || propertyType == typeof(long) => ("integer", null),
            _ when propertyType == typeof(double) || propertyType == typeof(decimal) || propertyType == typeof(float) => ("number", null),
            _ when propertyType == typeof(Guid) => ("string", null),
            _ when propertyType.IsEnum => ("string", (IReadOnlyList<string>?)propertyType.GetEnumNames().Select(JsonNamingPolicy.SnakeCaseLower.ConvertName).ToList()),
            _ when propertyType == typeof(JsonObject) => ("object", null),
            _ when typeof(IEnumerable).IsAssignableFrom(propertyType) => ("array", null),
            _ => ("object", null),
        };
        var widget = p.GetCustomAttribute<FieldWidgetAttribute>()?.Widget
            ?? (propertyType == typeof(bool) ? "toggle" : propertyType.IsEnum ? "select" : jsonType is "array" ? "list" : jsonType is "integer" or "number" ? "number" : "text");
        var range = p.GetCustomAttribute<RangeAttribute>();
        var name = JsonName(p.Name);
        var defaultValue = JsonSerializer.SerializeToNode(p.GetValue(defaults), p.PropertyType, PipelineGraph.JsonOptions);
        return new FieldDescriptor(
            name,
            p.GetCustomAttribute<FieldLabelAttribute>()?.Label ?? Humanize(p.Name),
            jsonType,
            widget,
            p.GetCustomAttribute<DescriptionAttribute>()?.Description ?? "",
            p.GetCustomAttribute<RequiredAttribute>() is not null || p.GetCustomAttribute<MinLengthAttribute>() is not null,
            defaultValue,
            enumValues,
            range is null ? null : Convert.ToDouble(range.Minimum, System.Globalization.CultureInfo.InvariantCulture),
            range is null ? null : Convert.ToDouble(range.Maximum, System.Globalization.CultureInfo.InvariantCulture),
            p.GetCustomAttribute<StringLengthAttribute>()?.MaximumLength ?? p.GetCustomAttribute<MaxLengthAttribute>()?.Length,
            propertyType.IsEnum ? EnumLabels(propertyType) : null,
            p.GetCustomAttributes<ShowWhenAttribute>().Select(a => new FieldCondition(a.Field, a.Values)).ToList() is { Count: > 0 } conditions ? conditions : null);
    }

    /// <summary>Each enum member's <see cref="FieldLabelAttribute"/>, else its name in words, in declaration order.</summary>
    private static List<string> EnumLabels(Type enumType) =>
        enumType.GetEnumNames()
            .Select(n => enumType.GetField(n)!.GetCustomAttribute<FieldLabelAttribute>()?.Label ?? Humanize(n)).ToList();

    internal static string JsonName(string clrName) => JsonNamingPolicy.SnakeCaseLower.ConvertName(clrName);

    private static string Humanize(string clrName)
    {
        var words = JsonName(clrName).Split('_');
        words[0] = char.ToUpperInvariant(words[0][0]) + words[0][1..];
        return string.Join(' ', words);
    }
}
