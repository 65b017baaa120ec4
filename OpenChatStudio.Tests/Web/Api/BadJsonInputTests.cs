using System.Net;
using System.Net.Http.Headers;
using System.Text;
using System.Text.Json;
using OpenChatStudio.Tests.TestSupport;

namespace OpenChatStudio.Tests.Web.Api;

/// <summary>
/// Malformed JSON that System.Text.Json only notices lazily (invalid UTF-8, lone surrogates, duplicate properties) and the
/// NUL character (PostgreSQL cannot store it in text) get a 400 with a clear message on every JSON endpoint — widget chat
/// API, OpenAI-compatible API, REST — the same on SQLite and PostgreSQL, never a 500. Nothing is stored.
/// </summary>
public class BadJsonInputTests : IAsyncLifetime
{
    private readonly OcsAppFactory _app = new();
    private ChatApiTestKit _kit = default!;
    private HttpClient _client = default!;

    public async Task InitializeAsync()
    {
        await ((IAsyncLifetime)_app).InitializeAsync();
        _kit = new ChatApiTestKit(_app);
        _client = _app.NewClient();
    }

    public async Task DisposeAsync()
    {
        _client.Dispose();
        await ((IAsyncLifetime)_app).DisposeAsync();
    }

    /// <summary>Bodies as raw bytes: each is broken in a way a lazy parser notices only after its try/catch.</summary>
    public static TheoryData<string, string> Cases() => new()
    {
        { "lone-surrogate", "{\"{field}\": \"\\ud800\"}" },
        { "invalid-utf8", "{\"{field}\": \"\u00FF\"}" },   // replaced below by the raw byte 0xFF
        { "duplicate-key", "{\"{field}\": \"a\", \"{field}\": \"b\"}" },
        { "nul", "{\"{field}\": \"a\\u0000b\"}" },
        { "too-deep", new string('[', 200) + new string(']', 200) },
    };

    private static ByteArrayContent Body(string template, string field)
    {
        var text = template.Replace("{field}", field, StringComparison.Ordinal);
        var bytes = Encoding.UTF8.GetBytes(text).ToList();
        var marker = Encoding.UTF8.GetBytes("\u00FF");
        for (var i = 0; i <= bytes.Count - marker.Length; i++)
        {
            if (bytes[i] == marker[0] && bytes[i + 1] == marker[1])
            {
                bytes.RemoveAt(i + 1);
                bytes[i] = 0xFF;   // not valid UTF-8 on its own
            }
        }
        var content = new ByteArrayContent(bytes.ToArray());
        content.Headers.ContentType = new MediaTypeHeaderValue("application/json");
        return content;
    }

    private static async Task<string> Expect400Async(HttpResponseMessage response)
    {
        var text = await response.Content.ReadAsStringAsync();
        Assert.True(response.StatusCode == HttpStatusCode.BadRequest, $"expected 400, got {(int)response.StatusCode}: {text}");
        return text;
    }

    [Theory]
    [MemberData(nameof(Cases))]
    public async Task WidgetStartAndMessage_BrokenJson_Are400(string name, string template)
    {
        var bot = await _kit.BotAsync();
        var session = await _kit.StartAsync(bot);

        var start = await Expect400Async(await _client.PostAsync("/api/chat/start/", Body(template, "chatbot_id")));
        var message = await Expect400Async(await _client.PostAsync($"/api/chat/{session}/message/", Body(template, "message")));

        Assert.Contains("JSON parse error", start);
        Assert.Contains("JSON parse error", message);
        if (name == "nul")
        {
            Assert.Contains("NUL character", message);
        }
        await _kit.IdleAsync();
        var poll = await _client.GetStringAsync($"/api/chat/{session}/poll/");
        Assert.DoesNotContain("\"role\":\"user\"", poll.Replace(" ", "", StringComparison.Ordinal));   // nothing was stored
    }

    [Theory]
    [MemberData(nameof(Cases))]
    public async Task OpenAiCompletions_BrokenJson_Are400(string name, string template)
    {
        var bot = await _kit.BotAsync();
        var key = await _kit.ApiKeyAsync(bot);
        var body = template.StartsWith('[') ? template : template.Replace("\"{field}\": ", "\"messages\": [{\"role\": \"user\", \"content\": ", StringComparison.Ordinal)
            .Replace("\"}", "\"}]}", StringComparison.Ordinal);
        if (name == "duplicate-key")
        {
            body = "{\"messages\": [{\"role\": \"user\", \"content\": \"a\", \"content\": \"b\"}]}";
        }
        using var request = new HttpRequestMessage(HttpMethod.Post, $"/api/openai/{bot.Id}/chat/completions") { Content = Body(body, "") };
        request.Headers.Authorization = new AuthenticationHeaderValue("Bearer", key);

        var text = await Expect400Async(await _client.SendAsync(request));

        Assert.Contains("not valid JSON", text);
        if (name == "duplicate-key")
        {
            Assert.Contains("appears twice", text);
        }
    }

