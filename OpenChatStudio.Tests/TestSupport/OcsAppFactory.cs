using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Mvc.Testing;
using Microsoft.Extensions.DependencyInjection;
using OpenChatStudio.Core.Accounts;
using OpenChatStudio.Core.Teams;

namespace OpenChatStudio.Tests.TestSupport;

/// <summary>
/// The real web app on real Kestrel (127.0.0.1, random port) over a fresh database. Use <see cref="BaseAddress"/> with
/// HttpClient or a browser. One per test class (IClassFixture) or per test.
/// </summary>
public sealed class OcsAppFactory : WebApplicationFactory<Program>, IAsyncLifetime
{
    public TestDatabase Database { get; } = TestDatabase.Create();

    public Dictionary<string, string?> ExtraSettings { get; } = new();

    /// <summary>Extra service registrations (e.g. an EF interceptor that counts commands), applied after the app's own.</summary>
    public Action<IServiceCollection>? TestServices { get; init; }

    public Uri BaseAddress => ClientOptions.BaseAddress;

    protected override void ConfigureWebHost(IWebHostBuilder builder)
    {
        builder.UseEnvironment("Development");
        builder.UseUrls("http://127.0.0.1:0");
        // Browser tests sign in many times from 127.0.0.1; the sign-in throttle's own tests set low limits in ExtraSettings.
        builder.UseSetting("Auth:SignInAttemptsPerIp", "100000");
        builder.UseSetting("Auth:SignInAttemptsPerAccount", "100000");
        builder.UseSetting("Serilog:MinimumLevel:Default", "Warning");   // before ExtraSettings, so a log test can lower it
        foreach (var (key, value) in Database.Settings.Concat(ExtraSettings))
        {
            builder.UseSetting(key, value);
        }
        if (TestServices is { } configure)
        {
            builder.ConfigureServices(configure);
        }
    }

    public Task InitializeAsync()
    {
        UseKestrel();
        StartServer();
        return Task.CompletedTask;
    }

    /// <summary>An HttpClient with its own cookie jar that does not follow redirects.</summary>
    public HttpClient NewClient() =>
        new(new HttpClientHandler { AllowAutoRedirect = false, UseCookies = true, CookieContainer = new System.Net.CookieContainer() })
        {
            BaseAddress = BaseAddress,
        };

    public async Task<AppUser> CreateUserAsync(string email, string password = "password-123", bool systemAdmin = false)
    {
        await using var scope = Services.CreateAsyncScope();
        var result = await scope.ServiceProvider.GetRequiredService<AccountService>().CreateUserAsync(email, password, null, systemAdmin);
        Assert.True(result.Succeeded, result.Error);
        return result.Value!;
    }

    /// <summary>Makes an existing user a member of the team with this slug, in this role.</summary>
    public async Task AddToTeamAsync(Guid userId, string teamSlug, TeamRole role)
    {
        await using var scope = Services.CreateAsyncScope();
        var result = await scope.ServiceProvider.GetRequiredService<AccountService>().AddToTeamAsync(userId, teamSlug, role, CancellationToken.None);
        Assert.True(result.Succeeded, result.Error);
    }

    public async Task<TeamSummary> CreateTeamAsync(Guid ownerId, string name)
    {
        var result = await Services.GetRequiredService<TeamService>().CreateTeamAsync(ownerId, name, CancellationToken.None);
        Assert.True(result.Succeeded, result.Error);
        return result.Value!;
    }

    async Task IAsyncLifetime.DisposeAsync()
    {
        await DisposeAsync();
        await Database.DisposeAsync();
    }
}
