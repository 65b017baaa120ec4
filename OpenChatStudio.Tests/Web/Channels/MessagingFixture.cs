using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.DependencyInjection;
using OpenChatStudio.Core.Channels;
using OpenChatStudio.Core.Channels.Messaging;
using OpenChatStudio.Core.Data;
using OpenChatStudio.Tests.TestSupport;
using OpenChatStudio.Tests.TestSupport.Fakes;
using OpenChatStudio.Tests.Web.Api;

namespace OpenChatStudio.Tests.Web.Channels;

/// <summary>The app on Kestrel pointed at local fakes of the platforms' APIs (Channels:{Platform}:ApiBaseUrl).</summary>
public sealed class MessagingFixture : IAsyncLifetime
{
    public FakeTelegramServer Telegram { get; private set; } = null!;

    public FakeTwilioServer Twilio { get; private set; } = null!;

    public FakeMetaGraphServer Meta { get; private set; } = null!;

    public OcsAppFactory App { get; private set; } = null!;

    public async Task InitializeAsync()
    {
        Telegram = await FakeTelegramServer.StartAsync();
        Twilio = await FakeTwilioServer.StartAsync();
        Meta = await FakeMetaGraphServer.StartAsync();
        App = new OcsAppFactory();
        App.ExtraSettings["Channels:Telegram:ApiBaseUrl"] = Telegram.Root.ToString();
        App.ExtraSettings["Channels:Twilio:ApiBaseUrl"] = Twilio.Root.ToString();
        App.ExtraSettings["Channels:Meta:ApiBaseUrl"] = Meta.Root.ToString();
        App.ExtraSettings["Channels:OutboxSweepSeconds"] = "0.3";
        App.ExtraSettings["Outbound:AllowPrivateNetworks"] = "true";   // the fake speech-to-text provider is on loopback
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

    public sealed record TwilioConnected(ChatApiTestKit.Bot Bot, FakeTwilioServer.Account Account, string Number, ChannelInfo Channel, string WebhookUrl);

    /// <summary>A published offline-model chatbot connected to a Twilio number (WhatsApp or SMS).</summary>
    public async Task<TwilioConnected> ConnectTwilioAsync(ChannelKind kind)
    {
        var bot = await new ChatApiTestKit(App).BotAsync();
        var account = Twilio.AddAccount();
        var number = "+1415" + Random.Shared.Next(1_000_000, 9_999_999).ToString(System.Globalization.CultureInfo.InvariantCulture);
        var service = App.Services.GetRequiredService<MessagingChannelService>();
        var created = await service.CreateAsync(bot.Access, bot.Id, kind, null,
            new Dictionary<string, string> { ["account_sid"] = account.Sid, ["number"] = number },
            new Dictionary<string, string> { ["auth_token"] = account.AuthToken }, App.BaseAddress.ToString(), CancellationToken.None);
        Assert.True(created.Succeeded, created.Error);
        return new TwilioConnected(bot, account, number, created.Value!, service.WebhookUrl(kind, created.Value!.Id, App.BaseAddress.ToString()).ToString());
    }

    public sealed record MetaConnected(ChatApiTestKit.Bot Bot, FakeMetaGraphServer.Number Number, ChannelInfo Channel, string WebhookUrl);

    /// <summary>A published offline-model chatbot connected to a WhatsApp Cloud API number, with a follow-up template.</summary>
    public async Task<MetaConnected> ConnectMetaAsync(bool withTemplate = true)
    {
        var bot = await new ChatApiTestKit(App).BotAsync();
        var number = Meta.AddNumber();
        var service = App.Services.GetRequiredService<MessagingChannelService>();
        var settings = new Dictionary<string, string> { ["phone_number_id"] = number.PhoneNumberId };
        if (withTemplate)
        {
            settings["template_name"] = "ocs_followup";
            settings["template_language"] = "en";
        }
        var created = await service.CreateAsync(bot.Access, bot.Id, ChannelKind.WhatsAppMeta, null, settings,
            new Dictionary<string, string> { ["access_token"] = number.AccessToken, ["app_secret"] = number.AppSecret },
            App.BaseAddress.ToString(), CancellationToken.None);
        Assert.True(created.Succeeded, created.Error);
        return new MetaConnected(bot, number, created.Value!,
            service.WebhookUrl(ChannelKind.WhatsAppMeta, created.Value!.Id, App.BaseAddress.ToString()).ToString());
    }

    public AppDbContext Db() => App.Services.GetRequiredService<IDbContextFactory<AppDbContext>>().CreateDbContext();

    public async Task DisposeAsync()
    {
        await ((IAsyncLifetime)App).DisposeAsync();
        await Telegram.DisposeAsync();
        await Twilio.DisposeAsync();
        await Meta.DisposeAsync();
    }
}
