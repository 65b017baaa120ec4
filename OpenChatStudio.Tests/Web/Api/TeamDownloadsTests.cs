using System.Net;
using System.Text;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.DependencyInjection;
using OpenChatStudio.Core.Chat;
using OpenChatStudio.Core.Chatbots;
using OpenChatStudio.Core.Data;
using OpenChatStudio.Core.Participants;
using OpenChatStudio.Core.Teams;
using OpenChatStudio.Tests.TestSupport;

namespace OpenChatStudio.Tests.Web.Api;

/// <summary>
/// Team downloads through the real host: the participants CSV (<c>/api/t/{team}/participants/export.csv</c>) and a file
/// sent in a session (<c>/t/{team}/sessions/{id}/files/{fileId}</c>) — content, headers, other teams, anonymous callers.
/// </summary>
public class TeamDownloadsTests : IAsyncLifetime
{
    private readonly OcsAppFactory _app = new();
    private TeamAccess _alpha = default!;
    private TeamAccess _bravo = default!;
    private Guid _chatbot;
    private Guid _bravoChatbot;

    public async Task InitializeAsync()
    {
        await ((IAsyncLifetime)_app).InitializeAsync();
        var teams = _app.Services.GetRequiredService<TeamService>();
        var a = await _app.CreateUserAsync("alpha@example.test");
        var alpha = await _app.CreateTeamAsync(a.Id, "Alpha");
        _alpha = (await teams.GetAccessAsync(a.Id, alpha.Slug, CancellationToken.None))!;
        var b = await _app.CreateUserAsync("bravo@example.test");
        var bravo = await _app.CreateTeamAsync(b.Id, "Bravo");
        _bravo = (await teams.GetAccessAsync(b.Id, bravo.Slug, CancellationToken.None))!;
        var bots = _app.Services.GetRequiredService<ChatbotService>();
        _chatbot = (await bots.CreateAsync(_alpha, "Study bot", ChatbotTemplates.Blank, default)).Value!.Id;
        _bravoChatbot = (await bots.CreateAsync(_bravo, "Bravo bot", ChatbotTemplates.Blank, default)).Value!.Id;
    }

    public Task DisposeAsync() => ((IAsyncLifetime)_app).DisposeAsync();

    private async Task<HttpClient> SignedInAsync(string email)
    {
        var client = _app.NewClient();
        await SsrForms.SignInAsync(client, email, "password-123");
        return client;
    }

    [Fact]
    public async Task ParticipantsCsv_ServesTheTeamsParticipants_WithCsvHeaders()
    {
        var csv = "identifier,channel,name,data.age,data.city\nann@example.test,web,Ann,31,\"Cape Town, ZA\"\nbob@example.test,web,,7,\n";
        var imported = await _app.Services.GetRequiredService<ParticipantDirectory>().ImportAsync(_alpha, _chatbot, new StringReader(csv), default);
        Assert.Equal((2, null), (imported.Created, imported.Error));
        var client = await SignedInAsync("alpha@example.test");

        var response = await client.GetAsync($"/api/t/{_alpha.Slug}/participants/export.csv?chatbot={_chatbot}");

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        Assert.Equal("text/csv", response.Content.Headers.ContentType!.MediaType);
        Assert.Equal("utf-8", response.Content.Headers.ContentType.CharSet);
        Assert.Equal("attachment", response.Content.Headers.ContentDisposition!.DispositionType);
        Assert.Matches(@"^participants-\d{8}\.csv$", response.Content.Headers.ContentDisposition.FileName!.Trim('"'));
        var lines = (await response.Content.ReadAsStringAsync()).TrimStart('\uFEFF').Split('\n', StringSplitOptions.RemoveEmptyEntries)
            .Select(l => l.TrimEnd('\r')).ToList();
        Assert.Equal(["identifier,channel,name,data.age,data.city", "ann@example.test,web,Ann,31,\"Cape Town, ZA\"", "bob@example.test,web,,7,"], lines);
    }

