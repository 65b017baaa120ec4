using System.Net.Http.Json;
using System.Text.Json;
using Microsoft.Extensions.DependencyInjection;
using OpenChatStudio.Core.ApiKeys;
using OpenChatStudio.Core.Channels;
using OpenChatStudio.Core.Chat;
using OpenChatStudio.Core.Chatbots;
using OpenChatStudio.Core.Teams;
using OpenChatStudio.Core.Versions;
using OpenChatStudio.Tests.TestSupport;

namespace OpenChatStudio.Tests.Web.Api;

/// <summary>Creates teams with an Offline-model chatbot (optionally published, with a widget channel) and talks the chat API.</summary>
public sealed class ChatApiTestKit(OcsAppFactory app)
{
    public sealed record Bot(TeamAccess Access, Guid Id, Guid PublicId, ChannelInfo? Widget);

    public async Task<Bot> BotAsync(bool publish = true, IReadOnlyList<string>? allowlist = null, bool uploads = false,
        IReadOnlyList<string>? widgetDomains = null)
    {
        var user = await app.CreateUserAsync($"chat-{Guid.NewGuid():N}@example.test");
        var team = await app.CreateTeamAsync(user.Id, "Chat team " + Guid.NewGuid().ToString("N")[..6]);
        var access = (await app.Services.GetRequiredService<TeamService>().GetAccessAsync(user.Id, team.Slug, CancellationToken.None))!;
        var bots = app.Services.GetRequiredService<ChatbotService>();
        var bot = (await bots.CreateAsync(access, "Widget bot", ChatbotTemplates.SimpleAssistant, CancellationToken.None)).Value!;
        if (allowlist is not null || uploads)
        {
            var updated = await bots.UpdateSettingsAsync(access, bot.Id,
                new ChatbotSettings(bot.Name, "", null, allowlist ?? [], uploads, null), CancellationToken.None);
            Assert.True(updated.Succeeded, updated.Error);
        }
        if (publish)
        {
            var version = await app.Services.GetRequiredService<VersionService>().CreateAsync(access, bot.Id, "v1", true, "Tester", CancellationToken.None);
            Assert.True(version.Succeeded, version.Error);
        }
        ChannelInfo? widget = null;
        if (widgetDomains is not null)
        {
            var created = await app.Services.GetRequiredService<ChannelService>()
                .CreateAsync(access, bot.Id, ChannelKind.Widget, null, widgetDomains, CancellationToken.None);
            Assert.True(created.Succeeded, created.Error);
            widget = created.Value;
        }
        return new Bot(access, bot.Id, bot.PublicId, widget);
    }

    public async Task<string> ApiKeyAsync(Bot bot) =>
        (await app.Services.GetRequiredService<ApiKeyService>().CreateAsync(bot.Access, "tests", false, CancellationToken.None)).Value!.Key;

    public static HttpRequestMessage Json(HttpMethod method, string url, object? body, string? embedKey = null, string? origin = null,
        string? referer = null)
    {
        var request = new HttpRequestMessage(method, url);
        if (body is not null)
        {
            request.Content = JsonContent.Create(body);
        }
        request.Headers.Add("x-ocs-widget-version", "0.6.0");
        if (embedKey is not null)
        {
            request.Headers.Add("X-Embed-Key", embedKey);
        }
        if (origin is not null)
        {
            request.Headers.Add("Origin", origin);
        }
        if (referer is not null)
        {
            request.Headers.Referrer = new Uri(referer);
        }
        return request;
    }

    public static object StartBody(Guid publicId, string remoteId = "ocs:test-user") => new
    {
        chatbot_id = publicId.ToString(),
        session_data = new { source = "widget", page_url = "http://third-party.test/page" },
        participant_remote_id = remoteId,
    };

    public async Task<string> StartAsync(Bot bot, string remoteId = "ocs:test-user", string? embedKey = null, string? origin = null)
    {
        var response = await app.NewClient().SendAsync(Json(HttpMethod.Post, "/api/chat/start/", StartBody(bot.PublicId, remoteId), embedKey, origin));
        var text = await response.Content.ReadAsStringAsync();
        Assert.True((int)response.StatusCode == 201, text);
        return JsonDocument.Parse(text).RootElement.GetProperty("session_id").GetString()!;
    }

    public async Task<string> SendAsync(string sessionId, string message, string? embedKey = null, string? origin = null, int[]? attachments = null)
    {
        object body = attachments is null ? new { message } : new { message, attachment_ids = attachments };
        var response = await app.NewClient().SendAsync(Json(HttpMethod.Post, $"/api/chat/{sessionId}/message/", body, embedKey, origin));
        var text = await response.Content.ReadAsStringAsync();
        Assert.True((int)response.StatusCode == 202, text);
        var root = JsonDocument.Parse(text).RootElement;
        Assert.Equal("processing", root.GetProperty("status").GetString());
        return root.GetProperty("task_id").GetString()!;
    }

    public Task IdleAsync() => app.Services.GetRequiredService<ChatInbox>().WhenIdleAsync();

    public static async Task<JsonElement> BodyAsync(HttpResponseMessage response, int status)
    {
        var text = await response.Content.ReadAsStringAsync();
        Assert.True((int)response.StatusCode == status, $"expected {status}, got {(int)response.StatusCode}: {text}");
        return JsonDocument.Parse(text).RootElement;
    }
}
