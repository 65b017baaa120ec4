using System.Text;
using System.Text.Json.Nodes;
using Microsoft.EntityFrameworkCore;
using OpenChatStudio.Core.Chat;
using OpenChatStudio.Core.Data;
using OpenChatStudio.Core.Sessions;
using OpenChatStudio.Core.Teams;
using OpenChatStudio.Tests.TestSupport;

namespace OpenChatStudio.Tests.Core.Sessions;

/// <summary>Per-message tags added by reviewers and files shown on transcript messages, on a real database.</summary>
public class MessageTagsAndAttachmentsTests : IAsyncLifetime
{
    private static readonly DateTime T0 = new(2026, 3, 1, 12, 0, 0, DateTimeKind.Utc);
    private readonly CoreHost _host = new();
    private TeamAccess _access = default!;
    private SessionSeeder _seed = default!;

    public async Task InitializeAsync()
    {
        await _host.InitializeAsync();
        var owner = await _host.CreateUserAsync();
        var teams = _host.Get<TeamService>();
        var team = (await teams.CreateTeamAsync(owner.Id, "Tags", CancellationToken.None)).Value!;
        _access = (await teams.GetAccessAsync(owner.Id, team.Slug, CancellationToken.None))!;
        _seed = new SessionSeeder(_host, _access);
    }

    public Task DisposeAsync() => _host.DisposeAsync();

    private SessionReviewService Review => _host.Get<SessionReviewService>();

    private async Task<AppDbContext> DbAsync() => await _host.Get<IDbContextFactory<AppDbContext>>().CreateForTeamAsync(_access.TeamId, default);

    private async Task<(Guid Session, Guid Human, Guid Bot)> SessionAsync(string identifier = "p@example.test")
    {
        var bot = await _seed.ChatbotAsync("Helpdesk");
        var p = await _seed.ParticipantAsync(identifier);
        var id = await _seed.SessionAsync(bot, p.Id, T0);
        var messages = (await Review.GetAsync(_access, id, default))!.Messages;
        return (id, messages.Single(m => m.Role == MessageRole.Human).Id, messages.Single(m => m.Role == MessageRole.Ai).Id);
    }

    [Fact]
    public async Task MessageTags_AddRemove_KeepPipelineTags_AndAreShownPerMessage()
    {
        var (session, human, botMessage) = await SessionAsync();
        await using (var db = await DbAsync())
        {
            var m = await db.ChatMessages.SingleAsync(x => x.Id == botMessage);
            m.TagsJson = new JsonArray(new JsonObject { ["tag"] = "refund", ["category"] = "intent" }).ToJsonString();
            await db.SaveChangesAsync();
        }

        Assert.Equal(["intent: refund", "wrong-answer"], (await Review.AddMessageTagAsync(_access, session, botMessage, " wrong-answer ", default)).Value);
        Assert.Equal(["intent: refund", "wrong-answer"], (await Review.AddMessageTagAsync(_access, session, botMessage, "wrong-answer", default)).Value);
        Assert.True((await Review.AddMessageTagAsync(_access, session, human, "greeting", default)).Succeeded);
        Assert.False((await Review.AddMessageTagAsync(_access, session, human, "  ", default)).Succeeded);
        Assert.False((await Review.AddMessageTagAsync(_access, session, human, new string('x', SessionReviewService.MaxTagLength + 1), default)).Succeeded);
        Assert.False((await Review.AddMessageTagAsync(_access, session, Guid.NewGuid(), "stray", default)).Succeeded);

        var details = (await Review.GetAsync(_access, session, default))!;
        Assert.Equal(["greeting"], details.Messages.Single(m => m.Id == human).Tags);
        Assert.Equal(["intent: refund", "wrong-answer"], details.Messages.Single(m => m.Id == botMessage).Tags);
        Assert.Empty(details.Session.Tags);

        // Removing by the shown form: a categorised pipeline tag and a reviewer tag.
        Assert.Equal(["wrong-answer"], (await Review.RemoveMessageTagAsync(_access, session, botMessage, "intent: refund", default)).Value);
        Assert.Empty((await Review.RemoveMessageTagAsync(_access, session, botMessage, "wrong-answer", default)).Value!);
        Assert.Empty((await Review.GetAsync(_access, session, default))!.Messages.Single(m => m.Id == botMessage).Tags);
        Assert.Equal(["greeting"], (await Review.GetAsync(_access, session, default))!.Messages.Single(m => m.Id == human).Tags);
    }

