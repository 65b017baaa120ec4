using System.Net.Http.Headers;
using System.Net.Http.Json;
using System.Text.Json;
using Xunit.Abstractions;
using Microsoft.EntityFrameworkCore.Diagnostics;
using Microsoft.Extensions.DependencyInjection;
using OpenChatStudio.Core.Channels;
using OpenChatStudio.Core.Chat;
using OpenChatStudio.Core.Llm;
using OpenChatStudio.Tests.TestSupport;
using OpenChatStudio.Web.Api;
using static OpenChatStudio.Tests.Web.Api.ChatApiTestKit;

namespace OpenChatStudio.Tests.Web.Api;

/// <summary>
/// What the chat surfaces cost in database round trips once warm (issue 17's budgets): a widget message and its turn, a
/// task poll, a messages poll, an OpenAI-compatible call. Counted with an EF interceptor over real Kestrel and a real
/// database; a save is one round trip however many rows it writes (<see cref="SqlCommandCounter.RoundTrips"/>).
/// </summary>
public sealed class ChatApiCostTests : IAsyncLifetime
{
    private readonly SqlCommandCounter _commands = new();
    private readonly OcsAppFactory _app;
    private readonly ITestOutputHelper _output;
    private ChatApiTestKit _kit = default!;

    public ChatApiCostTests(ITestOutputHelper output)
    {
        _output = output;
        _app = new OcsAppFactory { TestServices = s => s.AddSingleton<IInterceptor>(_commands) };
    }

    public async Task InitializeAsync()
    {
        await ((IAsyncLifetime)_app).InitializeAsync();
        _kit = new ChatApiTestKit(_app);
    }

    public Task DisposeAsync() => ((IAsyncLifetime)_app).DisposeAsync();

    private static HttpRequestMessage Widget(HttpMethod method, string url, string token, object? body = null)
    {
        var request = new HttpRequestMessage(method, url);
        if (body is not null)
        {
            request.Content = JsonContent.Create(body);
        }
        request.Headers.Add(ChatSessionTokens.Header, token);
        request.Headers.Add(ChatApi.WidgetVersionHeader, "0.9.1");
        return request;
    }

    private async Task<(string Session, string Token)> StartAsync(Bot bot)
    {
        var start = new HttpRequestMessage(HttpMethod.Post, "/api/chat/start/") { Content = JsonContent.Create(StartBody(bot.PublicId, "ocs:cost")) };
        start.Headers.Add(ChatApi.WidgetVersionHeader, "0.9.1");
        var body = await BodyAsync(await _app.NewClient().SendAsync(start), 201);
        return (body.GetProperty("session_id").GetString()!, body.GetProperty("session_token").GetString()!);
    }

    private async Task<(string TaskId, JsonElement Reply)> TurnAsync(HttpClient client, string session, string token, string text)
    {
        var accepted = await BodyAsync(await client.SendAsync(Widget(HttpMethod.Post, $"/api/chat/{session}/message/", token, new { message = text })), 202);
        await _kit.IdleAsync();
        var taskId = accepted.GetProperty("task_id").GetString()!;
        return (taskId, await BodyAsync(await client.SendAsync(Widget(HttpMethod.Get, $"/api/chat/{session}/{taskId}/poll/", token)), 200));
    }

