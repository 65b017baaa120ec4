namespace OpenChatStudio.Tests.TestSupport.Fakes;

/// <summary>
/// One scripted answer of a fake LLM server: text, a tool call, or an HTTP failure, optionally late.
/// Queue them with <see cref="FakeLlmServer.Enqueue"/>; an empty queue answers <c>Echo: &lt;last user text&gt;</c>
/// (or <c>Tool said: &lt;result&gt;</c> after a tool result).
/// </summary>
public sealed record FakeReply
{
    public string? Text { get; init; }

    public bool IsToolCall { get; init; }

    /// <summary>The tool to call; null calls the first tool the request offered.</summary>
    public string? ToolName { get; init; }

    /// <summary>The call's arguments as a JSON object.</summary>
    public string ToolArguments { get; init; } = "{}";

    public int StatusCode { get; init; } = 200;

    public string? ErrorBody { get; init; }

    /// <summary>Value of the Retry-After header on a failure.</summary>
    public string? RetryAfter { get; init; }

    /// <summary>Wait before answering at all (before the response headers).</summary>
    public TimeSpan Delay { get; init; }

    /// <summary>Streaming only: wait after sending the headers, before the first chunk.</summary>
    public TimeSpan FirstChunkDelay { get; init; }

    /// <summary>Stays at the head of the queue: every later request gets it too.</summary>
    public bool Sticky { get; init; }

    public static FakeReply Say(string text) => new() { Text = text };

    public static FakeReply CallTool(string argumentsJson, string? toolName = null) =>
        new() { IsToolCall = true, ToolArguments = argumentsJson, ToolName = toolName };

    public static FakeReply Fail(int statusCode, string? errorBody = null, string? retryAfter = null) =>
        new() { StatusCode = statusCode, ErrorBody = errorBody, RetryAfter = retryAfter };

    public static FakeReply FailAlways(int statusCode) => Fail(statusCode) with { Sticky = true };
}
