using System.Net;
using System.Text.Json;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.DependencyInjection;
using OpenChatStudio.Core.Chat;
using OpenChatStudio.Core.Chatbots;
using OpenChatStudio.Core.Data;
using OpenChatStudio.Core.Llm;
using OpenChatStudio.Tests.TestSupport;

namespace OpenChatStudio.Tests.Web.Api;

/// <summary>Sessions over REST v1 on real Kestrel and a real database: create, list with filters, detail, end, tags, state.</summary>
public class RestApiSessionsTests : IClassFixture<OcsAppFactory>
{
    private readonly OcsAppFactory _app;

    public RestApiSessionsTests(OcsAppFactory app) => _app = app;

    private async Task<Guid> CreateSessionAsync(ApiTeam team, object? body = null, Guid? chatbot = null)
    {
        var created = await _app.NewClient().SendAsync(
            ApiTestKit.Request(HttpMethod.Post, "/api/sessions/", team.WriteKey, body ?? new { experiment = chatbot ?? team.PublicId }),
            HttpStatusCode.Created);
        return created.GetProperty("id").GetGuid();
    }

    private async Task<int> SessionCountAsync(ApiTeam team)
    {
        await using var db = await _app.Services.GetRequiredService<IDbContextFactory<AppDbContext>>().CreateForTeamAsync(team.Admin.TeamId, CancellationToken.None);
        return await db.ChatSessions.CountAsync();
    }

    [Fact]
    public async Task Create_WithParticipantMessagesAndState_Is201_AndDetailShowsTheMessages()
    {
        var a = await ApiTestKit.CreateTeamAsync(_app);
        var client = _app.NewClient();
        var body = new
        {
            experiment = a.PublicId,
            participant = "ada@example.test",
            messages = new object[] { new { role = "user", content = "Hi, I am Ada." }, new { role = "assistant", content = "Hello Ada!" } },
            state = new { step = 2, topic = "billing" },
        };

        var response = await client.SendAsync(ApiTestKit.Request(HttpMethod.Post, "/api/sessions/", a.WriteKey, body));
        var text = await response.Content.ReadAsStringAsync();

        Assert.True(response.StatusCode == HttpStatusCode.Created, text);
        var session = JsonDocument.Parse(text).RootElement;
        var id = session.GetProperty("id").GetGuid();
        var url = new Uri(_app.BaseAddress, $"/api/sessions/{id}/").ToString();
        Assert.Equal(url, session.GetProperty("url").GetString());
        Assert.Equal(url, response.Headers.Location?.ToString());
        Assert.Equal(a.TeamName, session.GetProperty("team").GetProperty("name").GetString());
        Assert.Equal(a.TeamSlug, session.GetProperty("team").GetProperty("slug").GetString());
        Assert.Equal(a.PublicId, session.GetProperty("experiment").GetProperty("id").GetGuid());
        Assert.Equal("Api bot", session.GetProperty("experiment").GetProperty("name").GetString());
        Assert.Equal("ada@example.test", session.GetProperty("participant").GetProperty("identifier").GetString());
        Assert.Equal("", session.GetProperty("participant").GetProperty("remote_id").GetString());
        Assert.Equal("active", session.GetProperty("status").GetString());
        Assert.Equal("api", session.GetProperty("platform").GetString());
        Assert.Equal(2, session.GetProperty("state").GetProperty("step").GetInt32());
        Assert.Equal("billing", session.GetProperty("state").GetProperty("topic").GetString());
        Assert.False(session.TryGetProperty("messages", out _));
        Assert.True(session.GetProperty("created_at").GetDateTime() <= session.GetProperty("updated_at").GetDateTime());

        var detail = await client.SendAsync(ApiTestKit.Request(HttpMethod.Get, $"/api/sessions/{id}/", a.ReadKey), HttpStatusCode.OK);
        var messages = detail.GetProperty("messages").EnumerateArray().ToList();
        Assert.Equal([("user", "Hi, I am Ada."), ("assistant", "Hello Ada!")],
            messages.Select(m => (m.GetProperty("role").GetString(), m.GetProperty("content").GetString())));
        Assert.All(messages, m => Assert.Empty(m.GetProperty("attachments").EnumerateArray()));
        Assert.Equal(0m, detail.GetProperty("usage").GetProperty("total_cost").GetDecimal());
    }

