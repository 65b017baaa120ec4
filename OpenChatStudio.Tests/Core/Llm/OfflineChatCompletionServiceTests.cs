using System.Text.Json;
using Microsoft.SemanticKernel;
using Microsoft.SemanticKernel.ChatCompletion;
using OpenChatStudio.Core.Llm;
using OpenChatStudio.Tests.TestSupport.Fakes;
using OpenChatStudio.Tests.TestSupport;

namespace OpenChatStudio.Tests.Core.Llm;

[Trait(TestLayers.Trait, TestLayers.Unit)]
public sealed class OfflineChatCompletionServiceTests
{
    private const string Schema = """
        {"type":"object","properties":{
          "route":{"type":"string","enum":["billing","support","other"]},
          "first_name":{"type":"string"},
          "age":{"type":"integer"},
          "height":{"type":"number"},
          "subscribed":{"type":"boolean"},
          "email":{"type":["string","null"]},
          "city":{"type":"string"}
        }}
        """;

    private readonly IChatCompletionService _offline = new OfflineChatCompletionService();

    private async Task<ChatMessageContent> AskAsync(ChatHistory history, PromptExecutionSettings? settings = null, Kernel? kernel = null) =>
        await _offline.GetChatMessageContentAsync(history, settings, kernel, CancellationToken.None);

    private static ChatHistory Extraction(params string[] userMessages)
    {
        var history = new ChatHistory();
        history.AddSystemMessage($"Extract the fields.\n{OfflineModel.JsonSchemaMarker}\n{Schema}");
        foreach (var message in userMessages)
        {
            history.AddUserMessage(message);
        }
        return history;
    }

    [Fact]
    public async Task Offline_PlainMessage_RestatesTheLastUserMessage()
    {
        var history = LlmTestKit.Ask("first");
        history.AddAssistantMessage("ok");
        history.AddUserMessage("What time is it?");

        var reply = await AskAsync(history);

        Assert.Equal("Offline model: you said \"What time is it?\".", reply.Content);
        Assert.StartsWith(OfflineModel.ReplyPrefix, reply.Content);
        Assert.Equal(AuthorRole.Assistant, reply.Role);
    }

    [Fact]
    public async Task Offline_NoUserMessage_SaysSo()
    {
        var history = new ChatHistory();
        history.AddSystemMessage("You are helpful.");

        var reply = await AskAsync(history);

        Assert.Equal("Offline model: there is no user message to answer.", reply.Content);
    }

    [Fact]
    public async Task Offline_JsonSchema_ChoosesMentionedEnumValueAndExtractsTypedFields()
    {
        var history = Extraction(
            "Hi, my first name is Ada. I am 36 years old.",
            "Age: 37; height=1.68, subscribed: yes. I have a question about SUPPORT and my email is ada@example.org.");

        var reply = await AskAsync(history);

        using var json = JsonDocument.Parse(reply.Content!);
        var root = json.RootElement;
        Assert.Equal("support", root.GetProperty("route").GetString());
        Assert.Equal("Ada", root.GetProperty("first_name").GetString());
        Assert.Equal(37, root.GetProperty("age").GetInt64());            // the latest message wins
        Assert.Equal(1.68m, root.GetProperty("height").GetDecimal());
        Assert.True(root.GetProperty("subscribed").GetBoolean());
        Assert.Equal("ada@example.org", root.GetProperty("email").GetString());
        Assert.Equal(JsonValueKind.Null, root.GetProperty("city").ValueKind);
        Assert.Equal(["route", "first_name", "age", "height", "subscribed", "email", "city"], root.EnumerateObject().Select(p => p.Name));
    }

    [Fact]
    public async Task Offline_JsonSchema_NoEnumWordMentioned_ChoosesFirstEnumValue()
    {
        var reply = await AskAsync(Extraction("I would like to talk about supportive parents."));

        using var json = JsonDocument.Parse(reply.Content!);
        Assert.Equal("billing", json.RootElement.GetProperty("route").GetString()); // "supportive" is not the word "support"
    }

    [Fact]
    public async Task Offline_JsonSchema_EnumOrderDecidesWhenSeveralAreMentioned()
    {
        var reply = await AskAsync(Extraction("This is about support, or maybe billing."));

        using var json = JsonDocument.Parse(reply.Content!);
        Assert.Equal("billing", json.RootElement.GetProperty("route").GetString());
    }

