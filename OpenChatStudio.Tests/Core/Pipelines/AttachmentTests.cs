using System.Text;
using System.Text.Json.Nodes;
using Microsoft.SemanticKernel;
using Microsoft.SemanticKernel.ChatCompletion;
using OpenChatStudio.Core.Pipelines.Execution;
using OpenChatStudio.Core.Pipelines.Graph;
using OpenChatStudio.Core.Pipelines.Llm;
using OpenChatStudio.Core.Pipelines.Nodes;
using OpenChatStudio.Tests.TestSupport.Fakes;
using OpenChatStudio.Tests.TestSupport.Pipelines;
using OpenChatStudio.Tests.TestSupport;

namespace OpenChatStudio.Tests.Core.Pipelines;

/// <summary>Files sent with a message reach the run: temp state, the Code node's helper, templates and LLM prompts.</summary>
[Trait(TestLayers.Trait, TestLayers.Unit)]
public class AttachmentTests
{
    private static readonly Guid Provider = Guid.NewGuid();
    private static readonly byte[] Png = [0x89, 0x50, 0x4E, 0x47, 0x0D, 0x0A, 0x1A, 0x0A, 1, 2, 3];

    private static PipelineAttachment Text(int id, string name, string content, string type = "text/plain") =>
        new(id, name, type, Encoding.UTF8.GetByteCount(content), Encoding.UTF8.GetBytes(content));

    private static PipelineAttachment Image(int id) => new(id, "photo.png", "image/png", Png.Length, Png);

    private static PipelineRunState StateWith(string input, params PipelineAttachment[] files) => new(input) { Attachments = files };

    private static PipelineGraph Single(string type, object parameters) =>
        PipelineGraphBuilder.WithStartAndEnd().Node("node", type, parameters).Connect("start -> node", "node -> end").Build();

    [Fact]
    public async Task CodeNode_SeesAttachmentsInTempState_AndReadsTextByObjectOrId()
    {
        var engine = new EngineHarness();
        var state = StateWith("summarise", Text(7, "notes.txt", "Meeting at 10am"), Image(8));

        var result = await engine.RunAsync(Single(CodeNode.TypeKey, new
        {
            code = """
                function main(input) {
                  const files = get_temp_state_key('attachments');
                  return JSON.stringify({ files, first: read_attachment_text(files[0]), byId: read_attachment_text(7) });
                }
                """,
        }), "summarise", state);

        Assert.True(result.Succeeded, result.Error);
        var output = JsonNode.Parse(result.Reply!)!;
        Assert.Equal("""[{"id":7,"name":"notes.txt","content_type":"text/plain","size":15},{"id":8,"name":"photo.png","content_type":"image/png","size":11}]""",
            output["files"]!.ToJsonString());
        Assert.Equal("Meeting at 10am", output["first"]!.GetValue<string>());
        Assert.Equal("Meeting at 10am", output["byId"]!.GetValue<string>());
    }

    [Theory]
    [InlineData("read_attachment_text(8)", "photo.png (image/png) is not a text file")]
    [InlineData("read_attachment_text(99)", "this message has no attachment with id 99")]
    [InlineData("read_attachment_text('notes.txt')", "pass one of get_temp_state_key('attachments') or its id")]
    [InlineData("set_temp_state_key('attachments', [])", "Temp state key 'attachments' is read-only.")]
    public async Task CodeNode_AttachmentMisuse_IsAClearError(string call, string expected)
    {
        var engine = new EngineHarness();

        var result = await engine.RunAsync(Single(CodeNode.TypeKey, new { code = $"function main(input) {{\n  return {call};\n}}" }),
            "hi", StateWith("hi", Text(7, "notes.txt", "x"), Image(8)));

        Assert.Equal("node", result.FailedNodeId);
        Assert.Contains(expected, result.Error);
    }

    [Fact]
    public async Task Template_ListsAttachmentNames()
    {
        var engine = new EngineHarness();

        var result = await engine.RunAsync(Single("RenderTemplate", new
        {
            template_string = "{% for f in temp_state.attachments %}{{ f.name }} ({{ f.content_type }});{% endfor %}",
        }), "hi", StateWith("hi", Text(1, "a.csv", "x,y", "text/csv"), Image(2)));

        Assert.True(result.Succeeded, result.Error);
        Assert.Equal("a.csv (text/csv);photo.png (image/png);", result.Reply);
    }