    [Fact]
    public async Task Create_WithoutParticipant_UsesTheKeysParticipant_AndTheConversationContinuesThroughTheRuntime()
    {
        var a = await ApiTestKit.CreateTeamAsync(_app);
        var id = await CreateSessionAsync(a);
        var turn = await _app.Services.GetRequiredService<ChatRuntime>().SendAsync(a.Admin.TeamId, id, "What is the time?", null, CancellationToken.None);
        Assert.True(turn.Succeeded, turn.Error);

        var detail = await _app.NewClient().SendAsync(ApiTestKit.Request(HttpMethod.Get, $"/api/sessions/{id}", a.ReadKey), HttpStatusCode.OK);

        Assert.Equal($"api-key:{a.WriteKeyId}", detail.GetProperty("participant").GetProperty("identifier").GetString());
        var messages = detail.GetProperty("messages").EnumerateArray().ToList();
        Assert.Equal(2, messages.Count);
        Assert.Equal("user", messages[0].GetProperty("role").GetString());
        Assert.Equal("assistant", messages[1].GetProperty("role").GetString());
        Assert.StartsWith(OfflineModel.ReplyPrefix, messages[1].GetProperty("content").GetString());
        Assert.False(messages[1].GetProperty("metadata").TryGetProperty("trace_id", out _));
        var byModel = Assert.Single(detail.GetProperty("usage").GetProperty("by_model").EnumerateArray());
        Assert.Equal(OfflineModel.ModelName, byModel.GetProperty("model").GetString());
        Assert.True(byModel.GetProperty("output_tokens").GetInt64() > 0);
    }

    [Fact]
    public async Task Create_AuthAndValidation_AreClear4xx_AndCreateNothing()
    {
        var a = await ApiTestKit.CreateTeamAsync(_app);
        var b = await ApiTestKit.CreateTeamAsync(_app);
        var client = _app.NewClient();
        var good = new { experiment = a.PublicId };

        await client.ProblemAsync(ApiTestKit.Request(HttpMethod.Post, "/api/sessions/", null, good), HttpStatusCode.Unauthorized);
        Assert.Contains("read-only", await client.ProblemAsync(ApiTestKit.Request(HttpMethod.Post, "/api/sessions/", a.ReadKey, good), HttpStatusCode.Forbidden));
        Assert.Contains("not valid JSON",
            await client.ProblemAsync(ApiTestKit.Request(HttpMethod.Post, "/api/sessions/", a.WriteKey, "{\"experiment\": "), HttpStatusCode.BadRequest));
        Assert.Contains("not valid JSON",
            await client.ProblemAsync(ApiTestKit.Request(HttpMethod.Post, "/api/sessions/", a.WriteKey, "{\"experiment\": \"nope\"}"), HttpStatusCode.BadRequest));
        Assert.Contains("experiment is required",
            await client.ProblemAsync(ApiTestKit.Request(HttpMethod.Post, "/api/sessions/", a.WriteKey, new { participant = "x" }), HttpStatusCode.BadRequest));
        Assert.Contains("messages[0].role",
            await client.ProblemAsync(ApiTestKit.Request(HttpMethod.Post, "/api/sessions/", a.WriteKey,
                new { experiment = a.PublicId, messages = new[] { new { role = "robot", content = "x" } } }), HttpStatusCode.BadRequest));
        Assert.Contains("No such chatbot",
            await client.ProblemAsync(ApiTestKit.Request(HttpMethod.Post, "/api/sessions/", a.WriteKey, new { experiment = b.PublicId }), HttpStatusCode.NotFound));
        await client.ProblemAsync(ApiTestKit.Request(HttpMethod.Post, "/api/sessions/", a.WriteKey, new { experiment = Guid.NewGuid() }), HttpStatusCode.NotFound);

        Assert.Equal(0, await SessionCountAsync(a));
        Assert.Equal(0, await SessionCountAsync(b));
    }

