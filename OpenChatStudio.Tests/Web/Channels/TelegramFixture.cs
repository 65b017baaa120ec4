using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.DependencyInjection;
using OpenChatStudio.Core.Channels;
using OpenChatStudio.Core.Channels.Messaging;
using OpenChatStudio.Core.Data;
using OpenChatStudio.Tests.TestSupport;
using OpenChatStudio.Tests.TestSupport.Fakes;
using OpenChatStudio.Tests.Web.Api;

namespace OpenChatStudio.Tests.Web.Channels;

/// <summary>The app on Kestrel pointed at a local fake of the Telegram Bot API (Channels:Telegram:ApiBaseUrl).</summary>
public sealed class TelegramFixture : IAsyncLifetime
{
    public FakeTelegramServer Telegram { get; private set; } = null!;

    public OcsAppFactory App { get; private set; } = null!;

    public async Task InitializeAsync()
    {
        Telegram = await FakeTelegramServer.StartAsync();
        App = new OcsAppFactory();
        App.ExtraSettings["Channels:Telegram:ApiBaseUrl"] = Telegram.Root.ToString();
        App.ExtraSettings["Channels:OutboxSweepSeconds"] = "0.3";
        await ((IAsyncLifetime)App).InitializeAsync();
    }

    public sealed record Connected(ChatApiTestKit.Bot Bot, FakeTelegramServer.Bot TelegramBot, ChannelInfo Channel);

    /// <summary>A published offline-model chatbot connected to a new Telegram bot, as the channels page does it.</summary>
    public async Task<Connected> ConnectAsync(bool publish = true, IReadOnlyList<string>? allowlist = null)
    {
        var bot = await new ChatApiTestKit(App).BotAsync(publish, allowlist);
        var telegramBot = Telegram.AddBot();
        var created = await App.Services.GetRequiredService<MessagingChannelService>().CreateAsync(bot.Access, bot.Id, ChannelKind.Telegram,
            null, new Dictionary<string, string>(), new Dictionary<string, string> { ["bot_token"] = telegramBot.Token },
            App.BaseAddress.ToString(), CancellationToken.None);
        Assert.True(created.Succeeded, created.Error);
        return new Connected(bot, telegramBot, created.Value!);
    }

    public AppDbContext Db() => App.Services.GetRequiredService<IDbContextFactory<AppDbContext>>().CreateDbContext();

    public async Task DisposeAsync()
    {
        await ((IAsyncLifetime)App).DisposeAsync();
        await Telegram.DisposeAsync();
    }
}
