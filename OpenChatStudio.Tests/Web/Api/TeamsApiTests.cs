using System.Net;
using System.Net.Http.Json;
using System.Text;
using System.Text.Json;
using OpenChatStudio.Core.Teams;
using OpenChatStudio.Tests.TestSupport;

namespace OpenChatStudio.Tests.Web.Api;

public class TeamsApiTests : IClassFixture<OcsAppFactory>
{
    private readonly OcsAppFactory _app;

    public TeamsApiTests(OcsAppFactory app) => _app = app;

    private async Task<(HttpClient Client, TeamSummary Team)> AdminWithTeamAsync()
    {
        var email = $"admin-{Guid.NewGuid():N}@example.test";
        var user = await _app.CreateUserAsync(email);
        var team = await _app.CreateTeamAsync(user.Id, "Api team");
        var client = _app.NewClient();
        await SsrForms.SignInAsync(client, email, "password-123");
        return (client, team);
    }

    [Fact]
    public async Task CreateInvitation_ValidBody_Returns201WithLink_ThatPreviewShows()
    {
        var (client, team) = await AdminWithTeamAsync();

        var response = await client.PostAsJsonAsync($"/api/t/{team.Slug}/invitations", new { email = "new@example.test", role = "Editor" });

        Assert.Equal(HttpStatusCode.Created, response.StatusCode);
        var body = await response.Content.ReadFromJsonAsync<JsonElement>();
        Assert.Equal("Editor", body.GetProperty("role").GetString());
        var url = body.GetProperty("url").GetString()!;
        Assert.Contains("/invite/", url);
        var page = await _app.NewClient().GetStringAsync(new Uri(url).PathAndQuery);
        Assert.Contains("Api team", page);
    }

    [Fact]
    public async Task CreateInvitation_MalformedJson_Is400ProblemWithMessage()
    {
        var (client, team) = await AdminWithTeamAsync();

        var response = await client.PostAsync($"/api/t/{team.Slug}/invitations",
            new StringContent("{\"role\": \"Editor\",", Encoding.UTF8, "application/json"));

        Assert.Equal(HttpStatusCode.BadRequest, response.StatusCode);
        Assert.Equal("application/problem+json", response.Content.Headers.ContentType?.MediaType);
        var problem = await response.Content.ReadFromJsonAsync<JsonElement>();
        Assert.Contains("JSON", problem.GetProperty("detail").GetString());
    }

    [Fact]
    public async Task CreateInvitation_UnknownRole_Is400()
    {
        var (client, team) = await AdminWithTeamAsync();
        var response = await client.PostAsJsonAsync($"/api/t/{team.Slug}/invitations", new { role = "Owner" });
        Assert.Equal(HttpStatusCode.BadRequest, response.StatusCode);
        Assert.Equal("application/problem+json", response.Content.Headers.ContentType?.MediaType);
    }

    [Fact]
    public async Task CreateInvitation_InvalidEmail_Is400WithServiceMessage()
    {
        var (client, team) = await AdminWithTeamAsync();
        var response = await client.PostAsJsonAsync($"/api/t/{team.Slug}/invitations", new { email = "nope", role = "Viewer" });
        Assert.Equal(HttpStatusCode.BadRequest, response.StatusCode);
        var problem = await response.Content.ReadFromJsonAsync<JsonElement>();
        Assert.Equal("That email address is not valid.", problem.GetProperty("detail").GetString());
    }

    [Fact]
    public async Task CreateInvitation_OversizedBody_Is413()
    {
        var (client, team) = await AdminWithTeamAsync();
        var huge = new string('x', 200_000);
        var response = await client.PostAsync($"/api/t/{team.Slug}/invitations",
            new StringContent($"{{\"email\":\"{huge}\",\"role\":\"Viewer\"}}", Encoding.UTF8, "application/json"));
        Assert.Equal(HttpStatusCode.RequestEntityTooLarge, response.StatusCode);
    }

    [Fact]
    public async Task RevokeInvitation_UnknownId_Is404WithMessage()
    {
        var (client, team) = await AdminWithTeamAsync();
        var response = await client.DeleteAsync($"/api/t/{team.Slug}/invitations/{Guid.NewGuid()}");
        Assert.Equal(HttpStatusCode.NotFound, response.StatusCode);
        Assert.Contains("No pending invitation", await response.Content.ReadAsStringAsync());
    }

    [Fact]
    public async Task ChangeRole_LastAdmin_Is400_AndRoleUnchanged()
    {
        var (client, team) = await AdminWithTeamAsync();
        var members = await client.GetFromJsonAsync<JsonElement>($"/api/t/{team.Slug}/members");
        var id = members[0].GetProperty("membershipId").GetGuid();

        var response = await client.PutAsJsonAsync($"/api/t/{team.Slug}/members/{id}/role", new { role = "Viewer" });

        Assert.Equal(HttpStatusCode.BadRequest, response.StatusCode);
        var after = await client.GetFromJsonAsync<JsonElement>($"/api/t/{team.Slug}/members");
        Assert.Equal("Admin", after[0].GetProperty("role").GetString());
    }

    [Fact]
    public async Task Viewer_CanListMembers_ButNotInvite()
    {
        var (admin, team) = await AdminWithTeamAsync();
        var invite = await (await admin.PostAsJsonAsync($"/api/t/{team.Slug}/invitations", new { role = "Viewer" }))
            .Content.ReadFromJsonAsync<JsonElement>();
        var viewerEmail = $"viewer-{Guid.NewGuid():N}@example.test";
        var viewerUser = await _app.CreateUserAsync(viewerEmail);
        var token = invite.GetProperty("url").GetString()!.Split("/invite/")[1];
        var accepted = await _app.Services.GetRequiredServiceOf<InvitationService>().AcceptAsync(token, viewerUser.Id, viewerEmail, CancellationToken.None);
        Assert.True(accepted.Succeeded, accepted.Error);
        var viewer = _app.NewClient();
        await SsrForms.SignInAsync(viewer, viewerEmail, "password-123");

        Assert.Equal(HttpStatusCode.OK, (await viewer.GetAsync($"/api/t/{team.Slug}/members")).StatusCode);
        Assert.Equal(HttpStatusCode.Forbidden, (await viewer.PostAsJsonAsync($"/api/t/{team.Slug}/invitations", new { role = "Admin" })).StatusCode);
        Assert.Equal(HttpStatusCode.Forbidden, (await viewer.GetAsync($"/api/t/{team.Slug}/invitations")).StatusCode);
    }

    [Fact]
    public async Task OpenApiDocument_ListsTeamEndpoints_AndIsPublic()
    {
        var doc = await _app.NewClient().GetFromJsonAsync<JsonElement>("/openapi/v1.json");
        var paths = doc.GetProperty("paths");
        Assert.True(paths.TryGetProperty("/api/t/{teamSlug}/invitations", out _));
        Assert.True(paths.TryGetProperty("/api/teams", out _));
    }

    [Fact]
    public async Task Health_LiveAndReady_AreOk()
    {
        var client = _app.NewClient();
        Assert.Equal("Healthy", await client.GetStringAsync("/health/live"));
        Assert.Equal("Healthy", await client.GetStringAsync("/health/ready"));
    }
}