    [Fact]
    public async Task List_FiltersByExperimentParticipantTagsStatusAndVersions_AndOrders()
    {
        var a = await ApiTestKit.CreateTeamAsync(_app);
        var b = await ApiTestKit.CreateTeamAsync(_app);
        var other = (await _app.Services.GetRequiredService<ChatbotService>()
            .CreateAsync(a.Admin, "Second bot", ChatbotTemplates.Blank, CancellationToken.None)).Value!;
        var client = _app.NewClient();
        var s1 = await CreateSessionAsync(a, new { experiment = a.PublicId, participant = "alice" });
        var s2 = await CreateSessionAsync(a, new { experiment = a.PublicId, participant = "bob" });
        var s3 = await CreateSessionAsync(a, new { experiment = other.PublicId, participant = "alice" });
        var foreign = await CreateSessionAsync(b, new { experiment = b.PublicId, participant = "alice" });
        await client.SendAsync(ApiTestKit.Request(HttpMethod.Post, $"/api/sessions/{s1}/tags/", a.WriteKey, new { tags = new[] { "vip", "follow-up" } }), HttpStatusCode.OK);
        await client.SendAsync(ApiTestKit.Request(HttpMethod.Post, $"/api/sessions/{s3}/tags/", a.WriteKey, new { tags = new[] { "vip-2" } }), HttpStatusCode.OK);
        await client.SendAsync(ApiTestKit.Request(HttpMethod.Post, $"/api/sessions/{s2}/end_experiment_session/", a.WriteKey), HttpStatusCode.OK);

        async Task<List<Guid>> Ids(string query)
        {
            var page = await client.SendAsync(ApiTestKit.Request(HttpMethod.Get, "/api/sessions/" + query, a.ReadKey), HttpStatusCode.OK);
            return page.GetProperty("results").EnumerateArray().Select(r => r.GetProperty("id").GetGuid()).ToList();
        }

        Assert.Equal([s3, s2, s1], await Ids(""));
        Assert.Equal([s1, s2, s3], await Ids("?ordering=created_at"));
        Assert.Equal([s2, s1], await Ids($"?experiment={a.PublicId}"));
        Assert.Equal([s3, s1], await Ids("?participant=alice"));
        Assert.Equal([s1], await Ids("?tags=vip"));
        Assert.Equal([s3, s1], await Ids("?tags=vip-2,follow-up"));
        Assert.Equal([s2], await Ids("?status=pending-review"));
        Assert.Equal([s3, s1], await Ids("?status=active"));
        Assert.Equal([s1], await Ids($"?experiment={a.PublicId}&participant=alice&tags=vip"));
        Assert.Empty(await Ids($"?experiment={b.PublicId}"));
        Assert.Empty(await Ids("?versions=1"));
        Assert.DoesNotContain(foreign, await Ids("?participant=alice"));
        Assert.Equal([s3], await Ids("?page_size=1"));

        Assert.Contains("experiment", await client.ProblemAsync(ApiTestKit.Request(HttpMethod.Get, "/api/sessions/?experiment=abc", a.ReadKey), HttpStatusCode.BadRequest));
        Assert.Contains("status", await client.ProblemAsync(ApiTestKit.Request(HttpMethod.Get, "/api/sessions/?status=sleeping", a.ReadKey), HttpStatusCode.BadRequest));
        Assert.Contains("ordering", await client.ProblemAsync(ApiTestKit.Request(HttpMethod.Get, "/api/sessions/?ordering=name", a.ReadKey), HttpStatusCode.BadRequest));
        Assert.Contains("versions", await client.ProblemAsync(ApiTestKit.Request(HttpMethod.Get, "/api/sessions/?versions=x", a.ReadKey), HttpStatusCode.BadRequest));
    }

