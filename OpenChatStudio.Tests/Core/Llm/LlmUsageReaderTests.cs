using System.Text.Json;
using Microsoft.Extensions.AI;
using OpenChatStudio.Core.Llm;
using OpenChatStudio.Tests.TestSupport;

namespace OpenChatStudio.Tests.Core.Llm;

[Trait(TestLayers.Trait, TestLayers.Unit)]
public sealed class LlmUsageReaderTests
{
    [Fact]
    public void UsageReader_NoMetadataOrNoUsage_ReturnsNull()
    {
        Assert.Null(LlmUsageReader.Read(null));
        Assert.Null(LlmUsageReader.Read(new Dictionary<string, object?> { ["Other"] = 1 }));
        Assert.Null(LlmUsageReader.Read(new Dictionary<string, object?> { ["Usage"] = null }));
        Assert.Null(LlmUsageReader.Read(new Dictionary<string, object?> { ["Usage"] = "lots" }));
    }

    [Fact]
    public void UsageReader_UsageDetailsAndUsageContent_AreRead()
    {
        var details = new UsageDetails { InputTokenCount = 120, OutputTokenCount = 30 };

        Assert.Equal((120L, 30L), LlmUsageReader.Read(new Dictionary<string, object?> { ["Usage"] = details }));
        Assert.Equal((120L, 30L), LlmUsageReader.Read(new Dictionary<string, object?> { ["Usage"] = new UsageContent(details) }));
    }

    [Theory]
    [InlineData("""{"prompt_tokens":9,"completion_tokens":4}""")]
    [InlineData("""{"input_tokens":9,"output_tokens":4}""")]
    [InlineData("""{"InputTokenCount":9,"OutputTokenCount":4}""")]
    public void UsageReader_JsonAfterRoundTrip_IsRead(string json)
    {
        var metadata = new Dictionary<string, object?> { ["Usage"] = JsonDocument.Parse(json).RootElement.Clone() };

        Assert.Equal((9L, 4L), LlmUsageReader.Read(metadata));
    }
}
