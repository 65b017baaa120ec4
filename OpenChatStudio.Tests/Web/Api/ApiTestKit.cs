using System.Net;
using System.Net.Http.Headers;
using System.Net.Http.Json;
using System.Text;
using System.Text.Json;
using Microsoft.Extensions.DependencyInjection;
using OpenChatStudio.Core.ApiKeys;
using OpenChatStudio.Core.Chatbots;
using OpenChatStudio.Core.Teams;
using OpenChatStudio.Tests.TestSupport;

namespace OpenChatStudio.Tests.Web.Api;

/// <summary>A team with a chatbot, a write key and a read-only key, on a running <see cref="OcsAppFactory"/>.</summary>
public sealed record ApiTeam(TeamAccess Admin, string TeamName, string TeamSlug, ChatbotDetails Chatbot, string WriteKey, Guid WriteKeyId, string ReadKey)
{
    public Guid PublicId => Chatbot.PublicId;
}

/// <summary>Helpers for HTTP tests of the programmatic APIs.</summary>
public static class ApiTestKit
{
    public static async Task<ApiTeam> CreateTeamAsync(OcsAppFactory app, string template = ChatbotTemplates.SimpleAssistant, string chatbotName = "Api bot")
    {
        var user = await app.CreateUserAsync($"rest-{Guid.NewGuid():N}@example.test");
        var name = "Rest team " + Guid.NewGuid().ToString("N")[..8];
        var team = await app.CreateTeamAsync(user.Id, name);
        var access = (await app.Services.GetRequiredService<TeamService>().GetAccessAsync(user.Id, team.Slug, CancellationToken.None))!;
        var bot = (await app.Services.GetRequiredService<ChatbotService>().CreateAsync(access, chatbotName, template, CancellationToken.None)).Value!;
        var keys = app.Services.GetRequiredService<ApiKeyService>();
        var write = (await keys.CreateAsync(access, "write", readOnly: false, CancellationToken.None)).Value!;
        var read = (await keys.CreateAsync(access, "read", readOnly: true, CancellationToken.None)).Value!;
        return new ApiTeam(access, name, team.Slug, bot, write.Key, write.Info.Id, read.Key);
    }

    public static HttpRequestMessage Request(HttpMethod method, string url, string? key, object? body = null)
    {
        var request = new HttpRequestMessage(method, url);
        if (body is string raw)
        {
            request.Content = new StringContent(raw, Encoding.UTF8, "application/json");
        }
        else if (body is not null)
        {
            request.Content = JsonContent.Create(body);
        }
        if (key is not null)
        {
            request.Headers.Add("X-api-key", key);
        }
        return request;
    }

    public static HttpRequestMessage Bearer(HttpMethod method, string url, string key, object? body = null)
    {
        var request = Request(method, url, null, body);
        request.Headers.Authorization = new AuthenticationHeaderValue("Bearer", key);
        return request;
    }

    /// <summary>Sends and returns the JSON body, asserting the status (the body is in the failure message).</summary>
    public static async Task<JsonElement> SendAsync(this HttpClient client, HttpRequestMessage request, HttpStatusCode expected)
    {
        var response = await client.SendAsync(request);
        var text = await response.Content.ReadAsStringAsync();
        Assert.True(response.StatusCode == expected, $"{request.Method} {request.RequestUri}: expected {(int)expected}, got {(int)response.StatusCode}: {text}");
        return text.Length == 0 ? default : JsonDocument.Parse(text).RootElement;
    }

    /// <summary>Sends and asserts a ProblemDetails answer with the status; returns its detail.</summary>
    public static async Task<string> ProblemAsync(this HttpClient client, HttpRequestMessage request, HttpStatusCode expected)
    {
        var response = await client.SendAsync(request);
        var text = await response.Content.ReadAsStringAsync();
        Assert.True(response.StatusCode == expected, $"{request.Method} {request.RequestUri}: expected {(int)expected}, got {(int)response.StatusCode}: {text}");
        Assert.Equal("application/problem+json", response.Content.Headers.ContentType?.MediaType);
        return JsonDocument.Parse(text).RootElement.TryGetProperty("detail", out var detail) ? detail.GetString() ?? "" : "";
    }

    public static List<string> Strings(this JsonElement array) => array.EnumerateArray().Select(e => e.GetString()!).ToList();
}
