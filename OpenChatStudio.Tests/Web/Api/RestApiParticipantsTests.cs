using System.Net;
using System.Text.Json;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.DependencyInjection;
using OpenChatStudio.Core.Chat;
using OpenChatStudio.Core.Chatbots;
using OpenChatStudio.Core.Data;
using OpenChatStudio.Core.Participants;
using OpenChatStudio.Core.Scheduling;
using OpenChatStudio.Tests.TestSupport;

namespace OpenChatStudio.Tests.Web.Api;

/// <summary>Participants over REST v1: upsert with per-chatbot data (encrypted at rest), list with filters, auth.</summary>
public class RestApiParticipantsTests : IClassFixture<OcsAppFactory>
{
    private readonly OcsAppFactory _app;

    public RestApiParticipantsTests(OcsAppFactory app) => _app = app;

    private async Task<AppDbContext> DbAsync(ApiTeam team) =>
        await _app.Services.GetRequiredService<IDbContextFactory<AppDbContext>>().CreateForTeamAsync(team.Admin.TeamId, CancellationToken.None);

    [Fact]
    public async Task Upsert_CreatesParticipantWithData_StoredEncrypted_AndListShowsIt()
    {
        var a = await ApiTestKit.CreateTeamAsync(_app);
        var client = _app.NewClient();
        var body = new
        {
            identifier = "grace@example.test",
            name = "Grace",
            data = new[] { new { experiment = a.PublicId, data = new { favourite_colour = "teal-secret", age = 36 } } },
        };

        var created = await client.SendAsync(ApiTestKit.Request(HttpMethod.Post, "/api/participants", a.WriteKey, body), HttpStatusCode.OK);

        Assert.Equal("grace@example.test", created.GetProperty("identifier").GetString());
        Assert.Equal("Grace", created.GetProperty("name").GetString());
        Assert.Equal("api", created.GetProperty("platform").GetString());
        Assert.Equal("", created.GetProperty("remote_id").GetString());
        var data = Assert.Single(created.GetProperty("data").EnumerateArray());
        Assert.Equal("Api bot", data.GetProperty("chatbot").GetString());
        Assert.Equal(a.PublicId, data.GetProperty("chatbot_id").GetGuid());
        Assert.Equal("teal-secret", data.GetProperty("data").GetProperty("favourite_colour").GetString());
        Assert.Equal(36, data.GetProperty("data").GetProperty("age").GetInt32());
        Assert.Equal(JsonValueKind.Null, data.GetProperty("connect_channel_id").ValueKind);

        await using (var db = await DbAsync(a))
        {
            var row = await db.ParticipantData.SingleAsync();
            Assert.DoesNotContain("teal-secret", row.ProtectedData);
            Assert.Equal("teal-secret", _app.Services.GetRequiredService<ParticipantDataProtector>().Unprotect(row.ProtectedData)["favourite_colour"]!.GetValue<string>());
        }

        var list = await client.SendAsync(ApiTestKit.Request(HttpMethod.Get, "/api/participants", a.ReadKey), HttpStatusCode.OK);
        var listed = Assert.Single(list.GetProperty("results").EnumerateArray());
        Assert.Equal(created.GetRawText(), listed.GetRawText());
    }

