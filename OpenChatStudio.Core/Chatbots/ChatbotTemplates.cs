using System.Text.Json.Nodes;
using OpenChatStudio.Core.Llm;
using OpenChatStudio.Core.Pipelines.Graph;

namespace OpenChatStudio.Core.Chatbots;

/// <summary>Starting points for a new chatbot. All use the built-in offline model until a provider is chosen.</summary>
public static class ChatbotTemplates
{
    public const string Blank = "blank";
    public const string SimpleAssistant = "simple-assistant";
    public const string RouterWithSpecialists = "router-two-specialists";
    public const string Intake = "intake";

    public sealed record Template(string Key, string Name, string Description, Func<PipelineGraph> Build, IReadOnlyDictionary<string, NodePosition> Layout);

    public static IReadOnlyList<Template> All { get; } =
    [
        new(Blank, "Blank", "Start and End, connected: the bot repeats the message. Add nodes from the palette.", BlankGraph,
            Positions(("start", 80, 200), ("end", 520, 200))),
        new(SimpleAssistant, "Simple assistant", "One LLM node with a system prompt and the conversation as history.", SimpleAssistantGraph,
            Positions(("start", 80, 200), ("assistant", 320, 180), ("end", 600, 200))),
        new(RouterWithSpecialists, "Router with two specialists", "An LLM router sends each message to a support or a sales assistant.", RouterGraph,
            Positions(("start", 60, 220), ("router", 260, 200), ("support", 520, 100), ("sales", 520, 320), ("end", 800, 220))),
        new(Intake, "Intake that fills participant data", "Extracts name and age into participant data, then answers with what is still missing.", IntakeGraph,
            Positions(("start", 60, 200), ("intake", 280, 180), ("assistant", 540, 180), ("end", 800, 200))),
    ];

    public static Template? Find(string key) => All.FirstOrDefault(t => t.Key == key);

    private static PipelineGraph BlankGraph() => new(
        [GraphNode.Create("start", "StartNode", "start"), GraphNode.Create("end", "EndNode", "end")],
        [new GraphEdge("start", GraphEdge.DefaultPort, "end")]);

    private static PipelineGraph SimpleAssistantGraph() => new(
        [
            GraphNode.Create("start", "StartNode", "start"),
            Llm("assistant", "You are a friendly, concise assistant. Known about the user: {participant_data}"),
            GraphNode.Create("end", "EndNode", "end"),
        ],
        [new GraphEdge("start", GraphEdge.DefaultPort, "assistant"), new GraphEdge("assistant", GraphEdge.DefaultPort, "end")]);

    private static PipelineGraph RouterGraph() => new(
        [
            GraphNode.Create("start", "StartNode", "start"),
            new GraphNode("router", "RouterNode", "router", new JsonObject
            {
                ["llm_provider_id"] = OfflineModel.ProviderId.ToString(),
                ["llm_model"] = OfflineModel.ModelName,
                ["prompt"] = "Is the user asking for technical support or about buying? Answer SUPPORT or SALES.",
                ["keywords"] = new JsonArray("SUPPORT", "SALES"),
                ["default_keyword_index"] = 0,
                ["history_type"] = "node",
            }),
            Llm("support", "You are a patient technical support agent."),
            Llm("sales", "You are a helpful sales assistant."),
            GraphNode.Create("end", "EndNode", "end"),
        ],
        [
            new GraphEdge("start", GraphEdge.DefaultPort, "router"),
            new GraphEdge("router", "output_0", "support"),
            new GraphEdge("router", "output_1", "sales"),
            new GraphEdge("support", GraphEdge.DefaultPort, "end"),
            new GraphEdge("sales", GraphEdge.DefaultPort, "end"),
        ]);

    private static PipelineGraph IntakeGraph() => new(
        [
            GraphNode.Create("start", "StartNode", "start"),
            new GraphNode("intake", "ExtractParticipantData", "intake", new JsonObject
            {
                ["llm_provider_id"] = OfflineModel.ProviderId.ToString(),
                ["llm_model"] = OfflineModel.ModelName,
                ["data_schema"] = "{\"name\": \"the participant's first name\", \"age\": \"the participant's age in years\"}",
            }),
            Llm("assistant", "You run an intake. Known so far: {participant_data}. Ask for whatever of name and age is missing; when both are known, thank them."),
            GraphNode.Create("end", "EndNode", "end"),
        ],
        [
            new GraphEdge("start", GraphEdge.DefaultPort, "intake"),
            new GraphEdge("intake", GraphEdge.DefaultPort, "assistant"),
            new GraphEdge("assistant", GraphEdge.DefaultPort, "end"),
        ]);

    private static GraphNode Llm(string name, string prompt) => new(name, "LLMResponseWithPrompt", name, new JsonObject
    {
        ["llm_provider_id"] = OfflineModel.ProviderId.ToString(),
        ["llm_model"] = OfflineModel.ModelName,
        ["prompt"] = prompt,
        ["history_type"] = "global",
    });

    private static IReadOnlyDictionary<string, NodePosition> Positions(params (string Id, double X, double Y)[] items) =>
        items.ToDictionary(i => i.Id, i => new NodePosition(i.X, i.Y));
}
