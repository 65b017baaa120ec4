using System.Diagnostics;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Identity;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using OpenChatStudio.Core;
using OpenChatStudio.Core.Accounts;
using OpenChatStudio.Core.ApiKeys;
using OpenChatStudio.Core.Data;
using OpenChatStudio.Tests.Core.Teams;
using OpenChatStudio.Tests.TestSupport;
using OpenChatStudio.Web.Hosting;

namespace OpenChatStudio.Tests.Web.Hosting;

/// <summary>
/// The <c>admin …</c> commands. One test runs the real host binary as an operator would; the others run the same
/// command code in-process over the host's own service graph (<see cref="HostComposition"/>), which is what the binary
/// does after start-up, without paying a process start per command.
/// </summary>
public class AdminCliTests : IAsyncLifetime
{
    private readonly TestDatabase _db = TestDatabase.Create();

    public Task InitializeAsync() => Task.CompletedTask;

    public async Task DisposeAsync() => await _db.DisposeAsync();

    private async Task<(int Exit, string Out, string Err)> RunAsync(params string[] args)
    {
        var builder = WebApplication.CreateBuilder(new WebApplicationOptions
        {
            EnvironmentName = "Development",
            ContentRootPath = Path.Combine(TeamPermissionsTests.RepoRoot(), "OpenChatStudio.Web"),
        });
        builder.Configuration.AddInMemoryCollection(_db.Settings);
        builder.AddOpenChatStudio(quietLogging: true);
        await using var app = builder.Build();
        var stdout = new StringWriter();
        var stderr = new StringWriter();
        var exit = await AdminCli.RunAsync(app.Services, args, stdout, stderr, CancellationToken.None);
        return (exit, stdout.ToString(), stderr.ToString());
    }