    [Fact]
    public async Task Upsert_Again_UpdatesNameAndReplacesData_ForTheSameParticipant_AndTheChatbotSeesIt()
    {
        var a = await ApiTestKit.CreateTeamAsync(_app);
        var client = _app.NewClient();
        var first = await client.SendAsync(ApiTestKit.Request(HttpMethod.Post, "/api/participants", a.WriteKey,
            new { identifier = "p1", data = new[] { new { experiment = a.PublicId, data = new { a = 1, b = 2 } } } }), HttpStatusCode.OK);

        var second = await client.SendAsync(ApiTestKit.Request(HttpMethod.Post, "/api/v1/participants", a.WriteKey,
            new { identifier = "p1", name = "Renamed", data = new[] { new { experiment = a.PublicId, data = new { c = 3 } } } }), HttpStatusCode.OK);
        var third = await client.SendAsync(ApiTestKit.Request(HttpMethod.Post, "/api/participants", a.WriteKey,
            new { identifier = "p1", data = new[] { new { experiment = a.PublicId } } }), HttpStatusCode.OK);

        Assert.Equal(first.GetProperty("id").GetGuid(), second.GetProperty("id").GetGuid());
        Assert.Equal("Renamed", second.GetProperty("name").GetString());
        Assert.Equal(["c"], second.GetProperty("data")[0].GetProperty("data").EnumerateObject().Select(p => p.Name));
        Assert.Equal(["c"], third.GetProperty("data")[0].GetProperty("data").EnumerateObject().Select(p => p.Name));
        Assert.Equal("Renamed", third.GetProperty("name").GetString());

        // The same participant data is what the chatbot's pipeline reads (one encrypted row per participant and chatbot).
        await using var db = await DbAsync(a);
        var participantId = first.GetProperty("id").GetGuid();
        var row = await db.ParticipantData.SingleAsync(d => d.ParticipantId == participantId && d.ChatbotId == a.Chatbot.Id);
        Assert.Equal(3, _app.Services.GetRequiredService<ParticipantDataProtector>().Unprotect(row.ProtectedData)["c"]!.GetValue<int>());
    }

    [Fact]
    public async Task Upsert_WithSchedules_CreatesUpdatesAndDeletesById_AndAimsTheirTriggers()
    {
        var a = await ApiTestKit.CreateTeamAsync(_app);
        var client = _app.NewClient();
        var due = DateTime.UtcNow.AddDays(3);
        var created = await client.SendAsync(ApiTestKit.Request(HttpMethod.Post, "/api/participants", a.WriteKey, new
        {
            identifier = "p-sched",
            data = new[]
            {
                new
                {
                    experiment = a.PublicId,
                    data = new { timezone = "Europe/London" },
                    schedules = new object[]
                    {
                        new { id = "visit1", name = "Visit", prompt = "Remind them of the clinic visit", date = "2031-03-01T09:00:00+01:00" },
                        new { name = "Pills", prompt = "Ask whether they took their pills", date = due.ToString("O") },
                    },
                },
            },
        }), HttpStatusCode.OK);

        var listed = created.GetProperty("data")[0].GetProperty("schedules").EnumerateArray().ToList();
        Assert.Equal(2, listed.Count);
        Assert.Equal("Pills", listed[0].GetProperty("name").GetString());
        var generated = listed[0].GetProperty("id").GetString()!;
        Assert.Equal("visit1", listed[1].GetProperty("id").GetString());
        Assert.Equal(new DateTime(2031, 3, 1, 8, 0, 0, DateTimeKind.Utc), listed[1].GetProperty("date").GetDateTime().ToUniversalTime());
        var participantId = created.GetProperty("id").GetGuid();
        Guid visitId;
        await using (var db = await DbAsync(a))
        {
            var rows = await db.ScheduledMessages.Where(m => m.ParticipantId == participantId).ToListAsync();
            Assert.Equal(2, rows.Count);
            Assert.All(rows, r => Assert.Equal("api", r.Origin));
            Assert.All(rows, r => Assert.Equal(a.Chatbot.Id, r.ChatbotId));
            Assert.All(rows, r => Assert.Equal("Europe/London", r.TimeZone));
            var visit = rows.Single(r => r.ExternalId == "visit1");
            Assert.Equal("Remind them of the clinic visit", visit.Message);
            visitId = visit.Id;
        }
        Assert.True(await TriggerExistsAsync(new DateTime(2031, 3, 1, 8, 0, 0, DateTimeKind.Utc)), "the delivery job fires at the due time");

        // Update visit1 by id, delete the generated one, and an unknown id to delete is ignored (as OCS).
        var updated = await client.SendAsync(ApiTestKit.Request(HttpMethod.Post, "/api/participants", a.WriteKey, new
        {
            identifier = "p-sched",
            data = new[]
            {
                new
                {
                    experiment = a.PublicId,
                    schedules = new object[]
                    {
                        new { id = "visit1", name = "Visit moved", prompt = "Remind them the visit moved", date = "2031-04-02T10:30:00Z" },
                        new { id = generated, delete = true },
                        new { id = "nope", delete = true },
                    },
                },
            },
        }), HttpStatusCode.OK);

        var remaining = Assert.Single(updated.GetProperty("data")[0].GetProperty("schedules").EnumerateArray());
        Assert.Equal("visit1", remaining.GetProperty("id").GetString());
        Assert.Equal("Visit moved", remaining.GetProperty("name").GetString());
        Assert.Equal("Remind them the visit moved", remaining.GetProperty("prompt").GetString());
        await using (var db = await DbAsync(a))
        {
            var row = await db.ScheduledMessages.SingleAsync(m => m.ParticipantId == participantId);
            Assert.Equal(visitId, row.Id);
            Assert.Equal(new DateTime(2031, 4, 2, 10, 30, 0), row.NextTriggerAt);
        }
        Assert.True(await TriggerExistsAsync(new DateTime(2031, 4, 2, 10, 30, 0, DateTimeKind.Utc)), "the delivery job fires at the new due time");
        var list = await client.SendAsync(ApiTestKit.Request(HttpMethod.Get, "/api/participants?identifier=p-sched", a.ReadKey), HttpStatusCode.OK);
        Assert.Equal(updated.GetRawText(), Assert.Single(list.GetProperty("results").EnumerateArray()).GetRawText());
    }

