using System.Text.Json.Nodes;
using Microsoft.AspNetCore.Http.HttpResults;
using OpenChatStudio.Core.Pipelines.Graph;
using OpenChatStudio.Core.Pipelines.Registry;
using OpenChatStudio.Web.Teams;

namespace OpenChatStudio.Web.Api;

/// <summary>Node type schemas (OCS-compatible path) and graph validation for the designer and API clients.</summary>
public static class PipelinesApi
{
    public static IEndpointRouteBuilder MapPipelinesApi(this IEndpointRouteBuilder app)
    {
        app.MapGet("/api/v2/pipeline/nodes/", ListNodeTypes).WithName("ListPipelineNodeTypes").WithTags("Pipelines")
            .RequireAuthorization().WithSummary("Every node type with its params as JSON schema, ports and UI hints");
        app.MapPost("/api/t/{teamSlug}/pipelines/validate", Validate).WithName("ValidatePipeline").WithTags("Pipelines")
            .RequireAuthorization(TeamPolicies.Editor).WithMetadata(new BodySizeLimit(1024 * 1024))
            .Accepts<PipelineGraph>("application/json")
            .WithSummary("Validate a pipeline graph; errors are keyed by node and field");
        return app;
    }

    public sealed record NodeTypesResponse(IReadOnlyList<JsonObject> Nodes);

    public sealed record ValidationResponse(bool Valid, IReadOnlyList<GraphError> Errors);

    public static Ok<NodeTypesResponse> ListNodeTypes(NodeRegistry registry) =>
        TypedResults.Ok(new NodeTypesResponse(registry.All.OrderBy(d => d.Category).ThenBy(d => d.Label).Select(Describe).ToList()));

    /// <summary>The body is a pipeline in its canonical JSON form (snake_case, as stored and exported).</summary>
    public static async Task<Results<Ok<ValidationResponse>, ProblemHttpResult>> Validate(HttpRequest request, NodeRegistry registry, CancellationToken ct)
    {
        using var reader = new StreamReader(request.Body);
        var body = await reader.ReadToEndAsync(ct);
        PipelineGraph graph;
        try
        {
            graph = PipelineGraph.FromJson(body);
        }
        catch (System.Text.Json.JsonException ex)
        {
            return TypedResults.Problem(title: "Invalid pipeline JSON", detail: ex.Message, statusCode: StatusCodes.Status400BadRequest);
        }
        var errors = new GraphValidator(registry).Validate(graph);
        return TypedResults.Ok(new ValidationResponse(errors.Count == 0, errors));
    }

    /// <summary>One node type as OCS describes it: a JSON schema of its params plus "ui:" hints.</summary>
    public static JsonObject Describe(NodeDescriptor d)
    {
        var properties = new JsonObject();
        foreach (var f in d.Fields)
        {
            var p = new JsonObject { ["type"] = f.Type, ["title"] = f.Label };
            if (f.Description.Length > 0)
            {
                p["description"] = f.Description;
            }
            if (f.Default is not null)
            {
                p["default"] = f.Default.DeepClone();
            }
            if (f.Enum is not null)
            {
                p["enum"] = new JsonArray(f.Enum.Select(e => (JsonNode?)JsonValue.Create(e)).ToArray());
            }
            if (f.Minimum is { } min)
            {
                p["minimum"] = min;
            }
            if (f.Maximum is { } max)
            {
                p["maximum"] = max;
            }
            if (f.MaxLength is { } maxLength)
            {
                p["maxLength"] = maxLength;
            }
            p["ui:widget"] = f.Widget;
            properties[f.Name] = p;
        }
        var defaults = Activator.CreateInstance(d.Node.ParamsType)!;
        return new JsonObject
        {
            ["name"] = d.TypeKey,
            ["title"] = d.TypeKey,
            ["description"] = d.Description,
            ["type"] = "object",
            ["properties"] = properties,
            ["required"] = new JsonArray(d.Fields.Where(f => f.Required).Select(f => (JsonNode?)JsonValue.Create(f.Name)).ToArray()),
            ["ui:label"] = d.Label,
            ["ui:category"] = d.Category,
            ["ui:icon"] = d.Icon,
            ["ui:flow_node_type"] = d.FlowNodeType,
            ["ui:can_add"] = d.CanAdd,
            ["ui:can_delete"] = d.CanDelete,
            ["ui:deprecated"] = d.Deprecated,
            ["ui:timeout_seconds"] = d.TimeoutSeconds,
            ["ui:outputs"] = new JsonArray(d.Node.Outputs(defaults).Select(o => (JsonNode?)new JsonObject { ["name"] = o.Name, ["label"] = o.Label }).ToArray()),
        };
    }
}
