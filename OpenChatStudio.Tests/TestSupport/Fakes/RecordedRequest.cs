using System.Text.Json.Nodes;

namespace OpenChatStudio.Tests.TestSupport.Fakes;

/// <summary>A request a fake LLM server received: path, query, JSON body and headers (names lower-case).</summary>
public sealed record RecordedRequest(string Path, string Query, JsonNode Body, IReadOnlyDictionary<string, string> Headers)
{
    public string? Header(string name) => Headers.TryGetValue(name.ToLowerInvariant(), out var value) ? value : null;
}
