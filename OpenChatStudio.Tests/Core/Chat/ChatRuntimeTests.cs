using System.Text.Json.Nodes;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.DependencyInjection;
using OpenChatStudio.Core.Chat;
using OpenChatStudio.Core.Chatbots;
using OpenChatStudio.Core.Data;
using OpenChatStudio.Core.Llm;
using OpenChatStudio.Core.Participants;
using OpenChatStudio.Core.Pipelines.Graph;
using OpenChatStudio.Core.Teams;
using OpenChatStudio.Tests.TestSupport;
using OpenChatStudio.Tests.TestSupport.Fakes;
using OpenChatStudio.Tests.TestSupport.Pipelines;

namespace OpenChatStudio.Tests.Core.Chat;

/// <summary>The runtime over a real database (SQLite or PostgreSQL per OCS_TEST_DB) with a scripted model.</summary>
public class ChatRuntimeTests : IAsyncLifetime
{
    private readonly ScriptedChatService _llm = new();
    private readonly CoreHost _host;
    private TeamSummary _team = default!;

    public ChatRuntimeTests()
    {
        _host = new CoreHost(s => s.AddSingleton<ILlmResolverFactory>(new ScriptedResolverFactory(_llm)));
    }

    public async Task InitializeAsync()
    {
        await _host.InitializeAsync();
        var owner = await _host.CreateUserAsync();
        _team = (await _host.Get<TeamService>().CreateTeamAsync(owner.Id, "Runtime", CancellationToken.None)).Value!;
    }

    public Task DisposeAsync() => _host.DisposeAsync();

    private ChatRuntime Runtime => _host.Get<ChatRuntime>();

    private static object Llm(params string[] tools) =>
        new { llm_provider_id = Guid.NewGuid(), llm_model = "m", prompt = "You know: {participant_data}", history_type = "global", tools };

    private async Task<(Guid ChatbotId, Guid SessionId, Guid ParticipantId)> StartAsync(PipelineGraph graph, string? seed = null)
    {
        await using var db = await _host.Get<IDbContextFactory<AppDbContext>>().CreateForTeamAsync(_team.Id, default);
        var bot = new Chatbot(_team.Id, "Bot", graph) { SeedMessage = seed };
        db.Chatbots.Add(bot);
        await db.SaveChangesAsync();
        var participant = await Runtime.GetOrCreateParticipantAsync(_team.Id, "web", "p@example.test", "Pat", null, default);
        var session = await Runtime.StartSessionAsync(_team.Id, bot.Id, participant.Id, "web", null, default);
        return (bot.Id, session.SessionId, participant.Id);
    }

    [Fact]
    public async Task ImportHistory_StoresMessagesInOrder_AndTheNextTurnSeesThemAsHistory()
    {
        _llm.Reply("you are Ada");
        var (_, session, _) = await StartAsync(PipelineGraphBuilder.WithStartAndEnd().Node("llm", "LLMResponseWithPrompt", Llm()).Connect("start -> llm", "llm -> end").Build());

        await Runtime.ImportHistoryAsync(_team.Id, session, [(MessageRole.Human, "I am Ada"), (MessageRole.Ai, "Hello Ada")], default);
        var turn = await Runtime.SendAsync(_team.Id, session, "Who am I?", null, default);

        Assert.Equal("you are Ada", turn.Reply!.Content);
        Assert.Equal(["I am Ada", "Hello Ada", "Who am I?"], _llm.Requests[0].History.Skip(1).Select(m => m.Content));
        var transcript = await Runtime.GetTranscriptAsync(_team.Id, session, default);
        Assert.Equal([(MessageRole.Human, "I am Ada", 1), (MessageRole.Ai, "Hello Ada", 2), (MessageRole.Human, "Who am I?", 3), (MessageRole.Ai, "you are Ada", 4)],
            transcript.Select(m => (m.Role, m.Content, m.Sequence)));
    }

