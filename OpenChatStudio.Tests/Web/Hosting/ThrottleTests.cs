using System.Net;
using System.Text.RegularExpressions;
using OpenChatStudio.Tests.TestSupport;
using OpenChatStudio.Tests.Web.Api;

namespace OpenChatStudio.Tests.Web.Hosting;

/// <summary>
/// Rate limits beyond the chat API, over the real host with low limits: sign-in per account and per address (password
/// spraying), and requests per API key on the REST and OpenAI-compatible APIs, each answered 429 with Retry-After.
/// </summary>
public partial class ThrottleTests : IAsyncLifetime
{
    private readonly OcsAppFactory _app = new();

    public async Task InitializeAsync()
    {
        _app.ExtraSettings["Auth:SignInAttemptsPerAccount"] = "3";
        _app.ExtraSettings["Auth:SignInAttemptsPerIp"] = "6";
        _app.ExtraSettings["Auth:MaxFailedAttempts"] = "100";   // the throttle, not the lockout, is under test
        _app.ExtraSettings["ChatApi:ApiKeyRequestsPerWindow"] = "2";
        await ((IAsyncLifetime)_app).InitializeAsync();
    }

    public async Task DisposeAsync() => await ((IAsyncLifetime)_app).DisposeAsync();

    private Task<HttpResponseMessage> SignInAsync(string email, string password) =>
        SsrForms.SubmitAsync(_app.NewClient(), "/account/login", "login",
            new Dictionary<string, string> { ["Input.Email"] = email, ["Input.Password"] = password });

    [Fact]
    public async Task SignIn_TooManyAttemptsOnOneAccount_Is429WithRetryAfter_EvenWithTheRightPassword()
    {
        await _app.CreateUserAsync("target@example.test", "the-right-password");
        for (var i = 0; i < 3; i++)
        {
            Assert.Equal(HttpStatusCode.BadRequest, (await SignInAsync("target@example.test", "wrong-password-" + i)).StatusCode);
        }

        var throttled = await SignInAsync("TARGET@example.test", "the-right-password");

        Assert.Equal(HttpStatusCode.TooManyRequests, throttled.StatusCode);
        Assert.True(int.Parse(throttled.Headers.RetryAfter!.Delta!.Value.TotalSeconds.ToString("0")) > 0);
        Assert.Matches("Too many sign-in attempts. Try again in \\d+ seconds.", Alert(await throttled.Content.ReadAsStringAsync()));
    }

    [Fact]
    public async Task SignIn_OneAddressTryingManyAccounts_IsThrottled()
    {
        await _app.CreateUserAsync("someone@example.test", "a-long-password");   // a fresh install sends sign-in to setup
        // Password spraying: one password against many accounts, each below its own limit.
        for (var i = 0; i < 6; i++)
        {
            Assert.Equal(HttpStatusCode.BadRequest, (await SignInAsync($"user{i}@example.test", "Summer2026!!")).StatusCode);
        }

        var seventh = await SignInAsync("user6@example.test", "Summer2026!!");

        Assert.Equal(HttpStatusCode.TooManyRequests, seventh.StatusCode);
        Assert.InRange(seventh.Headers.RetryAfter!.Delta!.Value.TotalSeconds, 1, 300);   // within the 5-minute window
        Assert.Matches("Too many sign-in attempts. Try again in \\d+ seconds.", Alert(await seventh.Content.ReadAsStringAsync()));
    }

    [Fact]
    public async Task ApiKey_OverItsLimit_Is429WithRetryAfter_AndAnotherKeyIsUnaffected()
    {
        var a = await ApiTestKit.CreateTeamAsync(_app);
        var client = _app.NewClient();

        await client.SendAsync(ApiTestKit.Request(HttpMethod.Get, "/api/experiments/", a.ReadKey), HttpStatusCode.OK);
        await client.SendAsync(ApiTestKit.Request(HttpMethod.Get, "/api/experiments/", a.ReadKey), HttpStatusCode.OK);
        var limited = await client.SendAsync(ApiTestKit.Request(HttpMethod.Get, "/api/experiments/", a.ReadKey));

        Assert.Equal(HttpStatusCode.TooManyRequests, limited.StatusCode);
        Assert.NotNull(limited.Headers.RetryAfter?.Delta);
        Assert.Equal("0", limited.Headers.GetValues("X-RateLimit-Remaining").Single());
        // The OpenAI-compatible endpoint counts against the same key...
        var completion = await client.SendAsync(ApiTestKit.Bearer(HttpMethod.Post, $"/api/openai/{a.PublicId}/chat/completions", a.ReadKey,
            new { model = "x", messages = new[] { new { role = "user", content = "hi" } } }));
        Assert.Equal(HttpStatusCode.TooManyRequests, completion.StatusCode);
        Assert.True(completion.Headers.RetryAfter?.Delta?.TotalSeconds > 0, $"Retry-After: {completion.Headers.RetryAfter}");
        Assert.Equal("0", completion.Headers.GetValues("X-RateLimit-Remaining").Single());
        // ...and the team's other key has its own allowance.
        await client.SendAsync(ApiTestKit.Request(HttpMethod.Get, "/api/experiments/", a.WriteKey), HttpStatusCode.OK);
    }

    private static string Alert(string html) => WebUtility.HtmlDecode(AlertText().Match(html).Groups[1].Value).Trim();

    [GeneratedRegex("ocs-alert error[^>]*>([^<]*)<")]
    private static partial Regex AlertText();
}
