using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.DependencyInjection;
using OpenChatStudio.Core.Chat;
using OpenChatStudio.Core.Chatbots;
using OpenChatStudio.Core.Data;
using OpenChatStudio.Core.Llm;
using OpenChatStudio.Core.Participants;
using OpenChatStudio.Core.Teams;
using OpenChatStudio.Tests.TestSupport;
using OpenChatStudio.Tests.TestSupport.Fakes;
using OpenChatStudio.Tests.TestSupport.Pipelines;

namespace OpenChatStudio.Tests.Core.Chat;

/// <summary>
/// One participant with several sessions of one chatbot at once (the OpenAI-compatible endpoint: every call of an API
/// key is the same participant): every turn's participant-data changes are kept, whatever order the turns finish in.
/// </summary>
public class ParticipantDataConcurrencyTests : IAsyncLifetime
{
    private const int Counters = 4;

    private readonly ScriptedChatService _llm = new() { Fallback = "ok" };
    private readonly CoreHost _host;
    private TeamSummary _team = default!;

    public ParticipantDataConcurrencyTests()
    {
        _host = new CoreHost(s => s.AddSingleton<ILlmResolverFactory>(new ScriptedResolverFactory(_llm)));
    }

    public async Task InitializeAsync()
    {
        await _host.InitializeAsync();
        var owner = await _host.CreateUserAsync();
        _team = (await _host.Get<TeamService>().CreateTeamAsync(owner.Id, "Concurrent", CancellationToken.None)).Value!;
    }

    public Task DisposeAsync() => _host.DisposeAsync();

    private ChatRuntime Runtime => _host.Get<ChatRuntime>();

    [Fact]
    public async Task ConcurrentSessionsOfOneParticipant_KeepEveryIncrement_AndAKeySetByAnotherSession()
    {
        // Arrange: the counter starts at 1; a message "name:…" sets a name, any other adds 1 to the counter.
        var graph = PipelineGraphBuilder.WithStartAndEnd()
            .Node("code", "CodeNode", new
            {
                code = "function main(input) { const text = get_temp_state_key('user_input'); "
                    + "if (text.startsWith('name:')) { set_participant_data_key('name', text.slice(5)); } "
                    + "else { increment_participant_data_key('count', 1); } return input; }",
            })
            .Node("llm", "LLMResponseWithPrompt", new { llm_provider_id = Guid.NewGuid(), llm_model = "m", prompt = "Be brief.", history_type = "none" })
            .Connect("start -> code", "code -> llm", "llm -> end").Build();
        Guid chatbotId;
        await using (var db = await _host.Get<IDbContextFactory<AppDbContext>>().CreateForTeamAsync(_team.Id, default))
        {
            var bot = new Chatbot(_team.Id, "Counter", graph);
            db.Chatbots.Add(bot);
            await db.SaveChangesAsync();
            chatbotId = bot.Id;
        }
        var participant = await Runtime.GetOrCreateParticipantAsync(_team.Id, "api", "key-1", null, null, default);
        var access = new TeamAccess(_team.Id, _team.Slug, _team.Name, Guid.Empty, TeamRole.Admin);
        Assert.True((await _host.Get<SessionPlaygroundService>().SetParticipantDataAsync(access, participant.Id, chatbotId, "{\"count\":1}", default)).Succeeded);
        var sessions = new List<Guid>();
        for (var i = 0; i <= Counters; i++)
        {
            sessions.Add((await Runtime.StartSessionAsync(_team.Id, chatbotId, participant.Id, "api", null, default)).SessionId);
        }
        // Every turn has read the participant's data before any of them stores its outcome: the model call waits for all.
        var arrived = 0;
        var allArrived = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        _llm.OnRequest = async () =>
        {
            if (Interlocked.Increment(ref arrived) == Counters + 1)
            {
                allArrived.TrySetResult();
            }
            await allArrived.Task.WaitAsync(TimeSpan.FromSeconds(10));
        };

        // Act
        var turns = await Task.WhenAll(sessions.Select((session, i) => Task.Run(() =>
            Runtime.SendAsync(_team.Id, session, i == 0 ? "name:Ada" : "one more", null, default))));

        // Assert
        Assert.All(turns, t => Assert.True(t.Succeeded, t.Error));
        var data = await _host.Get<SessionPlaygroundService>().GetParticipantDataAsync(access, participant.Id, chatbotId, default);
        Assert.Equal(1 + Counters, data["count"]!.GetValue<long>());
        Assert.Equal("Ada", data["name"]!.GetValue<string>());
    }
}