    [Fact]
    public async Task Send_StoresBothMessages_TraceAndUsage_AndHistoryFeedsNextTurn()
    {
        _llm.Reply("first answer", "second answer");
        var (_, session, _) = await StartAsync(PipelineGraphBuilder.WithStartAndEnd().Node("llm", "LLMResponseWithPrompt", Llm()).Connect("start -> llm", "llm -> end").Build());

        var first = await Runtime.SendAsync(_team.Id, session, "first question", null, default);
        var second = await Runtime.SendAsync(_team.Id, session, "second question", null, default);

        Assert.Equal("first answer", first.Reply!.Content);
        Assert.Equal("second answer", second.Reply!.Content);
        Assert.Equal(["first question", "first answer", "second question"], _llm.Requests[1].History.Skip(1).Select(m => m.Content));
        var transcript = await Runtime.GetTranscriptAsync(_team.Id, session, default);
        Assert.Equal(["first question", "first answer", "second question", "second answer"], transcript.Select(m => m.Content));
        Assert.Equal(second.Reply.TraceId, transcript[^1].TraceId);
        var trace = await Runtime.GetTraceAsync(_team.Id, second.Reply.TraceId, default);
        Assert.Equal(["start", "llm", "end"], trace.Select(t => t.NodeName));
        await using var db = await _host.Get<IDbContextFactory<AppDbContext>>().CreateForTeamAsync(_team.Id, default);
        var usage = await db.UsageRecords.Where(u => u.SessionId == session).ToListAsync();
        Assert.Equal(2, usage.Count);
        Assert.All(usage, u => Assert.True(u.InputTokens > 0 && u.Cost > 0 && u.NodeId == "llm"));
    }

    [Fact]
    public async Task ParticipantDataAndSessionState_PersistAcrossMessages_AndAreEncryptedAtRest()
    {
        _llm.CallTool("update_user_data", new { key = "city", value = "Nairobi" }).Reply("Noted.")
            .CallTool("set_session_state", new { key = "step", value = "2" }).Reply("Next.").Reply("Third.");
        var (chatbot, session, participant) = await StartAsync(PipelineGraphBuilder.WithStartAndEnd()
            .Node("llm", "LLMResponseWithPrompt", Llm("update-user-data", "set-session-state")).Connect("start -> llm", "llm -> end").Build());

        await Runtime.SendAsync(_team.Id, session, "I live in Nairobi", null, default);
        await Runtime.SendAsync(_team.Id, session, "next", null, default);
        await Runtime.SendAsync(_team.Id, session, "and?", null, default);

        Assert.Contains("\"city\":\"Nairobi\"", _llm.Requests[^1].History[0].Content);
        await using var db = await _host.Get<IDbContextFactory<AppDbContext>>().CreateForTeamAsync(_team.Id, default);
        var row = await db.ParticipantData.SingleAsync(d => d.ParticipantId == participant && d.ChatbotId == chatbot);
        Assert.DoesNotContain("Nairobi", row.ProtectedData);
        Assert.Equal("Nairobi", _host.Get<ParticipantDataProtector>().Unprotect(row.ProtectedData)["city"]!.GetValue<string>());
        Assert.Equal("{\"step\":2}", (await db.ChatSessions.SingleAsync(s => s.Id == session)).StateJson);
    }

    [Fact]
    public async Task ConcurrentMessages_OfOneSession_RunOneAtATimeInOrder()
    {
        var (_, session, _) = await StartAsync(PipelineGraphBuilder.WithStartAndEnd().Connect("start -> end").Build());

        var sends = Enumerable.Range(1, 8).Select(i => Runtime.SendAsync(_team.Id, session, $"m{i}", null, default)).ToList();
        var turns = await Task.WhenAll(sends);

        Assert.All(turns, t => Assert.True(t.Succeeded, t.Error));
        var transcript = await Runtime.GetTranscriptAsync(_team.Id, session, default);
        var expected = Enumerable.Range(1, 8).SelectMany(i => new[] { $"m{i}", $"m{i}" });
        Assert.Equal(expected, transcript.Select(m => m.Content));
        Assert.Equal(Enumerable.Range(1, 16), transcript.Select(m => m.Sequence));
    }