    [Fact]
    public async Task MessageTags_ViewersAndOtherTeams_CannotChange_AndAMessageOfAnotherSessionIsRefused()
    {
        var (session, _, botMessage) = await SessionAsync();
        var (otherSession, _, _) = await SessionAsync("q@example.test");
        var viewer = _access with { Role = TeamRole.Viewer };
        var owner = await _host.CreateUserAsync();
        var teams = _host.Get<TeamService>();
        var other = (await teams.CreateTeamAsync(owner.Id, "Other", CancellationToken.None)).Value!;
        var stranger = (await teams.GetAccessAsync(owner.Id, other.Slug, CancellationToken.None))!;

        Assert.False((await Review.AddMessageTagAsync(viewer, session, botMessage, "x", default)).Succeeded);
        Assert.False((await Review.AddMessageTagAsync(stranger, session, botMessage, "x", default)).Succeeded);
        Assert.False((await Review.AddMessageTagAsync(_access, otherSession, botMessage, "x", default)).Succeeded);
        Assert.Empty((await Review.GetAsync(_access, session, default))!.Messages.Single(m => m.Id == botMessage).Tags);
    }

    [Fact]
    public async Task MessageTags_AreInTheChatCsvExport()
    {
        var (session, _, botMessage) = await SessionAsync();
        Assert.True((await Review.AddMessageTagAsync(_access, session, botMessage, "wrong-answer", default)).Succeeded);
        Assert.True((await Review.AddMessageTagAsync(_access, session, botMessage, "escalate", default)).Succeeded);

        using var stream = new MemoryStream();
        await _host.Get<SessionCsvExporter>().WriteAsync(_access.TeamId, new SessionFilter(), stream, null, default);
        var lines = Encoding.UTF8.GetString(stream.ToArray().AsSpan(3)).Split("\r\n", StringSplitOptions.RemoveEmptyEntries);

        var header = lines[0].Split(',');
        var tagsColumn = Array.IndexOf(header, "Message Tags");
        Assert.True(tagsColumn >= 0);
        var botLine = Assert.Single(lines, l => l.Contains("hi there"));
        Assert.Contains("\"wrong-answer, escalate\"", botLine);
        Assert.DoesNotContain("wrong-answer", Assert.Single(lines, l => l.Contains(",hello,")));
    }

    [Fact]
    public async Task Attachments_AreListedOnTheirMessage_AndDownloadableOnlyInTheirSessionAndTeam()
    {
        var (session, human, _) = await SessionAsync();
        var (otherSession, _, _) = await SessionAsync("q@example.test");
        var store = _host.Get<ChatAttachmentStore>();
        var saved = (await store.SaveAsync(_access.TeamId, session, [new UploadedFile("notes.txt", "text/plain", Encoding.UTF8.GetBytes("hello file"))], default)).Value!;
        var unsent = (await store.SaveAsync(_access.TeamId, session, [new UploadedFile("draft.txt", "text/plain", [1, 2, 3])], default)).Value!;
        await using (var db = await DbAsync())
        {
            var row = await db.ChatAttachments.SingleAsync(a => a.Id == saved[0].Id);
            row.MessageId = human;
            await db.SaveChangesAsync();
        }

        var details = (await Review.GetAsync(_access, session, default))!;
        var file = Assert.Single(details.Messages.Single(m => m.Id == human).Attachments);
        Assert.Equal(("notes.txt", 10L), (file.Name, file.Size));
        Assert.Empty(details.Messages.Single(m => m.Role == MessageRole.Ai).Attachments);

        var download = await Review.GetAttachmentAsync(_access with { Role = TeamRole.Viewer }, session, file.Id, default);
        Assert.Equal("hello file", Encoding.UTF8.GetString(download!.Value.Content));
        Assert.Null(await Review.GetAttachmentAsync(_access, otherSession, file.Id, default));
        Assert.Null(await Review.GetAttachmentAsync(_access, session, unsent[0].Id, default));
        Assert.Null(await Review.GetAttachmentAsync(_access with { TeamId = Guid.NewGuid() }, session, file.Id, default));
    }
}