    [Fact]
    public async Task Offline_JsonSchemaInUserMessage_IsUsedAndTheSchemaTextIsNotMined()
    {
        var history = new ChatHistory();
        const string schema = """{"type":"object","properties":{"city":{"type":"string","description":"city: the place"},"name":{"type":"string","description":"name: full name"}}}""";
        history.AddUserMessage("city is Nairobi. " + OfflineModel.JsonSchemaMarker + " " + schema + " Thanks!");

        var reply = await AskAsync(history);

        Assert.Equal("""{"city":"Nairobi","name":null}""", reply.Content);
    }

    [Fact]
    public async Task Offline_JsonSchema_DocumentedExample_GivesTheDocumentedObject()
    {
        var history = new ChatHistory();
        history.AddSystemMessage(OfflineModel.JsonSchemaMarker + """
            {"type":"object","properties":{"route":{"enum":["billing","support","other"]},"first_name":{"type":"string"},"age":{"type":"integer"}}}
            """);
        history.AddUserMessage("my first name is Ada");
        history.AddUserMessage("age: 37, it's about support");

        var reply = await AskAsync(history);

        Assert.Equal("""{"route":"support","first_name":"Ada","age":37}""", reply.Content);
    }

    [Fact]
    public async Task Offline_ToolOfferedAndNamed_EmitsOneFunctionCallWithTypedArguments()
    {
        var kernel = LlmTestKit.KernelWithWeather();

        var reply = await AskAsync(LlmTestKit.Ask("""Please run weather-get forecast city="Cape Town" days=3 metric=false"""), LlmTestKit.ManualTools(), kernel);

        var call = Assert.Single(FunctionCallContent.GetFunctionCalls(reply));
        Assert.Equal("weather", call.PluginName);
        Assert.Equal("get_forecast", call.FunctionName);
        Assert.False(string.IsNullOrEmpty(call.Id));
        Assert.Equal("Cape Town", call.Arguments!["city"]);
        Assert.Equal(3L, call.Arguments["days"]);
        Assert.Equal(false, call.Arguments["metric"]);
        var result = await call.InvokeAsync(kernel, CancellationToken.None);
        Assert.Equal("Cape Town: rain in 3 days (F)", result.Result);
    }

    [Fact]
    public async Task Offline_LongestFunctionNameWins()
    {
        var builder = Kernel.CreateBuilder();
        builder.Plugins.AddFromFunctions("tools", [
            KernelFunctionFactory.CreateFromMethod(() => "a", "get_weather"),
            KernelFunctionFactory.CreateFromMethod(() => "b", "get_weather_report"),
        ]);

        var reply = await AskAsync(LlmTestKit.Ask("I need the GET WEATHER REPORT now"), LlmTestKit.ManualTools(), builder.Build());

        Assert.Equal("get_weather_report", Assert.Single(FunctionCallContent.GetFunctionCalls(reply)).FunctionName);
    }

    [Fact]
    public async Task Offline_ToolsNotOffered_RestatesInsteadOfCalling()
    {
        var reply = await AskAsync(LlmTestKit.Ask("call get_weather city=Paris"), settings: null, LlmTestKit.KernelWithWeather());

        Assert.Empty(FunctionCallContent.GetFunctionCalls(reply));
        Assert.Equal("Offline model: you said \"call get_weather city=Paris\".", reply.Content);
    }

    [Fact]
    public async Task Offline_NoFunctionNamed_RestatesInsteadOfCalling()
    {
        var reply = await AskAsync(LlmTestKit.Ask("Is it sunny?"), LlmTestKit.ManualTools(), LlmTestKit.KernelWithWeather());

        Assert.Empty(FunctionCallContent.GetFunctionCalls(reply));
        Assert.StartsWith(OfflineModel.ReplyPrefix, reply.Content);
    }

    [Fact]
    public async Task Offline_AfterToolResult_ReportsWhatTheFunctionReturned()
    {
        var kernel = LlmTestKit.KernelWithWeather();
        var history = LlmTestKit.Ask("get_weather city=Paris");
        var first = await AskAsync(history, LlmTestKit.ManualTools(), kernel);
        history.Add(first);
        history.Add((await FunctionCallContent.GetFunctionCalls(first).Single().InvokeAsync(kernel, CancellationToken.None)).ToChatMessage());

        var final = await AskAsync(history, LlmTestKit.ManualTools(), kernel);

        Assert.Equal("Offline model: done. get_weather returned: Sunny in Paris.", final.Content);
    }