    private async Task<bool> TriggerExistsAsync(DateTime dueUtc)
    {
        var scheduler = _app.Services.GetRequiredService<SchedulerAccess>().Scheduler;
        Assert.NotNull(scheduler);
        var trigger = await scheduler.GetTrigger(DueMessagesJob.TriggerKeyFor(DueMessagesJob.Bucket(dueUtc)));
        return trigger?.NextFireTimeUtc == new DateTimeOffset(dueUtc);
    }

    [Theory]
    [InlineData("""{"prompt": "p", "date": "2031-01-01T00:00:00Z"}""", "data[0].schedules[1]: name is required")]
    [InlineData("""{"name": "n", "date": "2031-01-01T00:00:00Z"}""", "data[0].schedules[1]: prompt is required")]
    [InlineData("""{"name": "n", "prompt": "p"}""", "data[0].schedules[1]: date is required")]
    [InlineData("""{"name": "n", "prompt": "p", "date": "next tuesday"}""", "data[0].schedules[1].date must be an ISO 8601")]
    [InlineData("""{"delete": true}""", "data[0].schedules[1]: id is required to delete")]
    [InlineData("""{"id": "ok1", "name": "n", "prompt": "p", "date": "2031-01-01T00:00:00Z"}""", "id 'ok1' appears more than once")]
    [InlineData("""{"id": "has space", "delete": true}""", "data[0].schedules[1]: id must be")]
    [InlineData("""{"name": 5, "prompt": "p", "date": "2031-01-01T00:00:00Z"}""", "must be strings")]
    [InlineData("""{"id": "x", "delete": "yes"}""", "delete must be true or false")]
    [InlineData("""7""", "data[0].schedules[1] must be an object")]
    public async Task Upsert_WithABadScheduleItem_Is400NamingIt_AndWritesNothing(string item, string expected)
    {
        var a = await ApiTestKit.CreateTeamAsync(_app);
        var json = $$"""
            {"identifier": "p-bad", "data": [{"experiment": "{{a.PublicId}}", "data": {"x": 1},
              "schedules": [{"id": "ok1", "name": "Fine", "prompt": "Fine", "date": "2031-01-01T00:00:00Z"}, {{item}}]}]}
            """;
        var request = new HttpRequestMessage(HttpMethod.Post, "/api/participants") { Content = new StringContent(json, System.Text.Encoding.UTF8, "application/json") };
        request.Headers.Add("X-api-key", a.WriteKey);

        var detail = await _app.NewClient().ProblemAsync(request, HttpStatusCode.BadRequest);

        Assert.Contains(expected, detail);
        await using var db = await DbAsync(a);
        Assert.False(await db.Participants.AnyAsync(p => p.Identifier == "p-bad"));
        Assert.False(await db.ScheduledMessages.AnyAsync());
    }