    /// <summary>The real host binary with <c>admin</c> and <paramref name="args"/>.</summary>
    private async Task<(int Exit, string Out, string Err)> RunBinaryAsync(params string[] args)
    {
        var config = AppContext.BaseDirectory.Contains($"{Path.DirectorySeparatorChar}Release{Path.DirectorySeparatorChar}") ? "Release" : "Debug";
        var dll = Path.Combine(TeamPermissionsTests.RepoRoot(), "OpenChatStudio.Web", "bin", config, "net10.0", "OpenChatStudio.Web.dll");
        Assert.True(File.Exists(dll), $"Host binary not built: {dll}");
        var psi = new ProcessStartInfo("dotnet") { RedirectStandardOutput = true, RedirectStandardError = true, UseShellExecute = false };
        psi.ArgumentList.Add(dll);
        psi.ArgumentList.Add("admin");
        foreach (var arg in args)
        {
            psi.ArgumentList.Add(arg);
        }
        foreach (var (key, value) in _db.Settings)
        {
            psi.Environment[key.Replace(":", "__")] = value;
        }
        psi.Environment["ASPNETCORE_ENVIRONMENT"] = "Development";
        using var process = Process.Start(psi)!;
        var stdout = process.StandardOutput.ReadToEndAsync();
        var stderr = process.StandardError.ReadToEndAsync();
        using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(60));
        await process.WaitForExitAsync(timeout.Token);
        return (process.ExitCode, await stdout, await stderr);
    }

    [Fact]
    public async Task TheHostBinary_RunsAdminCommands_AndRejectsUnknownOnes()
    {
        var created = await RunBinaryAsync("create-user", "--email", "binary@example.test", "--password", "long-enough-pw", "--team", "Binary Team");
        Assert.True(created.Exit == 0, created.Err);
        Assert.Contains("Created user binary@example.test", created.Out);

        var list = await RunBinaryAsync("list-users");
        Assert.Equal(0, list.Exit);
        Assert.Contains("binary-team (Admin)", list.Out);

        var unknown = await RunBinaryAsync("frobnicate");
        Assert.Equal(2, unknown.Exit);
        Assert.Contains("unknown command", unknown.Err, StringComparison.OrdinalIgnoreCase);
    }

    [Fact]
    public async Task CreateUser_WithNewTeam_ThenListUsers_ShowsMembership()
    {
        var created = await RunAsync("create-user", "--email", "ops@example.test", "--password", "long-enough-pw", "--team", "Ops Crew");
        Assert.True(created.Exit == 0, created.Err);
        Assert.Contains("Created user ops@example.test", created.Out);
        Assert.Contains("ops-crew", created.Out);

        var joined = await RunAsync("create-user", "--email", "viewer@example.test", "--password", "long-enough-pw", "--team", "ops-crew", "--role", "Viewer");
        Assert.True(joined.Exit == 0, joined.Err);

        var list = await RunAsync("list-users");
        Assert.Equal(0, list.Exit);
        Assert.Contains("ops@example.test", list.Out);
        Assert.Contains("ops-crew (Admin)", list.Out);
        Assert.Contains("ops-crew (Viewer)", list.Out);
    }

    [Fact]
    public async Task CreateApiKey_ForTeam_PrintsKeyOnce_ThatAuthenticates()
    {
        var user = await RunAsync("create-user", "--email", "keys@example.test", "--password", "long-enough-pw", "--team", "Key Team");
        Assert.True(user.Exit == 0, user.Err);

        var created = await RunAsync("create-api-key", "--team", "key-team", "--name", "CI", "--write");

        Assert.True(created.Exit == 0, created.Err);
        Assert.Contains("read-write", created.Out);
        var key = Assert.Single(created.Out.Split('\n', StringSplitOptions.TrimEntries), l => l.StartsWith("ocs_", StringComparison.Ordinal));
        var config = new ConfigurationBuilder().AddInMemoryCollection(_db.Settings).Build();
        await using var services = new ServiceCollection().AddSingleton(TimeProvider.System)
            .AddData(config, Path.GetTempPath()).AddApiKeys().BuildServiceProvider();
        var identity = await services.GetRequiredService<ApiKeyService>().AuthenticateAsync(key, CancellationToken.None);
        Assert.NotNull(identity);
        Assert.False(identity.ReadOnly);
    }

    [Fact]
    public async Task SetPassword_ReplacesThePassword_AndAnUnknownEmailIsAClearError()
    {
        var user = await RunAsync("create-user", "--email", "pw@example.test", "--password", "first-password-1");
        Assert.True(user.Exit == 0, user.Err);

        var set = await RunAsync("set-password", "--email", "pw@example.test", "--password", "second-password-2");

        Assert.True(set.Exit == 0, set.Err);
        Assert.Contains("Set a new password for pw@example.test", set.Out);
        var config = new ConfigurationBuilder().AddInMemoryCollection(_db.Settings).Build();
        await using var services = new ServiceCollection().AddSingleton(TimeProvider.System).AddData(config, Path.GetTempPath()).BuildServiceProvider();
        await using var db = await services.GetRequiredService<IDbContextFactory<AppDbContext>>().CreateDbContextAsync();
        var stored = await db.Users.SingleAsync(u => u.Email == "pw@example.test");
        var hasher = new PasswordHasher<AppUser>();
        Assert.Equal(PasswordVerificationResult.Failed, hasher.VerifyHashedPassword(stored, stored.PasswordHash!, "first-password-1"));
        Assert.NotEqual(PasswordVerificationResult.Failed, hasher.VerifyHashedPassword(stored, stored.PasswordHash!, "second-password-2"));

        var unknown = await RunAsync("set-password", "--email", "nobody@example.test", "--password", "third-password-3");
        Assert.Equal(1, unknown.Exit);
        Assert.Contains("No account for 'nobody@example.test'", unknown.Err);
    }

    [Fact]
    public async Task SeedDemo_IsIdempotent_PublishesOnce_AndReplacesTheApiKey()
    {
        var first = await RunAsync("seed-demo", "--json", "--base-url", "http://demo.test:8080/");
        Assert.True(first.Exit == 0, first.Err);
        var second = await RunAsync("seed-demo", "--json", "--base-url", "http://demo.test:8080");
        Assert.True(second.Exit == 0, second.Err);

        var a = System.Text.Json.Nodes.JsonNode.Parse(first.Out)!;
        var b = System.Text.Json.Nodes.JsonNode.Parse(second.Out)!;
        var chatbotId = (string)a["chatbot_id"]!;
        Assert.Equal(chatbotId, (string)b["chatbot_id"]!);
        Assert.Equal($"http://demo.test:8080/chat/{chatbotId}", (string)a["public_url"]!);
        Assert.Equal(1, (int)a["published_version"]!);
        Assert.Equal(1, (int)b["published_version"]!);
        Assert.Equal("offline", (string)b["llm"]!);
        Assert.NotEqual((string)a["api_key"]!, (string)b["api_key"]!);
        Assert.False(string.IsNullOrEmpty((string)a["embed_key"]!));
        Assert.Equal((string)a["embed_key"]!, (string)b["embed_key"]!);
        Assert.Equal(["localhost", "127.0.0.1"], b["allowed_domains"]!.AsArray().Select(x => (string)x!));

        var config = new ConfigurationBuilder().AddInMemoryCollection(_db.Settings).Build();
        await using var services = new ServiceCollection().AddSingleton(TimeProvider.System)
            .AddData(config, Path.GetTempPath()).AddApiKeys().BuildServiceProvider();
        var keys = services.GetRequiredService<ApiKeyService>();
        Assert.Null(await keys.AuthenticateAsync((string)a["api_key"]!, CancellationToken.None));
        var current = await keys.AuthenticateAsync((string)b["api_key"]!, CancellationToken.None);
        Assert.NotNull(current);
        Assert.False(current.ReadOnly);

        // Switching the demo to an OpenAI-compatible server changes the pipeline, so a second version is published.
        var llm = await RunAsync("seed-demo", "--json", "--llm-base-url", "http://127.0.0.1:9/v1", "--llm-model", "demo-model",
            "--allowed-domain", "example.org", "--allowed-domain", "*.example.net");
        Assert.True(llm.Exit == 0, llm.Err);
        var c = System.Text.Json.Nodes.JsonNode.Parse(llm.Out)!;
        Assert.Equal(chatbotId, (string)c["chatbot_id"]!);
        Assert.Equal(2, (int)c["published_version"]!);
        Assert.Equal("demo-model", (string)c["llm"]!);
        Assert.Equal(["example.org", "*.example.net"], c["allowed_domains"]!.AsArray().Select(x => (string)x!));
    }

    [Theory]
    [InlineData(1, "seed-demo --llm-model gpt-x", "--llm-base-url and --llm-model go together")]
    [InlineData(1, "seed-demo --llm-base-url not-a-url --llm-model m", "not an absolute URL")]
    [InlineData(1, "seed-demo --allowed-domain https://x.org", "x.org")]
    [InlineData(2, "create-api-key --team key-team", "needs --team <slug> and --name <name>")]
    [InlineData(1, "create-api-key --team no-such-team --name CI", "No team with slug 'no-such-team'")]
    [InlineData(2, "create-user --email a@example.test", "needs --email and --password")]
    [InlineData(2, "create-user --email a@example.test --password long-enough-pw --role Owner", "unknown role")]
    [InlineData(1, "create-user --email not-an-email --password long-enough-pw", "valid email")]
    [InlineData(1, "create-user --email short@example.test --password short", "at least 12")]
    [InlineData(2, "frobnicate", "unknown command")]
    [InlineData(2, "create-user --email", "needs a value")]
    public async Task BadInput_ExitsNonZero_WithClearMessage(int exit, string args, string message)
    {
        var result = await RunAsync(args.Split(' '));
        Assert.Equal(exit, result.Exit);
        Assert.Contains(message, result.Err, StringComparison.OrdinalIgnoreCase);
    }
}
