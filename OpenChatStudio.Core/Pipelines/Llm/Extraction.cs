using System.Text.Json;
using System.Text.Json.Nodes;
using OpenChatStudio.Core.Pipelines.Execution;
using OpenChatStudio.Core.Pipelines.Registry;

namespace OpenChatStudio.Core.Pipelines.Llm;

/// <summary>Shared by the extraction nodes: validate a data schema and ask the model to fill it.</summary>
internal static class Extraction
{
    public static IEnumerable<GraphValidationIssue> ValidateSchema(string dataSchema)
    {
        JsonNode? parsed;
        try
        {
            parsed = JsonNode.Parse(dataSchema);
        }
        catch (JsonException ex)
        {
            return [new GraphValidationIssue("data_schema", $"The schema is not valid JSON: {ex.Message}")];
        }
        return parsed is JsonObject { Count: > 0 }
            ? []
            : [new GraphValidationIssue("data_schema", "The schema must be a JSON object of field names and descriptions, e.g. {\"name\": \"the user's name\"}.")];
    }

    public static async Task<JsonObject> ExtractAsync(NodeContext context, LlmParams p, string dataSchema, string? existing, CancellationToken ct)
    {
        var binding = await context.Services.Llm.ResolveAsync(p.LlmProviderId, p.LlmModel, ct);
        var schema = StructuredOutput.SchemaFromDescriptions((JsonObject)JsonNode.Parse(dataSchema)!);
        var history = new Microsoft.SemanticKernel.ChatCompletion.ChatHistory();
        history.AddSystemMessage(
            "Extract the requested information from the text. Use null for anything the text does not say." +
            (existing is null ? "" : $"\nCurrently known data (update it only where the text says something new): {existing}") +
            "\n\n" + StructuredOutput.Instruction(schema));
        history.AddUserMessage(context.Input);
        var reply = await LlmCall.RunAsync(context, binding, history, tools: null, p.Temperature ?? 0, stream: false, ct);
        return StructuredOutput.Parse(reply) ?? throw new PipelineNodeException("The model did not answer with JSON; nothing was extracted.");
    }
}