    [Fact]
    public async Task Upsert_SchedulesForOtherTeamsChatbot_Is404_AndCreatesNoSchedule()
    {
        var a = await ApiTestKit.CreateTeamAsync(_app);
        var b = await ApiTestKit.CreateTeamAsync(_app);

        await _app.NewClient().ProblemAsync(ApiTestKit.Request(HttpMethod.Post, "/api/participants", a.WriteKey, new
        {
            identifier = "p-cross",
            data = new[] { new { experiment = b.PublicId, schedules = new[] { new { name = "n", prompt = "p", date = "2031-01-01T00:00:00Z" } } } },
        }), HttpStatusCode.NotFound);

        await using var dbA = await DbAsync(a);
        await using var dbB = await DbAsync(b);
        Assert.False(await dbA.ScheduledMessages.AnyAsync());
        Assert.False(await dbB.ScheduledMessages.AnyAsync());
    }

    [Fact]
    public async Task Upsert_OtherTeamsOrUnknownChatbot_Is404_AndWritesNothing()
    {
        var a = await ApiTestKit.CreateTeamAsync(_app);
        var b = await ApiTestKit.CreateTeamAsync(_app);
        var unknown = Guid.NewGuid();
        var client = _app.NewClient();

        var detail = await client.ProblemAsync(ApiTestKit.Request(HttpMethod.Post, "/api/participants", a.WriteKey,
            new { identifier = "p404", data = new[] { new { experiment = a.PublicId }, new { experiment = b.PublicId }, new { experiment = unknown } } }),
            HttpStatusCode.NotFound);

        Assert.Contains(b.PublicId.ToString(), detail);
        Assert.Contains(unknown.ToString(), detail);
        Assert.DoesNotContain(a.PublicId.ToString(), detail);
        await using var db = await DbAsync(a);
        Assert.False(await db.Participants.AnyAsync(p => p.Identifier == "p404"));
    }

    [Fact]
    public async Task Upsert_AuthAndValidation_AreClear4xx()
    {
        var a = await ApiTestKit.CreateTeamAsync(_app);
        var client = _app.NewClient();
        var good = new { identifier = "p", data = new[] { new { experiment = a.PublicId } } };

        await client.ProblemAsync(ApiTestKit.Request(HttpMethod.Post, "/api/participants", null, good), HttpStatusCode.Unauthorized);
        Assert.Contains("read-only", await client.ProblemAsync(ApiTestKit.Request(HttpMethod.Post, "/api/participants", a.ReadKey, good), HttpStatusCode.Forbidden));
        Assert.Contains("not valid JSON", await client.ProblemAsync(ApiTestKit.Request(HttpMethod.Post, "/api/participants", a.WriteKey, "[1, 2"), HttpStatusCode.BadRequest));
        Assert.Contains("identifier is required", await client.ProblemAsync(
            ApiTestKit.Request(HttpMethod.Post, "/api/participants", a.WriteKey, new { identifier = " ", data = Array.Empty<object>() }), HttpStatusCode.BadRequest));
        Assert.Contains("data is required", await client.ProblemAsync(
            ApiTestKit.Request(HttpMethod.Post, "/api/participants", a.WriteKey, new { identifier = "p" }), HttpStatusCode.BadRequest));
        Assert.Contains("data[0].experiment", await client.ProblemAsync(
            ApiTestKit.Request(HttpMethod.Post, "/api/participants", a.WriteKey, new { identifier = "p", data = new[] { new { data = new { x = 1 } } } }), HttpStatusCode.BadRequest));
        Assert.Contains("platform", await client.ProblemAsync(
            ApiTestKit.Request(HttpMethod.Post, "/api/participants", a.WriteKey, new { identifier = "p", platform = "Tele Gram", data = Array.Empty<object>() }), HttpStatusCode.BadRequest));
        await using var db = await DbAsync(a);
        Assert.False(await db.Participants.AnyAsync());
    }