    [Fact]
    public async Task Offline_AutoInvoke_RunsTheFunctionAndReports()
    {
        var kernel = LlmTestKit.KernelWithWeather();
        var history = LlmTestKit.Ask("get weather for city=Lagos");
        var settings = new PromptExecutionSettings { FunctionChoiceBehavior = FunctionChoiceBehavior.Auto() };

        var reply = await AskAsync(history, settings, kernel);

        Assert.Equal("Offline model: done. get_weather returned: Sunny in Lagos.", reply.Content);
        Assert.Equal(3, history.Count); // user, call, result, as SK's connectors record them
    }

    [Fact]
    public async Task Offline_Streaming_SendsWordChunksThatConcatenateToTheReply()
    {
        var history = LlmTestKit.Ask("Tell me something nice");

        var whole = await AskAsync(history);
        var (text, chunks) = await LlmTestKit.StreamAsync(_offline, history);

        Assert.Equal(whole.Content, text);
        Assert.Equal(["Offline ", "model: ", "you ", "said ", "\"Tell ", "me ", "something ", "nice\"."], chunks.Select(c => c.Content));
    }

    [Fact]
    public async Task Offline_StreamingToolCall_BuilderReassemblesTheCall()
    {
        var kernel = LlmTestKit.KernelWithWeather();

        var (_, chunks) = await LlmTestKit.StreamAsync(_offline, LlmTestKit.Ask("weather get_forecast city=Oslo days=10"), LlmTestKit.ManualTools(), kernel);

        var builder = new FunctionCallContentBuilder();
        chunks.ForEach(builder.Append);
        var call = Assert.Single(builder.Build());
        Assert.Equal("weather", call.PluginName);
        Assert.Equal("get_forecast", call.FunctionName);
        Assert.Equal("Oslo", call.Arguments!["city"]?.ToString());
        Assert.Equal("10", call.Arguments["days"]?.ToString());
        Assert.True(chunks.Count > 2);
    }

    [Fact]
    public async Task Offline_SameInput_GivesTheSameOutput()
    {
        var kernel = LlmTestKit.KernelWithWeather();
        async Task<string> RunAsync()
        {
            var reply = await AskAsync(LlmTestKit.Ask("get_forecast city=Paris days=2"), LlmTestKit.ManualTools(), kernel);
            var json = await AskAsync(Extraction("my first name is Bo, route billing"));
            var call = FunctionCallContent.GetFunctionCalls(reply).Single();
            return $"{call.Id}|{call.PluginName}|{call.FunctionName}|{JsonSerializer.Serialize(call.Arguments)}|{json.Content}";
        }

        Assert.Equal(await RunAsync(), await RunAsync());
    }

    [Fact]
    public async Task Offline_Usage_CountsWordsInAndOut()
    {
        var history = LlmTestKit.Ask("one two three", system: "four five");

        var reply = await AskAsync(history);
        var (_, chunks) = await LlmTestKit.StreamAsync(_offline, history);

        // Reply: Offline model: you said "one two three". = 7 words.
        Assert.Equal((5L, 7L), LlmUsageReader.Read(reply.Metadata));
        Assert.Equal((5L, 7L), LlmUsageReader.Read(chunks[^1].Metadata));
        Assert.Equal(true, reply.Metadata![OfflineModel.MetadataKey]);
    }

    [Fact]
    public void Offline_FactoryCreatesIt_WithoutNetworkSettings()
    {
        using var factory = LlmTestKit.Factory();

        var chat = factory.Create(new LlmProviderSettings(LlmProviderType.Offline), OfflineModel.ModelName);

        Assert.IsType<OfflineChatCompletionService>(chat);
        Assert.Equal(new Guid("0ffc0de0-0000-4000-8000-000000000001"), OfflineModel.ProviderId);
    }

    [Theory]
    [InlineData("Hi, my name is Ana and I am 34 years old.", "Ana", 34)]
    [InlineData("I'm Bruno, 41 years old", "Bruno", 41)]
    [InlineData("call me Chen. I am 29", "Chen", 29)]
    [InlineData("first name: Dara; age: 52", "Dara", 52)]
    public async Task Offline_Extraction_UnderstandsHowPeopleSayNameAndAge(string message, string name, int age)
    {
        var reply = await AskAsync(Extraction(message));

        using var json = JsonDocument.Parse(reply.Content!);
        Assert.Equal(name, json.RootElement.GetProperty("first_name").GetString());
        Assert.Equal(age, json.RootElement.GetProperty("age").GetInt32());
    }
}