    [Fact]
    public async Task Detail_OtherTeamsSession_Is404_ForEveryRoute()
    {
        var a = await ApiTestKit.CreateTeamAsync(_app);
        var b = await ApiTestKit.CreateTeamAsync(_app);
        var foreign = await CreateSessionAsync(b);
        var client = _app.NewClient();

        await client.ProblemAsync(ApiTestKit.Request(HttpMethod.Get, $"/api/sessions/{foreign}/", a.WriteKey), HttpStatusCode.NotFound);
        await client.ProblemAsync(ApiTestKit.Request(HttpMethod.Post, $"/api/sessions/{foreign}/end_experiment_session/", a.WriteKey), HttpStatusCode.NotFound);
        await client.ProblemAsync(ApiTestKit.Request(HttpMethod.Post, $"/api/sessions/{foreign}/tags/", a.WriteKey, new { tags = new[] { "x" } }), HttpStatusCode.NotFound);
        await client.ProblemAsync(ApiTestKit.Request(HttpMethod.Delete, $"/api/sessions/{foreign}/tags/", a.WriteKey, new { tags = new[] { "x" } }), HttpStatusCode.NotFound);
        await client.ProblemAsync(ApiTestKit.Request(new HttpMethod("PATCH"), $"/api/sessions/{foreign}/update_state/", a.WriteKey, new { state = new { x = 1 } }), HttpStatusCode.NotFound);

        var untouched = await client.SendAsync(ApiTestKit.Request(HttpMethod.Get, $"/api/sessions/{foreign}/", b.ReadKey), HttpStatusCode.OK);
        Assert.Equal("active", untouched.GetProperty("status").GetString());
        Assert.Empty(untouched.GetProperty("tags").EnumerateArray());
        Assert.Empty(untouched.GetProperty("state").EnumerateObject());
    }

    [Fact]
    public async Task End_EndsTheSessionWithReasonApi_ReadOnlyIs403()
    {
        var a = await ApiTestKit.CreateTeamAsync(_app);
        var id = await CreateSessionAsync(a);
        var client = _app.NewClient();

        Assert.Contains("read-only", await client.ProblemAsync(
            ApiTestKit.Request(HttpMethod.Post, $"/api/sessions/{id}/end_experiment_session/", a.ReadKey), HttpStatusCode.Forbidden));
        var stillActive = await client.SendAsync(ApiTestKit.Request(HttpMethod.Get, $"/api/sessions/{id}/", a.ReadKey), HttpStatusCode.OK);
        Assert.Equal("active", stillActive.GetProperty("status").GetString());

        await client.SendAsync(ApiTestKit.Request(HttpMethod.Post, $"/api/v1/sessions/{id}/end_experiment_session/", a.WriteKey), HttpStatusCode.OK);

        var ended = await client.SendAsync(ApiTestKit.Request(HttpMethod.Get, $"/api/sessions/{id}/", a.ReadKey), HttpStatusCode.OK);
        Assert.Equal("pending-review", ended.GetProperty("status").GetString());
        await using var db = await _app.Services.GetRequiredService<IDbContextFactory<AppDbContext>>().CreateForTeamAsync(a.Admin.TeamId, CancellationToken.None);
        Assert.Equal("api", (await db.ChatSessions.SingleAsync(s => s.Id == id)).EndReason);
    }

    [Fact]
    public async Task Tags_AddAndRemove_ReturnTheSessionsTags()
    {
        var a = await ApiTestKit.CreateTeamAsync(_app);
        var id = await CreateSessionAsync(a);
        var client = _app.NewClient();
        var url = $"/api/sessions/{id}/tags/";

        var added = await client.SendAsync(ApiTestKit.Request(HttpMethod.Post, url, a.WriteKey, new { tags = new[] { "a", "b" } }), HttpStatusCode.OK);
        var again = await client.SendAsync(ApiTestKit.Request(HttpMethod.Post, url, a.WriteKey, new { tags = new[] { "b", "c" } }), HttpStatusCode.OK);
        var removed = await client.SendAsync(ApiTestKit.Request(HttpMethod.Delete, url, a.WriteKey, new { tags = new[] { "a", "zzz" } }), HttpStatusCode.OK);

        Assert.Equal(["a", "b"], added.GetProperty("tags").Strings());
        Assert.Equal(["a", "b", "c"], again.GetProperty("tags").Strings());
        Assert.Equal(["b", "c"], removed.GetProperty("tags").Strings());
        var detail = await client.SendAsync(ApiTestKit.Request(HttpMethod.Get, $"/api/sessions/{id}/", a.ReadKey), HttpStatusCode.OK);
        Assert.Equal(["b", "c"], detail.GetProperty("tags").Strings());

        Assert.Contains("Missing 'tags'", await client.ProblemAsync(ApiTestKit.Request(HttpMethod.Post, url, a.WriteKey, new { tags = Array.Empty<string>() }), HttpStatusCode.BadRequest));
        Assert.Contains("not valid JSON", await client.ProblemAsync(ApiTestKit.Request(HttpMethod.Post, url, a.WriteKey, new { tags = "a" }), HttpStatusCode.BadRequest));
        Assert.Contains("read-only", await client.ProblemAsync(ApiTestKit.Request(HttpMethod.Delete, url, a.ReadKey, new { tags = new[] { "b" } }), HttpStatusCode.Forbidden));
    }