    [Fact]
    public async Task List_FiltersByIdentifierPlatformAndChatbot_AndStaysInTheTeam()
    {
        var a = await ApiTestKit.CreateTeamAsync(_app);
        var b = await ApiTestKit.CreateTeamAsync(_app);
        var second = (await _app.Services.GetRequiredService<ChatbotService>()
            .CreateAsync(a.Admin, "Second", ChatbotTemplates.Blank, CancellationToken.None)).Value!;
        var client = _app.NewClient();
        async Task Upsert(ApiTeam team, object body) =>
            await client.SendAsync(ApiTestKit.Request(HttpMethod.Post, "/api/participants", team.WriteKey, body), HttpStatusCode.OK);
        await Upsert(a, new { identifier = "one", data = new[] { new { experiment = a.PublicId, data = new { n = 1 } } } });
        await Upsert(a, new { identifier = "two", platform = "telegram", data = new[] { new { experiment = second.PublicId, data = new { n = 2 } } } });
        await Upsert(a, new
        {
            identifier = "three",
            data = new[] { new { experiment = a.PublicId, data = new { n = 3 } }, new { experiment = second.PublicId, data = new { n = 33 } } },
        });
        await Upsert(b, new { identifier = "one", data = new[] { new { experiment = b.PublicId, data = new { n = 99 } } } });

        async Task<List<string>> Identifiers(string query)
        {
            var page = await client.SendAsync(ApiTestKit.Request(HttpMethod.Get, "/api/participants" + query, a.ReadKey), HttpStatusCode.OK);
            return page.GetProperty("results").EnumerateArray().Select(r => r.GetProperty("identifier").GetString()!).ToList();
        }

        Assert.Equal(["one", "two", "three"], await Identifiers(""));
        Assert.Equal(["one"], await Identifiers("?identifier=one"));
        Assert.Equal(["two"], await Identifiers("?platform=telegram"));
        Assert.Equal(["two", "three"], await Identifiers($"?chatbot={second.PublicId}"));
        Assert.Equal(["two", "three"], await Identifiers($"?experiment={second.PublicId}"));
        Assert.Empty(await Identifiers($"?chatbot={b.PublicId}"));
        Assert.Empty(await Identifiers("?remote_id=r1"));
        Assert.Equal(["one"], await Identifiers("?page_size=1"));

        var filtered = await client.SendAsync(ApiTestKit.Request(HttpMethod.Get, $"/api/participants?chatbot={second.PublicId}&identifier=three", a.ReadKey), HttpStatusCode.OK);
        var data = Assert.Single(Assert.Single(filtered.GetProperty("results").EnumerateArray()).GetProperty("data").EnumerateArray());
        Assert.Equal(33, data.GetProperty("data").GetProperty("n").GetInt32());
        // Participant "one"'s value 99 belongs to another filter's chatbot data and must not leak into this answer
        // (checked on the parsed values: a random id may well contain the digits "99").
        var one = await client.SendAsync(ApiTestKit.Request(HttpMethod.Get, "/api/participants?identifier=one", a.ReadKey), HttpStatusCode.OK);
        Assert.DoesNotContain(one.GetProperty("results").EnumerateArray().SelectMany(r => r.GetProperty("data").EnumerateArray()),
            d => d.GetProperty("data").TryGetProperty("n", out var n) && n.ValueKind == System.Text.Json.JsonValueKind.Number && n.GetInt32() == 99);
        Assert.Contains("chatbot", await client.ProblemAsync(ApiTestKit.Request(HttpMethod.Get, "/api/participants?chatbot=zzz", a.ReadKey), HttpStatusCode.BadRequest));
    }

    [Fact]
    public async Task SessionsStartedForAnUpsertedParticipant_UseTheSameParticipant()
    {
        var a = await ApiTestKit.CreateTeamAsync(_app);
        var client = _app.NewClient();
        var participant = await client.SendAsync(ApiTestKit.Request(HttpMethod.Post, "/api/participants", a.WriteKey,
            new { identifier = "linked", data = new[] { new { experiment = a.PublicId, data = new { name = "Linus" } } } }), HttpStatusCode.OK);

        var session = await client.SendAsync(ApiTestKit.Request(HttpMethod.Post, "/api/sessions", a.WriteKey,
            new { experiment = a.PublicId, participant = "linked" }), HttpStatusCode.Created);

        await using var db = await DbAsync(a);
        var id = session.GetProperty("id").GetGuid();
        Assert.Equal(participant.GetProperty("id").GetGuid(), (await db.ChatSessions.SingleAsync(s => s.Id == id)).ParticipantId);
        Assert.Equal(ApiSessionQueries.ApiPlatform, participant.GetProperty("platform").GetString());
    }
}
