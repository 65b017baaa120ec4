using System.Text.Json.Nodes;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;

namespace OpenChatStudio.Tests.TestSupport.Fakes;

/// <summary>Speaks Ollama's native <c>/api/chat</c>: one JSON object, or NDJSON lines when <c>stream</c> is true or absent; tool calls; eval counts.</summary>
public sealed class FakeOllamaServer : FakeLlmServer
{
    public static async Task<FakeOllamaServer> StartAsync()
    {
        var server = new FakeOllamaServer();
        await server.StartCoreAsync();
        return server;
    }

    protected override void Map(WebApplication app) => app.MapPost("/api/chat", HandleAsync);

    private async Task HandleAsync(HttpContext context)
    {
        var (request, reply) = await ReceiveAsync(context);
        if (await TryFailAsync(context, reply, status => new JsonObject { ["error"] = $"fake failure {status}" }.ToJsonString()))
        {
            return;
        }

        var model = request["model"]?.GetValue<string>() ?? "llama-fake";
        var last = request["messages"]!.AsArray()[^1]!;
        string? toolName = null;
        string? text = null;
        if (reply is { IsToolCall: true })
        {
            toolName = reply.ToolName ?? request["tools"]?.AsArray()[0]?["function"]?["name"]?.GetValue<string>() ?? "missing_tool";
        }
        else
        {
            var content = last["content"]?.GetValue<string>() ?? "";
            text = reply?.Text ?? (last["role"]!.GetValue<string>() == "tool" ? "Tool said: " + content : "Echo: " + content);
        }
        var arguments = reply?.ToolArguments ?? "{}";

        JsonObject Line(JsonObject message, bool done)
        {
            var line = new JsonObject
            {
                ["model"] = model,
                ["created_at"] = "2025-01-01T00:00:00Z",
                ["message"] = message,
                ["done"] = done,
            };
            if (done)
            {
                line["done_reason"] = "stop";
                line["total_duration"] = 1_000_000;
                line["prompt_eval_count"] = PromptTokens;
                line["eval_count"] = CompletionTokens;
            }
            return line;
        }
        JsonObject ToolMessage() => new()
        {
            ["role"] = "assistant",
            ["content"] = "",
            ["tool_calls"] = new JsonArray(new JsonObject
            {
                ["function"] = new JsonObject { ["name"] = toolName, ["arguments"] = JsonNode.Parse(arguments) },
            }),
        };

        if (request["stream"]?.GetValue<bool>() == false)
        {
            var message = toolName is null ? new JsonObject { ["role"] = "assistant", ["content"] = text } : ToolMessage();
            context.Response.ContentType = "application/json";
            await context.Response.WriteAsync(Line(message, done: true).ToJsonString());
            return;
        }

        await StartStreamAsync(context, reply, "application/x-ndjson");
        async Task Send(JsonObject line)
        {
            await context.Response.WriteAsync(line.ToJsonString() + "\n");
            await context.Response.Body.FlushAsync();
        }
        if (toolName is null)
        {
            foreach (var piece in Chunk(text!, 4))
            {
                await Send(Line(new JsonObject { ["role"] = "assistant", ["content"] = piece }, done: false));
            }
        }
        else
        {
            await Send(Line(ToolMessage(), done: false));
        }
        await Send(Line(new JsonObject { ["role"] = "assistant", ["content"] = "" }, done: true));
    }
}