    [Fact]
    public async Task ProviderFailure_KeepsHumanMessage_TracesError_AndRetrySucceeds()
    {
        var (_, session, _) = await StartAsync(PipelineGraphBuilder.WithStartAndEnd()
            .Node("tpl", "RenderTemplate", new { template_string = "{{ session_state.missing }}" }).Connect("start -> tpl", "tpl -> end").Build());

        var failed = await Runtime.SendAsync(_team.Id, session, "hello", null, default);

        Assert.False(failed.Succeeded);
        Assert.Contains("does not exist", failed.Error);
        var transcript = await Runtime.GetTranscriptAsync(_team.Id, session, default);
        Assert.Equal("hello", Assert.Single(transcript).Content);
        await using (var db = await _host.Get<IDbContextFactory<AppDbContext>>().CreateForTeamAsync(_team.Id, default))
        {
            var trace = await db.RunTraces.SingleAsync(t => t.SessionId == session);
            Assert.Equal("tpl", trace.FailedNodeId);
            var s = await db.ChatSessions.SingleAsync(x => x.Id == session);
            s.StateJson = "{\"missing\":\"now here\"}";
            await db.SaveChangesAsync();
        }

        var retried = await Runtime.RetryAsync(_team.Id, session, null, default);

        Assert.Equal("now here", retried.Reply!.Content);
        Assert.Equal(["hello", "now here"], (await Runtime.GetTranscriptAsync(_team.Id, session, default)).Select(m => m.Content));
    }

    [Fact]
    public async Task Retry_RunsWithTheFilesOfTheUnansweredMessage()
    {
        var (_, session, _) = await StartAsync(PipelineGraphBuilder.WithStartAndEnd()
            .Node("code", "CodeNode", new { code = "function main(input) { if (!get_session_state_key('ready')) { throw new Error('not ready'); } const files = get_temp_state_key('attachments'); return files.map(f => f.name).join(',') + ': ' + read_attachment_text(files[0]); }" })
            .Connect("start -> code", "code -> end").Build());
        var saved = (await _host.Get<ChatAttachmentStore>().SaveAsync(_team.Id, session,
            [new UploadedFile("list.txt", "text/plain", "milk, eggs"u8.ToArray()), new UploadedFile("more.csv", "text/csv", "a,b"u8.ToArray())], default)).Value!;
        var failed = await Runtime.SendAsync(_team.Id, session, "shopping", null, default,
            new InboundDetails(Guid.NewGuid(), saved.Select(f => f.Id).ToList(), null));
        Assert.Contains("not ready", failed.Error);
        await using (var db = await _host.Get<IDbContextFactory<AppDbContext>>().CreateForTeamAsync(_team.Id, default))
        {
            (await db.ChatSessions.SingleAsync(x => x.Id == session)).StateJson = "{\"ready\":true}";
            await db.SaveChangesAsync();
        }

        var retried = await Runtime.RetryAsync(_team.Id, session, null, default);

        Assert.True(retried.Succeeded, retried.Error);
        Assert.Equal("list.txt,more.csv: milk, eggs", retried.Reply!.Content);
    }

    [Fact]
    public async Task SessionTagAddedByAReviewerDuringATurn_IsKeptBesideThePipelinesTags()
    {
        var (_, session, _) = await StartAsync(PipelineGraphBuilder.WithStartAndEnd()
            .Node("code", "CodeNode", new { code = "function main(input) { add_session_tag('pipeline-tag'); return input; }" })
            .Node("llm", "LLMResponseWithPrompt", Llm())
            .Connect("start -> code", "code -> llm", "llm -> end").Build());
        await using (var db = await _host.Get<IDbContextFactory<AppDbContext>>().CreateForTeamAsync(_team.Id, default))
        {
            (await db.ChatSessions.SingleAsync(x => x.Id == session)).TagsJson = "[\"before\"]";
            await db.SaveChangesAsync();
        }
        _llm.OnRequest = async () =>
        {
            await using var db = await _host.Get<IDbContextFactory<AppDbContext>>().CreateForTeamAsync(_team.Id, default);
            (await db.ChatSessions.SingleAsync(x => x.Id == session)).TagsJson = "[\"before\",\"reviewer-tag\"]";
            await db.SaveChangesAsync();
        };
        _llm.Reply("ok");

        var turn = await Runtime.SendAsync(_team.Id, session, "hi", null, default);

        Assert.True(turn.Succeeded, turn.Error);
        await using var check = await _host.Get<IDbContextFactory<AppDbContext>>().CreateForTeamAsync(_team.Id, default);
        Assert.Equal("[\"before\",\"reviewer-tag\",\"pipeline-tag\"]", (await check.ChatSessions.SingleAsync(x => x.Id == session)).TagsJson);
    }