    [Fact]
    public void TempState_WithoutAttachments_HasNoAttachmentsKey_ButTheHelperKeyIsAnEmptyList()
    {
        var state = new PipelineRunState("hi");

        Assert.False(state.TempStateSnapshot().ContainsKey("attachments"));
        Assert.Equal("[]", state.GetTempState("attachments")!.ToJsonString());
    }

    [Fact]
    public async Task LlmNode_TextAttachment_IsInTheUserMessage_ImageIsImageContent_WhenTheProviderTakesImages()
    {
        var llm = new ScriptedChatService().Reply("Done.");
        var engine = new EngineHarness(new ScriptedLlmResolver(ScriptedChatService.Bind(llm) with { SupportsImages = true }));

        var result = await engine.RunAsync(Single("LLMResponseWithPrompt", new { llm_provider_id = Provider, llm_model = "m", prompt = "Help.", history_type = "none" }),
            "What is in these?", StateWith("What is in these?", Text(1, "notes.md", "# Agenda\nBudget", "application/octet-stream"), Image(2),
                new PipelineAttachment(3, "report.pdf", "application/pdf", 1234, new byte[] { 1 })));

        Assert.True(result.Succeeded, result.Error);
        var user = llm.Requests.Single().History[^1];
        Assert.Equal(AuthorRole.User, user.Role);
        var text = Assert.IsType<TextContent>(user.Items[0]).Text!;
        Assert.StartsWith("What is in these?\n\n--- Attached file: notes.md (application/octet-stream) ---\n# Agenda\nBudget\n--- End of notes.md ---", text);
        Assert.Contains("[Attached image: photo.png]", text);
        Assert.Contains("[Attached file not shown to the model: report.pdf (application/pdf, 1,234 bytes)]", text);
        var image = Assert.IsType<ImageContent>(Assert.Single(user.Items, i => i is ImageContent));
        Assert.Equal("image/png", image.MimeType);
        Assert.Equal(Png, image.Data!.Value.ToArray());
    }

    [Fact]
    public async Task LlmNode_Image_IsANote_WhenTheProviderCannotTakeImages()
    {
        var llm = new ScriptedChatService().Reply("Done.");
        var engine = new EngineHarness(new ScriptedLlmResolver(ScriptedChatService.Bind(llm)));

        await engine.RunAsync(Single("LLMResponseWithPrompt", new { llm_provider_id = Provider, llm_model = "m", prompt = "Help.", history_type = "none" }),
            "Look", StateWith("Look", Image(2)));

        var user = llm.Requests.Single().History[^1];
        Assert.DoesNotContain(user.Items, i => i is ImageContent);
        Assert.Equal("Look\n\n[Attached file not shown to the model: photo.png (image/png, 11 bytes)]", user.Content);
    }

    [Fact]
    public async Task LlmNode_WithoutAttachments_SendsThePlainInput()
    {
        var llm = new ScriptedChatService().Reply("Done.");
        var engine = new EngineHarness(new ScriptedLlmResolver(ScriptedChatService.Bind(llm) with { SupportsImages = true }));

        await engine.RunAsync(Single("LLMResponseWithPrompt", new { llm_provider_id = Provider, llm_model = "m", prompt = "Help.", history_type = "none" }), "Plain");

        var user = llm.Requests.Single().History[^1];
        Assert.Equal("Plain", user.Content);
        Assert.Single(user.Items);
    }

    [Fact]
    public void AttachmentPrompt_LongText_IsCutWithinTheBudget()
    {
        var history = new ChatHistory();
        var big = new string('a', 30_000);
        var files = Enumerable.Range(1, 4).Select(i => Text(i, $"f{i}.txt", big)).ToList();

        AttachmentPrompt.AddUserMessage(history, "hi", files, supportsImages: false);

        var text = history.Single().Content!;
        Assert.Contains("[… f1.txt was cut at 20,000 characters]", text);
        Assert.Contains("[… f3.txt was cut at 10,000 characters]", text);
        Assert.Contains("[Attached file not shown to the model: f4.txt (text/plain, 30,000 bytes)]", text);
        Assert.InRange(text.Length, AttachmentPrompt.MaxTotalTextCharacters, AttachmentPrompt.MaxTotalTextCharacters + 1_000);
    }
}
