using System.Security.Claims;
using Bunit;
using Microsoft.AspNetCore.Components;
using Microsoft.AspNetCore.Components.Forms;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.DependencyInjection;
using OpenChatStudio.Core.Chat;
using OpenChatStudio.Core.Chatbots;
using OpenChatStudio.Core.Data;
using OpenChatStudio.Core.ScaleOut;
using OpenChatStudio.Core.Teams;
using OpenChatStudio.Tests.TestSupport;
using OpenChatStudio.Web.Components.Chatbots.Preview;

namespace OpenChatStudio.Tests.Web.Components.Chatbots;

/// <summary>The preview with Redis scale-out configured (a real Redis): messages go through the Redis session lock.</summary>
public class ChatPreviewScaledOutTests : BunitTestContext, IClassFixture<RedisServer>
{
    private readonly CoreHost _core;
    private TeamAccess _access = default!;

    public ChatPreviewScaledOutTests(RedisServer redis)
    {
        _core = new CoreHost(null, new Dictionary<string, string?> { ["Redis:Connection"] = redis.Connection });
    }

    public override async Task InitializeAsync()
    {
        await _core.InitializeAsync();
        var user = await _core.CreateUserAsync();
        var teams = _core.Get<TeamService>();
        var team = (await teams.CreateTeamAsync(user.Id, "Scaled preview", CancellationToken.None)).Value!;
        _access = (await teams.GetAccessAsync(user.Id, team.Slug, CancellationToken.None))!;
        Ctx.Services.AddSingleton(_core.Get<ChatRuntime>());
        Ctx.Services.AddSingleton(_core.Get<SessionPlaygroundService>());
        Ctx.Services.AddSingleton(_core.Get<ChatAttachmentStore>());
        Ctx.Services.AddSingleton(_core.Get<OpenChatStudio.Core.Versions.VersionService>());
        Ctx.AddAuthorization().SetAuthorized("tester").SetClaims(new Claim(ClaimTypes.NameIdentifier, user.Id.ToString()));
        Ctx.SetRendererInfo(new RendererInfo("Server", isInteractive: true));
    }

    public override async Task DisposeAsync()
    {
        await base.DisposeAsync();
        await _core.DisposeAsync();
    }

    [Fact]
    public async Task Preview_MessageWithAttachment_UnderRedisScaleOut_IsStoredAndAnswered()
    {
        // Arrange
        Assert.IsType<RedisSessionLock>(_core.Get<ISessionLock>());
        var bot = (await _core.Get<ChatbotService>().CreateAsync(_access, "Files bot", ChatbotTemplates.SimpleAssistant, default)).Value!;
        var cut = Ctx.Render<ChatPreview>(p => p.Add(x => x.Access, _access).Add(x => x.ChatbotId, bot.Id).Add(x => x.FileUploadsEnabled, true));
        cut.WaitForAssertion(() => Assert.False(cut.Find("[data-testid=preview-input] textarea, textarea[data-testid=preview-input]").HasAttribute("disabled")));
        // UploadFiles waits for the component's handler itself: calling it inside InvokeAsync deadlocks once the save is truly async (PostgreSQL).
        cut.FindComponent<InputFile>().UploadFiles(InputFileContent.CreateFromText("milk, eggs", "list.txt", contentType: "text/plain"));
        cut.WaitForAssertion(() => Assert.Equal("list.txt", cut.Find("[data-testid=pending-attachment]").TextContent.Trim()));

        // Act
        cut.Find("[data-testid=preview-input] textarea, textarea[data-testid=preview-input]").Input("Here is my list");
        await cut.InvokeAsync(() => cut.Find("[data-testid=preview-send]").Click());

        // Assert: the reply is shown, and the message is stored with its file.
        cut.WaitForAssertion(() => Assert.Contains("Offline model: you said", cut.Find("[data-testid=msg-bot]").TextContent), TimeSpan.FromSeconds(10));
        Assert.Empty(cut.FindAll("[data-testid=msg-error]"));
        await using var db = await _core.Get<IDbContextFactory<AppDbContext>>().CreateForTeamAsync(_access.TeamId, default);
        var human = await db.ChatMessages.SingleAsync(m => m.Role == MessageRole.Human && m.Content == "Here is my list");
        var file = await db.ChatAttachments.SingleAsync(a => a.Name == "list.txt");
        Assert.Equal(human.Id, file.MessageId);
        Assert.True(await db.ChatMessages.AnyAsync(m => m.SessionId == human.SessionId && m.Role == MessageRole.Ai && m.Sequence == human.Sequence + 1));
    }
}