    [Fact]
    public async Task SeedMessage_IsHidden_AndItsReplyComesFirst()
    {
        var (_, session, _) = await StartAsync(PipelineGraphBuilder.WithStartAndEnd()
            .Node("tpl", "RenderTemplate", new { template_string = "Welcome! ({{ input }})" }).Connect("start -> tpl", "tpl -> end").Build(), seed: "greet");

        var transcript = await Runtime.GetTranscriptAsync(_team.Id, session, default);

        Assert.Equal(2, transcript.Count);
        Assert.True(transcript[0].Hidden);
        Assert.Equal("Welcome! (greet)", transcript[1].Content);
    }

    [Fact]
    public async Task Reset_EndsSession_AndStartsANewOne()
    {
        var (_, session, _) = await StartAsync(PipelineGraphBuilder.WithStartAndEnd().Connect("start -> end").Build());

        var turn = await Runtime.SendAsync(_team.Id, session, "/reset", null, default);
        var afterEnd = await Runtime.SendAsync(_team.Id, session, "still there?", null, default);

        Assert.True(turn.SessionEnded);
        Assert.NotNull(turn.NewSessionId);
        Assert.NotEqual(session, turn.NewSessionId);
        Assert.Contains("ended", afterEnd.Error);
        var fresh = await Runtime.SendAsync(_team.Id, turn.NewSessionId!.Value, "hi", null, default);
        Assert.Equal("hi", fresh.Reply!.Content);
    }

    [Fact]
    public async Task EndSessionTool_EndsSessionAfterReply()
    {
        _llm.CallTool("end_session", new { }).Reply("Bye!");
        var (_, session, _) = await StartAsync(PipelineGraphBuilder.WithStartAndEnd()
            .Node("llm", "LLMResponseWithPrompt", Llm("end-session")).Connect("start -> llm", "llm -> end").Build());

        var turn = await Runtime.SendAsync(_team.Id, session, "goodbye", null, default);

        Assert.True(turn.SessionEnded);
        Assert.Equal("Bye!", turn.Reply!.Content);
        await using var db = await _host.Get<IDbContextFactory<AppDbContext>>().CreateForTeamAsync(_team.Id, default);
        var s = await db.ChatSessions.SingleAsync(x => x.Id == session);
        Assert.Equal(SessionStatus.PendingReview, s.Status);
        Assert.Equal("bot", s.EndReason);
    }

    [Fact]
    public async Task InvalidPipeline_IsRefusedWithReasons_HumanMessageKept()
    {
        var (_, session, _) = await StartAsync(new PipelineGraph([GraphNode.Create("start", "StartNode", "start")], []));

        var turn = await Runtime.SendAsync(_team.Id, session, "hi", null, default);

        Assert.Contains("needs an End node", turn.Error);
        Assert.Single(await Runtime.GetTranscriptAsync(_team.Id, session, default));
    }

    [Fact]
    public async Task OtherTeamsSession_IsNotFound()
    {
        var (_, session, _) = await StartAsync(PipelineGraphBuilder.WithStartAndEnd().Connect("start -> end").Build());
        await Assert.ThrowsAsync<KeyNotFoundException>(() => Runtime.SendAsync(Guid.NewGuid(), session, "hi", null, default));
    }
}