    [Theory]
    [MemberData(nameof(Cases))]
    public async Task RestParticipants_BrokenJson_Are400(string name, string template)
    {
        var team = await ApiTestKit.CreateTeamAsync(_app);
        using var request = new HttpRequestMessage(HttpMethod.Post, "/api/participants") { Content = Body(template, "identifier") };
        request.Headers.Add("X-api-key", team.WriteKey);

        var text = await Expect400Async(await _client.SendAsync(request));

        Assert.Contains("not valid JSON", text);
        if (name == "nul")
        {
            Assert.Contains("NUL character", text);
        }
    }

    [Theory]
    [MemberData(nameof(Cases))]
    public async Task WidgetRating_BrokenJson_Are400(string name, string template)
    {
        var bot = await _kit.BotAsync();
        var session = await _kit.StartAsync(bot);

        var text = await Expect400Async(await _client.PostAsync($"/api/chat/{session}/rating/", Body(template, "rating")));

        Assert.Contains("JSON parse error", text);
        if (name == "nul")
        {
            Assert.Contains("NUL character", text);
        }
    }

    /// <summary>The broken part nested inside the session's <c>state</c>, where a lazy parser would meet it last.</summary>
    private static string InState(string template, string before) => "{" + before + "\"state\": " + template.Replace("{field}", "x", StringComparison.Ordinal) + "}";

    [Theory]
    [MemberData(nameof(Cases))]
    public async Task RestCreateSession_BrokenJson_Are400_AndNothingIsStored(string name, string template)
    {
        var team = await ApiTestKit.CreateTeamAsync(_app);
        using var request = new HttpRequestMessage(HttpMethod.Post, "/api/sessions/")
        {
            Content = Body(InState(template, $"\"experiment\": \"{team.PublicId}\", \"participant\": \"bad-json\", "), ""),
        };
        request.Headers.Add("X-api-key", team.WriteKey);

        var text = await Expect400Async(await _client.SendAsync(request));

        Assert.Contains("not valid JSON", text);
        if (name == "nul")
        {
            Assert.Contains("NUL character", text);
        }
        var list = await _client.SendAsync(ApiTestKit.Request(HttpMethod.Get, "/api/sessions/", team.ReadKey), HttpStatusCode.OK);
        Assert.Empty(list.GetProperty("results").EnumerateArray());
    }

    [Theory]
    [MemberData(nameof(Cases))]
    public async Task RestUpdateState_BrokenJson_Are400_AndTheStateIsKept(string name, string template)
    {
        var team = await ApiTestKit.CreateTeamAsync(_app);
        var created = await _client.SendAsync(
            ApiTestKit.Request(HttpMethod.Post, "/api/sessions/", team.WriteKey, new { experiment = team.PublicId, state = new { old = true } }), HttpStatusCode.Created);
        var id = created.GetProperty("id").GetString();
        using var request = new HttpRequestMessage(HttpMethod.Patch, $"/api/sessions/{id}/update_state/") { Content = Body(InState(template, ""), "") };
        request.Headers.Add("X-api-key", team.WriteKey);

        var text = await Expect400Async(await _client.SendAsync(request));

        Assert.Contains("not valid JSON", text);
        if (name == "nul")
        {
            Assert.Contains("NUL character", text);
        }
        var detail = await _client.SendAsync(ApiTestKit.Request(HttpMethod.Get, $"/api/sessions/{id}/", team.ReadKey), HttpStatusCode.OK);
        Assert.True(detail.GetProperty("state").GetProperty("old").GetBoolean());
    }

    [Fact]
    public async Task TaskPoll_IdThatIsNotAUuid_Is404_NotProcessingForever()
    {
        var bot = await _kit.BotAsync();
        var session = await _kit.StartAsync(bot);

        var response = await _client.GetAsync($"/api/chat/{session}/not-a-task/poll/");
        var text = await response.Content.ReadAsStringAsync();

        Assert.Equal(HttpStatusCode.NotFound, response.StatusCode);
        Assert.Equal("No task matches the given query.", JsonDocument.Parse(text).RootElement.GetProperty("detail").GetString());
    }
}