    [Fact]
    public async Task ParticipantsCsv_OtherTeamsChatbot404_ForeignTeam403_Anonymous401_BadId400()
    {
        var alphaClient = await SignedInAsync("alpha@example.test");
        var bravoClient = await SignedInAsync("bravo@example.test");

        // Another team's chatbot through one's own team: not found, nothing of it shown.
        var foreign = await alphaClient.GetAsync($"/api/t/{_alpha.Slug}/participants/export.csv?chatbot={_bravoChatbot}");
        Assert.Equal(HttpStatusCode.NotFound, foreign.StatusCode);
        Assert.DoesNotContain("Bravo", await foreign.Content.ReadAsStringAsync());
        // Another team's address: the tenant guard refuses (403, as every team route for non-members).
        Assert.Equal(HttpStatusCode.Forbidden, (await bravoClient.GetAsync($"/api/t/{_alpha.Slug}/participants/export.csv?chatbot={_chatbot}")).StatusCode);
        // Not signed in: API routes answer 401, never a redirect to the sign-in page.
        var anonymous = await _app.NewClient().GetAsync($"/api/t/{_alpha.Slug}/participants/export.csv?chatbot={_chatbot}");
        Assert.Equal(HttpStatusCode.Unauthorized, anonymous.StatusCode);
        Assert.Null(anonymous.Headers.Location);
        Assert.Equal(HttpStatusCode.BadRequest, (await alphaClient.GetAsync($"/api/t/{_alpha.Slug}/participants/export.csv?chatbot=nope")).StatusCode);
        Assert.Equal(HttpStatusCode.BadRequest, (await alphaClient.GetAsync($"/api/t/{_alpha.Slug}/participants/export.csv")).StatusCode);
    }

    [Fact]
    public async Task SessionFile_DownloadsAsAttachment_ForTheTeamOnly()
    {
        var runtime = _app.Services.GetRequiredService<ChatRuntime>();
        var participant = await runtime.GetOrCreateParticipantAsync(_alpha.TeamId, "web", "ann@example.test", null, null, default);
        var session = (await runtime.StartSessionAsync(_alpha.TeamId, _chatbot, participant.Id, "web", null, default)).SessionId;
        var content = Encoding.UTF8.GetBytes("<script>alert(1)</script>");
        var saved = (await _app.Services.GetRequiredService<ChatAttachmentStore>().SaveAsync(_alpha.TeamId, session,
            [new UploadedFile("page.html", "text/html", content)], default)).Value!.Single();
        await using (var db = await _app.Services.GetRequiredService<IDbContextFactory<AppDbContext>>().CreateForTeamAsync(_alpha.TeamId, default))
        {
            var message = new ChatMessage(_alpha.TeamId, session, 1, MessageRole.Human, "see file");
            db.ChatMessages.Add(message);
            (await db.ChatAttachments.SingleAsync(a => a.Id == saved.Id)).MessageId = message.Id;
            await db.SaveChangesAsync();
        }
        var path = $"/t/{_alpha.Slug}/sessions/{session}/files/{saved.Id}";
        var alphaClient = await SignedInAsync("alpha@example.test");

        var response = await alphaClient.GetAsync(path);

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        Assert.Equal(content, await response.Content.ReadAsByteArrayAsync());
        Assert.Equal("application/octet-stream", response.Content.Headers.ContentType!.MediaType);
        Assert.Equal("attachment", response.Content.Headers.ContentDisposition!.DispositionType);
        Assert.Equal("page.html", response.Content.Headers.ContentDisposition.FileName!.Trim('"'));
        Assert.Equal("nosniff", response.Headers.GetValues("X-Content-Type-Options").Single());

        Assert.Equal(HttpStatusCode.NotFound, (await alphaClient.GetAsync($"/t/{_alpha.Slug}/sessions/{Guid.NewGuid()}/files/{saved.Id}")).StatusCode);
        Assert.Equal(HttpStatusCode.NotFound, (await alphaClient.GetAsync($"/t/{_alpha.Slug}/sessions/{session}/files/{saved.Id + 1000}")).StatusCode);
        var bravoClient = await SignedInAsync("bravo@example.test");
        Assert.Equal(HttpStatusCode.NotFound, (await bravoClient.GetAsync($"/t/{_bravo.Slug}/sessions/{session}/files/{saved.Id}")).StatusCode);
        var foreignTeam = await bravoClient.GetAsync(path);
        Assert.Equal(HttpStatusCode.NotFound, foreignTeam.StatusCode);
        Assert.NotEqual(content, await foreignTeam.Content.ReadAsByteArrayAsync());
        var anonymous = await _app.NewClient().GetAsync(path);
        Assert.Equal(HttpStatusCode.Redirect, anonymous.StatusCode);
        Assert.Contains("/account/login", anonymous.Headers.Location!.ToString());
    }
}
