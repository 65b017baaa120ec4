using Microsoft.AspNetCore.Identity;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;
using OpenChatStudio.Core;
using OpenChatStudio.Core.Accounts;
using OpenChatStudio.Core.Chat;
using OpenChatStudio.Core.Chatbots;
using OpenChatStudio.Core.Data;
using OpenChatStudio.Core.Events;
using OpenChatStudio.Core.Llm;
using OpenChatStudio.Core.Pipelines.Graph;
using OpenChatStudio.Core.Scheduling;
using OpenChatStudio.Core.Teams;
using OpenChatStudio.Tests.TestSupport;
using OpenChatStudio.Tests.TestSupport.Fakes;
using OpenChatStudio.Tests.TestSupport.Pipelines;

namespace OpenChatStudio.Tests.Core.Events;

/// <summary>
/// Core services with the real Quartz scheduler started (as the web host does), over a database that may outlive the
/// host (restart tests create a second host on the same database).
/// </summary>
public sealed class EventsHost : IAsyncDisposable
{
    private readonly ServiceProvider _services;

    private EventsHost(ServiceProvider services) => _services = services;

    public IServiceProvider Services => _services;

    public T Get<T>() where T : notnull => _services.GetRequiredService<T>();

    public static async Task<EventsHost> StartAsync(TestDatabase database, ILlmResolverFactory llm, bool startScheduler = true)
    {
        var config = new ConfigurationBuilder().AddInMemoryCollection(database.Settings.Concat(new Dictionary<string, string?>
        {
            ["Events:RetryBackoffMs"] = "50",
            ["Events:SweepSeconds"] = "3600",
        })).Build();
        var services = new ServiceCollection();
        services.AddLogging(b => b.SetMinimumLevel(LogLevel.Warning));
        services.AddOpenChatStudioCore(config, Path.GetTempPath());
        services.AddIdentityCore<AppUser>(o =>
            {
                o.Password.RequireNonAlphanumeric = false;
                o.Password.RequireUppercase = false;
                o.Password.RequireDigit = false;
            })
            .AddEntityFrameworkStores<AppDbContext>();
        services.AddSingleton(llm);
        var provider = services.BuildServiceProvider();
        await provider.MigrateDatabaseAsync(CancellationToken.None);
        if (startScheduler)
        {
            await provider.GetRequiredService<SchedulerHost>().StartAsync(CancellationToken.None);
        }
        return new EventsHost(provider);
    }

    public async Task<Guid> CreateTeamAsync()
    {
        await using var scope = _services.CreateAsyncScope();
        var user = await scope.ServiceProvider.GetRequiredService<AccountService>().CreateUserAsync($"u{Guid.NewGuid():N}@example.test", "password-123", null);
        var team = await Get<TeamService>().CreateTeamAsync(user.Value!.Id, "Events " + Guid.NewGuid().ToString("N")[..6], CancellationToken.None);
        return team.Value!.Id;
    }

    /// <summary>A chatbot whose pipeline is one LLM node (with <paramref name="tools"/>) plus the triggers given.</summary>
    public async Task<Guid> CreateChatbotAsync(Guid teamId, IEnumerable<EventTrigger>? triggers = null, params string[] tools)
    {
        var graph = PipelineGraphBuilder.WithStartAndEnd()
            .Node("llm", "LLMResponseWithPrompt", new { llm_provider_id = Guid.NewGuid(), llm_model = "m", prompt = "You are helpful.", history_type = "global", tools })
            .Connect("start -> llm", "llm -> end").Build();
        await using var db = await Get<IDbContextFactory<AppDbContext>>().CreateForTeamAsync(teamId, default);
        var bot = new Chatbot(teamId, "Bot", graph) { TriggersJson = TriggerJson.Write(triggers ?? []) };
        db.Chatbots.Add(bot);
        await db.SaveChangesAsync();
        return bot.Id;
    }

