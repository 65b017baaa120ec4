using System.Net;
using System.Net.Http.Json;
using System.Text;
using System.Text.RegularExpressions;
using Microsoft.AspNetCore.Routing;
using Microsoft.Extensions.DependencyInjection;
using OpenChatStudio.Core.Teams;
using OpenChatStudio.Tests.TestSupport;
using Xunit.Abstractions;

namespace OpenChatStudio.Tests.Web;

/// <summary>
/// Walks every page and API route the host exposes and proves: a signed-in member of team A gets 403/404 (never data)
/// for team B's routes, and anonymous users reach only the public routes listed here.
/// </summary>
public partial class TenantGuardTests : IAsyncLifetime
{
    /// <summary>Routes anyone may reach without signing in. Adding a public route means adding it here, on purpose.</summary>
    private static readonly HashSet<string> PublicRoutes =
    [
        "GET /",
        "GET /setup", "POST /setup",
        "GET /account/login", "POST /account/login",
        "GET /account/register", "POST /account/register",
        "GET /account/forgot-password", "POST /account/forgot-password",
        "GET /account/reset-password", "POST /account/reset-password",
        "POST /account/logout",
        "GET /invite/{Token}", "POST /invite/{Token}",
        "GET /status/{Code:int}", "POST /status/{Code:int}",
        "GET /Error", "POST /Error",
        "GET /health/live", "GET /health/ready",
        "GET /openapi/{documentName}.json",
        "GET /scalar/{documentName?}",
        // The OCS-compatible chat API (docs/channels.md): anonymous by design, admitted per chatbot (public, embed key).
        "POST /api/chat/start/", "POST /api/chat/{session_id}/message/", "GET /api/chat/{session_id}/{task_id}/poll/",
        "GET /api/chat/{session_id}/{task_id}/stream/", "GET /api/chat/{session_id}/poll/", "POST /api/chat/{session_id}/upload/",
        "GET /api/chat/{session_id}/files/{file_id:int}/content/",
        // The hosted chat page (docs/public-chat.md) and its endpoints.
        "GET /chat/{ChatbotPublicId:guid}",
        "GET /api/chat/{session_id}/rendered/", "POST /api/chat/{session_id}/rating/", "POST /api/chat/{session_id}/end/",
    ];

    private readonly OcsAppFactory _app = new();
    private readonly ITestOutputHelper _output;
    private const string TeamBName = "Bravo Secret Team";
    private const string TeamBEmail = "bravo-owner@example.test";
    private TeamSummary _teamB = default!;
    private Dictionary<string, string> _teamBIds = new();

    public TenantGuardTests(ITestOutputHelper output) => _output = output;

    public async Task InitializeAsync()
    {
        await ((IAsyncLifetime)_app).InitializeAsync();
        var a = await _app.CreateUserAsync("alpha-owner@example.test");
        await _app.CreateTeamAsync(a.Id, "Alpha Team");
        var b = await _app.CreateUserAsync(TeamBEmail);
        _teamB = await _app.CreateTeamAsync(b.Id, TeamBName);

        var teams = _app.Services.GetRequiredService<TeamService>();
        var accessB = (await teams.GetAccessAsync(b.Id, _teamB.Slug, CancellationToken.None))!;
        var invite = (await _app.Services.GetRequiredService<InvitationService>().CreateAsync(accessB, null, TeamRole.Admin, CancellationToken.None)).Value!;
        var member = (await teams.ListMembersAsync(accessB, CancellationToken.None)).Single();
        _teamBIds = new(StringComparer.OrdinalIgnoreCase)
        {
            ["teamSlug"] = _teamB.Slug,
            ["membershipId"] = member.MembershipId.ToString(),
            ["invitationId"] = invite.Id.ToString(),
        };
    }

    public Task DisposeAsync() => ((IAsyncLifetime)_app).DisposeAsync();

    private List<(string Method, string Pattern)> AppRoutes()
    {
        var routes = _app.Services.GetRequiredService<EndpointDataSource>().Endpoints.OfType<RouteEndpoint>()
            .Select(e => (Endpoint: e, Pattern: "/" + e.RoutePattern.RawText!.TrimStart('/')))
            .Where(e => !IsFrameworkOrStaticFile(e.Pattern))
            .SelectMany(e => (e.Endpoint.Metadata.GetMetadata<HttpMethodMetadata>()?.HttpMethods ?? ["GET"]).Select(m => (m, e.Pattern)))
            .Distinct()
            .OrderBy(r => r.Pattern).ThenBy(r => r.m)
            .ToList();
        Assert.True(routes.Count > 20, "Endpoint enumeration found too few routes; the guard would prove nothing.");
        return routes;
    }

