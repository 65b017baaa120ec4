using Microsoft.EntityFrameworkCore;
using OpenChatStudio.Core.Chat;
using OpenChatStudio.Core.Chatbots;
using OpenChatStudio.Core.Data;
using OpenChatStudio.Core.Participants;
using OpenChatStudio.Core.Teams;
using OpenChatStudio.Core.Versions;
using OpenChatStudio.Tests.TestSupport;

namespace OpenChatStudio.Tests.Core.Chat;

/// <summary>
/// Recovery of inbound messages a dead process left pending (issue 25): a task's reply is the reply to that task's message,
/// never the reply to a later one that happened to be stored after it.
/// </summary>
public sealed class InboxRecoveryTests : IAsyncLifetime
{
    private readonly CoreHost _host = new();
    private TeamAccess _team = default!;
    private Guid _bot;

    public async Task InitializeAsync()
    {
        await _host.InitializeAsync();
        var owner = await _host.CreateUserAsync();
        var teams = _host.Get<TeamService>();
        var team = (await teams.CreateTeamAsync(owner.Id, "Recovery", default)).Value!;
        _team = (await teams.GetAccessAsync(owner.Id, team.Slug, default))!;
        _bot = (await _host.Get<ChatbotService>().CreateAsync(_team, "Echo", ChatbotTemplates.Blank, default)).Value!.Id;
    }

    public Task DisposeAsync() => _host.DisposeAsync();

    [Fact]
    public async Task AnInterruptedMessage_IsNeverGivenTheReplyToALaterMessage()
    {
        var runtime = _host.Get<ChatRuntime>();
        var participant = await runtime.ParticipantIdAsync(_team.TeamId, ParticipantPlatforms.Widget, "w:1", null, default);
        var session = (await runtime.StartSessionAsync(_team.TeamId, _bot, participant, ParticipantPlatforms.Widget, null, default, VersionChoice.Working)).SessionId;

        // m1 was accepted and its human message stored when its process died; m2 was then answered (by another instance).
        var m1 = new InboundMessage(_team.TeamId, session, "m1", [], null, DateTime.UtcNow.AddMinutes(-2));
        await using (var db = await _host.Get<IDbContextFactory<AppDbContext>>().CreateForTeamAsync(_team.TeamId, default))
        {
            db.InboundMessages.Add(m1);
            await db.SaveChangesAsync();
        }
        await runtime.StoreUnansweredAsync(_team.TeamId, session, "m1", new InboundDetails(m1.Id, [], null, Recovering: true), default);
        var m2 = await runtime.SendAsync(_team.TeamId, session, "m2", null, default);
        Assert.Equal("m2", m2.Reply!.Content);

        var inbox = _host.Get<ChatInbox>();
        Assert.Equal(1, await inbox.RecoverAsync(default));
        await inbox.WhenIdleAsync();

        await using var check = await _host.Get<IDbContextFactory<AppDbContext>>().CreateForTeamAsync(_team.TeamId, default);
        var row = await check.InboundMessages.AsNoTracking().SingleAsync(m => m.Id == m1.Id);
        Assert.NotEqual(m2.Reply.MessageId, row.ReplyMessageId);   // the bug: "complete" with m2's reply
        Assert.Equal(InboundStatus.Failed, row.Status);
        Assert.Contains("not answered before later messages arrived", row.Error);
    }

    [Fact]
    public async Task AnInterruptedMessageWhoseReplyWasStored_IsCompletedWithItsOwnReply()
    {
        var runtime = _host.Get<ChatRuntime>();
        var participant = await runtime.ParticipantIdAsync(_team.TeamId, ParticipantPlatforms.Widget, "w:2", null, default);
        var session = (await runtime.StartSessionAsync(_team.TeamId, _bot, participant, ParticipantPlatforms.Widget, null, default, VersionChoice.Working)).SessionId;
        var m1 = new InboundMessage(_team.TeamId, session, "m1", [], null, DateTime.UtcNow.AddMinutes(-2));
        await using (var db = await _host.Get<IDbContextFactory<AppDbContext>>().CreateForTeamAsync(_team.TeamId, default))
        {
            db.InboundMessages.Add(m1);
            await db.SaveChangesAsync();
        }
        // m1 ran to the end (reply stored) but the process died before the inbox row was completed; m2 came after.
        var first = await runtime.SendAsync(_team.TeamId, session, "m1", null, default, new InboundDetails(m1.Id, [], null, Recovering: false));
        var m2 = await runtime.SendAsync(_team.TeamId, session, "m2", null, default);
        await using (var db = await _host.Get<IDbContextFactory<AppDbContext>>().CreateForTeamAsync(_team.TeamId, default))
        {
            await db.InboundMessages.Where(m => m.Id == m1.Id).ExecuteUpdateAsync(s => s.SetProperty(m => m.Status, InboundStatus.Pending)
                .SetProperty(m => m.ReplyMessageId, (Guid?)null));
        }

        var inbox = _host.Get<ChatInbox>();
        await inbox.RecoverAsync(default);
        await inbox.WhenIdleAsync();

        await using var check = await _host.Get<IDbContextFactory<AppDbContext>>().CreateForTeamAsync(_team.TeamId, default);
        var row = await check.InboundMessages.AsNoTracking().SingleAsync(m => m.Id == m1.Id);
        Assert.Equal(InboundStatus.Complete, row.Status);
        Assert.Equal(first.Reply!.MessageId, row.ReplyMessageId);
        Assert.NotEqual(m2.Reply!.MessageId, row.ReplyMessageId);
        Assert.Equal(4, await check.ChatMessages.CountAsync(m => m.SessionId == session));   // nothing run twice
    }
}