    public async Task<(Guid SessionId, Guid ParticipantId)> StartSessionAsync(Guid teamId, Guid chatbotId, string identifier = "p@example.test")
    {
        var runtime = Get<ChatRuntime>();
        var participant = await runtime.GetOrCreateParticipantAsync(teamId, "web", identifier, "Pat", null, default);
        var session = await runtime.StartSessionAsync(teamId, chatbotId, participant.Id, "web", null, default);
        return (session.SessionId, participant.Id);
    }

    public async Task<List<ChatMessage>> MessagesAsync(Guid teamId, Guid sessionId)
    {
        await using var db = await Get<IDbContextFactory<AppDbContext>>().CreateForTeamAsync(teamId, default);
        return await db.ChatMessages.AsNoTracking().Where(m => m.SessionId == sessionId).OrderBy(m => m.Sequence).ToListAsync();
    }

    public async Task<List<T>> QueryAsync<T>(Guid teamId, Func<AppDbContext, IQueryable<T>> query)
    {
        await using var db = await Get<IDbContextFactory<AppDbContext>>().CreateForTeamAsync(teamId, default);
        return await query(db).ToListAsync();
    }

    /// <summary>Waits (up to <paramref name="seconds"/>) until <paramref name="done"/> holds; fails the test otherwise.</summary>
    public static async Task WaitUntilAsync(Func<Task<bool>> done, string what, int seconds = 60)
    {
        var until = DateTime.UtcNow.AddSeconds(seconds);
        while (!await done())
        {
            if (DateTime.UtcNow > until)
            {
                Assert.Fail("Timed out waiting until " + what);
            }
            await Task.Delay(50);
        }
    }

    public async ValueTask DisposeAsync()
    {
        await Get<EventEngine>().WhenIdleAsync();
        await Get<SchedulerHost>().StopAsync(CancellationToken.None);
        await _services.DisposeAsync();
    }
}

/// <summary>A chat service that fails its first <c>failures</c> calls (provider outage), then replies from a script.</summary>
public sealed class FlakyResolverFactory(ScriptedChatService inner, int failures) : ILlmResolverFactory
{
    private int _failures = failures;

    public ILlmResolver ForTeam(Guid teamId) => new ScriptedLlmResolver(new LlmBinding(new Flaky(this, inner), new LlmModelInfo("flaky", 100_000), "Flaky"));

    private bool Fail() => Interlocked.Decrement(ref _failures) >= 0;

    private sealed class Flaky(FlakyResolverFactory owner, ScriptedChatService inner) : Microsoft.SemanticKernel.ChatCompletion.IChatCompletionService
    {
        public IReadOnlyDictionary<string, object?> Attributes => inner.Attributes;

        public Task<IReadOnlyList<Microsoft.SemanticKernel.ChatMessageContent>> GetChatMessageContentsAsync(Microsoft.SemanticKernel.ChatCompletion.ChatHistory chatHistory,
            Microsoft.SemanticKernel.PromptExecutionSettings? executionSettings = null, Microsoft.SemanticKernel.Kernel? kernel = null, CancellationToken cancellationToken = default) =>
            owner.Fail() ? throw new OpenChatStudio.Core.Llm.LlmProviderException("provider unavailable (test)", 503, isTransient: true) : inner.GetChatMessageContentsAsync(chatHistory, executionSettings, kernel, cancellationToken);

        public IAsyncEnumerable<Microsoft.SemanticKernel.StreamingChatMessageContent> GetStreamingChatMessageContentsAsync(Microsoft.SemanticKernel.ChatCompletion.ChatHistory chatHistory,
            Microsoft.SemanticKernel.PromptExecutionSettings? executionSettings = null, Microsoft.SemanticKernel.Kernel? kernel = null, CancellationToken cancellationToken = default) =>
            owner.Fail() ? throw new OpenChatStudio.Core.Llm.LlmProviderException("provider unavailable (test)", 503, isTransient: true) : inner.GetStreamingChatMessageContentsAsync(chatHistory, executionSettings, kernel, cancellationToken);
    }
}