    [Fact]
    public async Task TagFilter_MatchesWholeTags_WithLikeWildcardsAndNonAsciiTakenLiterally()
    {
        var a = await ApiTestKit.CreateTeamAsync(_app);
        var client = _app.NewClient();
        var percent = await CreateSessionAsync(a);
        var underscore = await CreateSessionAsync(a);
        var accented = await CreateSessionAsync(a);
        await client.SendAsync(ApiTestKit.Request(HttpMethod.Post, $"/api/sessions/{percent}/tags/", a.WriteKey, new { tags = new[] { "100%" } }), HttpStatusCode.OK);
        await client.SendAsync(ApiTestKit.Request(HttpMethod.Post, $"/api/sessions/{underscore}/tags/", a.WriteKey, new { tags = new[] { "a_b" } }), HttpStatusCode.OK);
        await client.SendAsync(ApiTestKit.Request(HttpMethod.Post, $"/api/sessions/{accented}/tags/", a.WriteKey, new { tags = new[] { "café \"quoted\"" } }), HttpStatusCode.OK);

        async Task<List<Guid>> Ids(string tags)
        {
            var page = await client.SendAsync(ApiTestKit.Request(HttpMethod.Get, "/api/v1/sessions/?tags=" + Uri.EscapeDataString(tags), a.ReadKey), HttpStatusCode.OK);
            return page.GetProperty("results").EnumerateArray().Select(r => r.GetProperty("id").GetGuid()).ToList();
        }

        Assert.Equal([percent], await Ids("100%"));
        Assert.Empty(await Ids("100"));
        Assert.Empty(await Ids("%"));
        Assert.Equal([underscore], await Ids("a_b"));
        Assert.Empty(await Ids("axb"));
        Assert.Equal([accented], await Ids("café \"quoted\""));
        Assert.Empty(await Ids("café"));
    }

    [Fact]
    public async Task UpdateState_ReplacesTheState_AndValidates()
    {
        var a = await ApiTestKit.CreateTeamAsync(_app);
        var id = await CreateSessionAsync(a, new { experiment = a.PublicId, state = new { old = true } });
        var client = _app.NewClient();
        var url = $"/api/sessions/{id}/update_state/";
        var patch = new HttpMethod("PATCH");

        var updated = await client.SendAsync(ApiTestKit.Request(patch, url, a.WriteKey, new { state = new { language = "fr", score = 3 } }), HttpStatusCode.OK);

        Assert.True(updated.GetProperty("success").GetBoolean());
        Assert.Equal("fr", updated.GetProperty("state").GetProperty("language").GetString());
        var detail = await client.SendAsync(ApiTestKit.Request(HttpMethod.Get, $"/api/sessions/{id}/", a.ReadKey), HttpStatusCode.OK);
        Assert.Equal(["language", "score"], detail.GetProperty("state").EnumerateObject().Select(p => p.Name));
        Assert.Equal(3, detail.GetProperty("state").GetProperty("score").GetInt32());

        Assert.Contains("Missing 'state'", await client.ProblemAsync(ApiTestKit.Request(patch, url, a.WriteKey, new { other = 1 }), HttpStatusCode.BadRequest));
        Assert.Contains("not valid JSON", await client.ProblemAsync(ApiTestKit.Request(patch, url, a.WriteKey, new { state = new[] { 1, 2 } }), HttpStatusCode.BadRequest));
        Assert.Contains("not valid JSON", await client.ProblemAsync(ApiTestKit.Request(patch, url, a.WriteKey, "{oops"), HttpStatusCode.BadRequest));
        Assert.Contains("read-only", await client.ProblemAsync(ApiTestKit.Request(patch, url, a.ReadKey, new { state = new { x = 1 } }), HttpStatusCode.Forbidden));
        await client.ProblemAsync(ApiTestKit.Request(patch, $"/api/sessions/{Guid.NewGuid()}/update_state/", a.WriteKey, new { state = new { x = 1 } }), HttpStatusCode.NotFound);
    }
}