    private static bool IsFrameworkOrStaticFile(string pattern) =>
        pattern.StartsWith("/_", StringComparison.Ordinal) ||
        (pattern.Split('/')[^1] is var last && last.Contains('.') && !last.Contains('{'));

    [Fact]
    public async Task MemberOfTeamA_GetsForbiddenOrNotFound_OnEveryTeamBRoute()
    {
        var client = _app.NewClient();
        await SsrForms.SignInAsync(client, "alpha-owner@example.test", "password-123");
        var teamRoutes = AppRoutes().Where(r => r.Pattern.Contains("{teamSlug}", StringComparison.OrdinalIgnoreCase)).ToList();
        Assert.Contains(teamRoutes, r => r.Pattern.StartsWith("/t/", StringComparison.Ordinal));
        Assert.Contains(teamRoutes, r => r.Pattern.StartsWith("/api/", StringComparison.Ordinal));

        var failures = new List<string>();
        foreach (var (method, pattern) in teamRoutes)
        {
            var response = await SendAsync(client, method, Fill(pattern));
            var body = await response.Content.ReadAsStringAsync();
            _output.WriteLine($"{method} {pattern} -> {(int)response.StatusCode}");
            if (response.StatusCode is not (HttpStatusCode.Forbidden or HttpStatusCode.NotFound) ||
                body.Contains(TeamBName) || body.Contains(TeamBEmail))
            {
                failures.Add($"{method} {pattern} -> {(int)response.StatusCode}");
            }
        }
        Assert.True(failures.Count == 0, "Team B's data reachable by a team A member:\n" + string.Join("\n", failures));
    }

    [Fact]
    public async Task MemberOfTeamA_UserScopedRoutes_NeverShowTeamB()
    {
        var client = _app.NewClient();
        await SsrForms.SignInAsync(client, "alpha-owner@example.test", "password-123");
        foreach (var (method, pattern) in AppRoutes().Where(r => r.Method == "GET" && !r.Pattern.Contains('{')))
        {
            var body = await (await client.GetAsync(pattern)).Content.ReadAsStringAsync();
            Assert.False(body.Contains(TeamBName) || body.Contains(TeamBEmail), $"{pattern} shows team B's data to a team A member");
        }
    }

    [Fact]
    public async Task Anonymous_ReachesOnlyPublicRoutes()
    {
        var client = _app.NewClient();
        var reachable = new List<string>();
        foreach (var (method, pattern) in AppRoutes())
        {
            var response = await SendAsync(client, method, Fill(pattern));
            var location = response.Headers.Location?.OriginalString ?? "";
            // Blocked: any 4xx (401, 403, 404, 400 for a bad anonymous post) or a redirect to sign-in.
            var blocked = (int)response.StatusCode is >= 400 and < 500 ||
                          (response.StatusCode == HttpStatusCode.Redirect && location.Contains("/account/login", StringComparison.Ordinal) &&
                           !pattern.StartsWith("/account", StringComparison.Ordinal) && pattern != "/" && pattern != "/setup");
            _output.WriteLine($"{method} {pattern} -> {(int)response.StatusCode} {location}");
            if (!blocked)
            {
                reachable.Add($"{method} {pattern}");
            }
        }
        var unexpected = reachable.Except(PublicRoutes).ToList();
        Assert.True(unexpected.Count == 0, "Anonymous users reach routes that are not on the public list:\n" + string.Join("\n", unexpected));
        Assert.Contains("GET /account/login", reachable);
        Assert.Contains("GET /health/ready", reachable);
    }

    private string Fill(string pattern) => ParameterRegex().Replace(pattern, m =>
    {
        var name = m.Groups["name"].Value;
        if (_teamBIds.TryGetValue(name, out var value))
        {
            return value;
        }
        return m.Groups["constraint"].Value switch
        {
            ":guid" => Guid.NewGuid().ToString(),
            ":int" => "404",
            _ => name == "documentName" ? "v1" : "x",
        };
    });

    private static Task<HttpResponseMessage> SendAsync(HttpClient client, string method, string path)
    {
        var request = new HttpRequestMessage(new HttpMethod(method), path);
        if (method is "POST" or "PUT" or "PATCH")
        {
            request.Content = path.StartsWith("/api/", StringComparison.Ordinal)
                ? JsonContent.Create(new { role = "Admin", email = (string?)null })
                : new FormUrlEncodedContent(new Dictionary<string, string>());
        }
        return client.SendAsync(request);
    }

    [GeneratedRegex(@"\{(?<name>[A-Za-z]+)(?<constraint>:[a-z]+)?\??\}")]
    private static partial Regex ParameterRegex();
}