    [Fact]
    public async Task WarmWidgetTurn_AndItsPolls_StayWithinTheCommandBudget()
    {
        var bot = await _kit.BotAsync();
        var (session, token) = await StartAsync(bot);
        var client = _app.NewClient();
        await TurnAsync(client, session, token, "warm up");   // fills the caches
        await BodyAsync(await client.SendAsync(Widget(HttpMethod.Get, $"/api/chat/{session}/poll/", token)), 200);

        _commands.Reset();
        var accepted = await BodyAsync(await client.SendAsync(Widget(HttpMethod.Post, $"/api/chat/{session}/message/", token, new { message = "second" })), 202);
        await _kit.IdleAsync();
        var message = _commands.RoundTrips;
        var messageLog = _commands.Log;

        _commands.Reset();
        var taskId = accepted.GetProperty("task_id").GetString()!;
        var reply = await BodyAsync(await client.SendAsync(Widget(HttpMethod.Get, $"/api/chat/{session}/{taskId}/poll/", token)), 200);
        var taskPoll = _commands.RoundTrips;
        var taskPollLog = _commands.Log;

        _commands.Reset();
        // As the widget polls once it has history: with since (a first poll without it shows only what preceded the first message).
        var poll = await BodyAsync(await client.SendAsync(Widget(HttpMethod.Get, $"/api/chat/{session}/poll/?since=2000-01-01T00:00:00Z", token)), 200);
        var messagesPoll = _commands.RoundTrips;
        var messagesPollLog = _commands.Log;

        _output.WriteLine($"round trips: message/ + turn {message}, task poll {taskPoll}, messages poll {messagesPoll}");
        Assert.Equal("complete", reply.GetProperty("status").GetString());
        Assert.Contains("second", reply.GetProperty("message").GetProperty("content").GetString());
        Assert.Equal(4, poll.GetProperty("messages").GetArrayLength());
        Assert.True(message <= 6, $"message/ and its turn: {message} round trips\n{messageLog}");
        Assert.True(taskPoll <= 2, $"task poll: {taskPoll} round trips\n{taskPollLog}");
        Assert.True(messagesPoll <= 2, $"messages poll: {messagesPoll} round trips\n{messagesPollLog}");
    }

    [Fact]
    public async Task WarmCaches_SeeAChannelDisabled_AndASessionEnded_OnTheNextRequest()
    {
        var bot = await _kit.BotAsync();
        var channels = _app.Services.GetRequiredService<ChannelService>();
        var api = (await channels.CreateAsync(bot.Access, bot.Id, ChannelKind.Api, null, null, default)).Value!;
        var (session, token) = await StartAsync(bot);
        var client = _app.NewClient();
        await TurnAsync(client, session, token, "warm up");

        Assert.True((await channels.UpdateAsync(bot.Access, api.Id, new ChannelUpdate(api.Name, false, "Closed for the night.", null), default)).Succeeded);
        var refused = await BodyAsync(await client.SendAsync(Widget(HttpMethod.Post, $"/api/chat/{session}/message/", token, new { message = "hi" })), 403);
        Assert.Equal("Closed for the night.", refused.GetProperty("error").GetString());

        Assert.True((await channels.UpdateAsync(bot.Access, api.Id, new ChannelUpdate(api.Name, true, null, null), default)).Succeeded);
        var sessionId = Guid.Parse(session);
        await _app.Services.GetRequiredService<ChatRuntime>().EndSessionAsync(bot.Access.TeamId, sessionId, "test", default);
        var ended = await BodyAsync(await client.SendAsync(Widget(HttpMethod.Post, $"/api/chat/{session}/message/", token, new { message = "hi" })), 400);
        Assert.Equal(ChatApi.SessionEnded, ended.GetProperty("error").GetString());
        var poll = await BodyAsync(await client.SendAsync(Widget(HttpMethod.Get, $"/api/chat/{session}/poll/?since=2000-01-01T00:00:00Z", token)), 200);
        Assert.Equal("ended", poll.GetProperty("session_status").GetString());
    }

    [Fact]
    public async Task WarmOpenAiCompatibleCall_StaysWithinTheCommandBudget()
    {
        var bot = await _kit.BotAsync();
        var key = await _kit.ApiKeyAsync(bot);
        var client = _app.NewClient();
        HttpRequestMessage Call(string text)
        {
            var request = new HttpRequestMessage(HttpMethod.Post, $"/api/openai/{bot.PublicId}/chat/completions")
            {
                Content = JsonContent.Create(new { model = "any", messages = new[] { new { role = "user", content = text } } }),
            };
            request.Headers.Authorization = new AuthenticationHeaderValue("Bearer", key);
            return request;
        }
        await BodyAsync(await client.SendAsync(Call("warm up")), 200);

        _commands.Reset();
        var body = await BodyAsync(await client.SendAsync(Call("counted")), 200);
        var commands = _commands.RoundTrips;
        _output.WriteLine($"round trips: OpenAI-compatible call {commands} ({_commands.Commands} statements)");

        Assert.Equal($"{OfflineModel.ReplyPrefix}you said \"counted\".", body.GetProperty("choices")[0].GetProperty("message").GetProperty("content").GetString());
        Assert.True(commands <= 5, $"OpenAI-compatible call: {commands} round trips\n{_commands.Log}");
    }
}
