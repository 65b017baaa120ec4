using System.Text.Json.Nodes;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;

namespace OpenChatStudio.Tests.TestSupport.Fakes;

/// <summary>
/// Speaks OpenAI chat completions on <c>/v1/chat/completions</c> (and Azure's
/// <c>/openai/deployments/{name}/chat/completions</c>): JSON and SSE, <c>tool_calls</c> in both, usage (streamed when
/// <c>stream_options.include_usage</c> asks for it).
/// </summary>
public sealed class FakeOpenAiServer : FakeLlmServer
{
    /// <summary>The base URL to enter for an OpenAI-compatible provider: <see cref="FakeLlmServer.Root"/> + <c>/v1</c>.</summary>
    public Uri BaseUri => new(Root + "v1");

    public static async Task<FakeOpenAiServer> StartAsync()
    {
        var server = new FakeOpenAiServer();
        await server.StartCoreAsync();
        return server;
    }

    protected override void Map(WebApplication app)
    {
        app.MapPost("/v1/chat/completions", HandleAsync);
        app.MapPost("/openai/deployments/{deployment}/chat/completions", HandleAsync);
        app.MapPost("/v1/audio/transcriptions", (Delegate)new Func<HttpContext, Task<IResult>>(TranscribeAsync));
    }

    /// <summary>Transcriptions received: (model, file name, Authorization header).</summary>
    public List<(string Model, string FileName, string Authorization)> Transcriptions { get; } = [];

    /// <summary>
    /// OpenAI's <c>/audio/transcriptions</c> (multipart: file, model → <c>{"text"}</c>). The fake "hears" the file's bytes
    /// as UTF-8 text, so a test chooses what the voice note says; a file saying FAIL gets a 500.
    /// </summary>
    private async Task<IResult> TranscribeAsync(HttpContext context)
    {
        var form = await context.Request.ReadFormAsync();
        var file = form.Files["file"];
        var model = form["model"].ToString();
        if (file is null || model.Length == 0)
        {
            return Results.Json(new JsonObject { ["error"] = new JsonObject { ["message"] = "file and model are required", ["type"] = "invalid_request_error" } },
                statusCode: 400);
        }
        lock (Transcriptions)
        {
            Transcriptions.Add((model, file.FileName, context.Request.Headers.Authorization.ToString()));
        }
        using var reader = new StreamReader(file.OpenReadStream());
        var heard = await reader.ReadToEndAsync();
        return heard.StartsWith("FAIL", StringComparison.Ordinal)
            ? Results.Json(new JsonObject { ["error"] = new JsonObject { ["message"] = "internal detail: db at 10.0.0.5", ["type"] = "server_error" } }, statusCode: 500)
            : Results.Json(new JsonObject { ["text"] = heard });
    }

    private async Task HandleAsync(HttpContext context)
    {
        var (request, reply) = await ReceiveAsync(context);
        if (await TryFailAsync(context, reply, status => new JsonObject
            {
                ["error"] = new JsonObject { ["message"] = $"fake failure {status}", ["type"] = "fake_error" },
            }.ToJsonString()))
        {
            return;
        }

        var model = request["model"]?.GetValue<string>() ?? "fake-model";
        var messages = request["messages"]!.AsArray();
        var last = messages[^1]!;
        string? toolName = null;
        string? text = null;
        if (reply is { IsToolCall: true })
        {
            toolName = reply.ToolName ?? request["tools"]?.AsArray()[0]?["function"]?["name"]?.GetValue<string>() ?? "missing_tool";
        }
        else
        {
            text = reply?.Text ?? (last["role"]!.GetValue<string>() == "tool"
                ? "Tool said: " + ContentText(last["content"])
                : "Echo: " + ContentText(last["content"]));
        }
        var arguments = reply?.ToolArguments ?? "{}";

        if (request["stream"]?.GetValue<bool>() != true)
        {
            JsonObject message = toolName is null
                ? new JsonObject { ["role"] = "assistant", ["content"] = text }
                : new JsonObject
                {
                    ["role"] = "assistant",
                    ["content"] = null,
                    ["tool_calls"] = new JsonArray(new JsonObject
                    {
                        ["id"] = "call_1",
                        ["type"] = "function",
                        ["function"] = new JsonObject { ["name"] = toolName, ["arguments"] = arguments },
                    }),
                };
            var response = new JsonObject
            {
                ["id"] = "chatcmpl-fake",
                ["object"] = "chat.completion",
                ["created"] = 1_700_000_000,
                ["model"] = model,
                ["choices"] = new JsonArray(new JsonObject
                {
                    ["index"] = 0,
                    ["message"] = message,
                    ["finish_reason"] = toolName is null ? "stop" : "tool_calls",
                }),
                ["usage"] = Usage(),
            };
            context.Response.ContentType = "application/json";
            await context.Response.WriteAsync(response.ToJsonString());
            return;
        }

        await StartStreamAsync(context, reply, "text/event-stream");
        async Task Send(JsonObject delta, string? finish)
        {
            await SendChunk(new JsonArray(new JsonObject { ["index"] = 0, ["delta"] = delta, ["finish_reason"] = finish }), null);
        }
        async Task SendChunk(JsonArray choices, JsonObject? usage)
        {
            var chunk = new JsonObject
            {
                ["id"] = "chatcmpl-fake",
                ["object"] = "chat.completion.chunk",
                ["created"] = 1_700_000_000,
                ["model"] = model,
                ["choices"] = choices,
            };
            if (usage is not null)
            {
                chunk["usage"] = usage;
            }
            await context.Response.WriteAsync("data: " + chunk.ToJsonString() + "\n\n");
            await context.Response.Body.FlushAsync();
        }

        if (toolName is null)
        {
            await Send(new JsonObject { ["role"] = "assistant", ["content"] = "" }, null);
            foreach (var piece in Chunk(text!, 4))
            {
                await Send(new JsonObject { ["content"] = piece }, null);
            }
            await Send(new JsonObject(), "stop");
        }
        else
        {
            await Send(new JsonObject
            {
                ["role"] = "assistant",
                ["tool_calls"] = new JsonArray(new JsonObject
                {
                    ["index"] = 0,
                    ["id"] = "call_1",
                    ["type"] = "function",
                    ["function"] = new JsonObject { ["name"] = toolName, ["arguments"] = "" },
                }),
            }, null);
            foreach (var piece in Chunk(arguments, 5))
            {
                await Send(new JsonObject
                {
                    ["tool_calls"] = new JsonArray(new JsonObject { ["index"] = 0, ["function"] = new JsonObject { ["arguments"] = piece } }),
                }, null);
            }
            await Send(new JsonObject(), "tool_calls");
        }
        if (request["stream_options"]?["include_usage"]?.GetValue<bool>() == true)
        {
            await SendChunk([], Usage());
        }
        await context.Response.WriteAsync("data: [DONE]\n\n");
    }

    private static JsonObject Usage() => new()
    {
        ["prompt_tokens"] = PromptTokens,
        ["completion_tokens"] = CompletionTokens,
        ["total_tokens"] = PromptTokens + CompletionTokens,
    };

    private static string ContentText(JsonNode? content) => content switch
    {
        JsonValue value => value.GetValue<string>(),
        JsonArray parts => string.Concat(parts.Select(p => p?["text"]?.GetValue<string>())),
        _ => "",
    };
}
