using System.Text.Json.Nodes;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;

namespace OpenChatStudio.Tests.TestSupport.Fakes;

/// <summary>Speaks the Anthropic Messages API on <c>/v1/messages</c>: JSON and SSE events, text and <c>tool_use</c> blocks, usage.</summary>
public sealed class FakeAnthropicServer : FakeLlmServer
{
    public static async Task<FakeAnthropicServer> StartAsync()
    {
        var server = new FakeAnthropicServer();
        await server.StartCoreAsync();
        return server;
    }

    protected override void Map(WebApplication app) => app.MapPost("/v1/messages", HandleAsync);

    private async Task HandleAsync(HttpContext context)
    {
        var (request, reply) = await ReceiveAsync(context);
        if (await TryFailAsync(context, reply, status => new JsonObject
            {
                ["type"] = "error",
                ["error"] = new JsonObject
                {
                    ["type"] = status == 401 ? "authentication_error" : "api_error",
                    ["message"] = $"fake failure {status}",
                },
            }.ToJsonString()))
        {
            return;
        }

        var model = request["model"]?.GetValue<string>() ?? "claude-fake";
        var last = request["messages"]!.AsArray()[^1]!;
        string? toolName = null;
        string? text = null;
        if (reply is { IsToolCall: true })
        {
            toolName = reply.ToolName ?? request["tools"]?.AsArray()[0]?["name"]?.GetValue<string>() ?? "missing_tool";
        }
        else
        {
            text = reply?.Text ?? (ToolResult(last["content"]) is { } result ? "Tool said: " + result : "Echo: " + Text(last["content"]));
        }
        var arguments = reply?.ToolArguments ?? "{}";

        if (request["stream"]?.GetValue<bool>() != true)
        {
            JsonObject block = toolName is null
                ? new JsonObject { ["type"] = "text", ["text"] = text }
                : new JsonObject { ["type"] = "tool_use", ["id"] = "toolu_1", ["name"] = toolName, ["input"] = JsonNode.Parse(arguments) };
            var response = new JsonObject
            {
                ["id"] = "msg_fake",
                ["type"] = "message",
                ["role"] = "assistant",
                ["model"] = model,
                ["content"] = new JsonArray(block),
                ["stop_reason"] = toolName is null ? "end_turn" : "tool_use",
                ["stop_sequence"] = null,
                ["usage"] = new JsonObject { ["input_tokens"] = PromptTokens, ["output_tokens"] = CompletionTokens },
            };
            context.Response.ContentType = "application/json";
            await context.Response.WriteAsync(response.ToJsonString());
            return;
        }

        await StartStreamAsync(context, reply, "text/event-stream");
        async Task Send(string type, JsonObject data)
        {
            data["type"] = type;
            await context.Response.WriteAsync($"event: {type}\ndata: {data.ToJsonString()}\n\n");
            await context.Response.Body.FlushAsync();
        }

        await Send("message_start", new JsonObject
        {
            ["message"] = new JsonObject
            {
                ["id"] = "msg_fake",
                ["type"] = "message",
                ["role"] = "assistant",
                ["model"] = model,
                ["content"] = new JsonArray(),
                ["stop_reason"] = null,
                ["stop_sequence"] = null,
                ["usage"] = new JsonObject { ["input_tokens"] = PromptTokens, ["output_tokens"] = 1 },
            },
        });
        if (toolName is null)
        {
            await Send("content_block_start", new JsonObject { ["index"] = 0, ["content_block"] = new JsonObject { ["type"] = "text", ["text"] = "" } });
            foreach (var piece in Chunk(text!, 4))
            {
                await Send("content_block_delta", new JsonObject
                {
                    ["index"] = 0,
                    ["delta"] = new JsonObject { ["type"] = "text_delta", ["text"] = piece },
                });
            }
        }
        else
        {
            await Send("content_block_start", new JsonObject
            {
                ["index"] = 0,
                ["content_block"] = new JsonObject { ["type"] = "tool_use", ["id"] = "toolu_1", ["name"] = toolName, ["input"] = new JsonObject() },
            });
            foreach (var piece in Chunk(arguments, 5))
            {
                await Send("content_block_delta", new JsonObject
                {
                    ["index"] = 0,
                    ["delta"] = new JsonObject { ["type"] = "input_json_delta", ["partial_json"] = piece },
                });
            }
        }
        await Send("content_block_stop", new JsonObject { ["index"] = 0 });
        await Send("message_delta", new JsonObject
        {
            ["delta"] = new JsonObject { ["stop_reason"] = toolName is null ? "end_turn" : "tool_use", ["stop_sequence"] = null },
            ["usage"] = new JsonObject { ["output_tokens"] = CompletionTokens },
        });
        await Send("message_stop", new JsonObject());
    }

    private static string Text(JsonNode? content) => content switch
    {
        JsonValue value => value.GetValue<string>(),
        JsonArray blocks => string.Concat(blocks.Where(b => b?["type"]?.GetValue<string>() == "text").Select(b => b!["text"]!.GetValue<string>())),
        _ => "",
    };

    private static string? ToolResult(JsonNode? content) =>
        content is JsonArray blocks && blocks.FirstOrDefault(b => b?["type"]?.GetValue<string>() == "tool_result") is { } result
            ? Text(result["content"])
            : null;
}
