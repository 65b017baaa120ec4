using Microsoft.AspNetCore.Identity;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;
using OpenChatStudio.Core;
using OpenChatStudio.Core.Accounts;
using OpenChatStudio.Core.Data;

namespace OpenChatStudio.Tests.TestSupport;

/// <summary>
/// Core services over a real, migrated database, without the web host. One per test class; a second one over the first's
/// <paramref name="sharedDatabase"/> stands for another app instance.
/// </summary>
public sealed class CoreHost(Action<IServiceCollection>? configure = null, IDictionary<string, string?>? settings = null,
    TestDatabase? sharedDatabase = null) : IAsyncLifetime
{
    private ServiceProvider? _services;

    public CoreHost() : this(null)
    {
    }

    public TestDatabase Database { get; } = sharedDatabase ?? TestDatabase.Create();

    public IServiceProvider Services => _services ?? throw new InvalidOperationException("Not initialized.");

    public T Get<T>() where T : notnull => Services.GetRequiredService<T>();

    public async Task InitializeAsync()
    {
        var config = new ConfigurationBuilder().AddInMemoryCollection(Database.Settings.Concat(settings ?? new Dictionary<string, string?>())).Build();
        var services = new ServiceCollection();
        services.AddLogging(b => b.SetMinimumLevel(LogLevel.Warning));
        services.AddOpenChatStudioCore(config, Path.GetTempPath());
        services.AddIdentityCore<AppUser>(o =>
            {
                o.Password.RequiredLength = 8;
                o.Password.RequireNonAlphanumeric = false;
                o.Password.RequireUppercase = false;
                o.Password.RequireDigit = false;
            })
            .AddEntityFrameworkStores<AppDbContext>();
        configure?.Invoke(services);
        _services = services.BuildServiceProvider();
        await _services.MigrateDatabaseAsync(CancellationToken.None);
    }

    /// <summary>A scope for scoped services such as <see cref="AccountService"/>.</summary>
    public AsyncServiceScope Scope() => Services.CreateAsyncScope();

    public async Task<AppUser> CreateUserAsync(string? email = null)
    {
        await using var scope = Scope();
        var accounts = scope.ServiceProvider.GetRequiredService<AccountService>();
        var result = await accounts.CreateUserAsync(email ?? $"u{Guid.NewGuid():N}@example.test", "password-123", null);
        Assert.True(result.Succeeded, result.Error);
        return result.Value!;
    }

    public async Task DisposeAsync()
    {
        if (_services is not null)
        {
            await _services.DisposeAsync();
        }
        if (sharedDatabase is null)
        {
            await Database.DisposeAsync();
        }
    }
}
