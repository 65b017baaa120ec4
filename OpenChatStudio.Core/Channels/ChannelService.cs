using System.Collections.Concurrent;
using System.Text.Json;
using Microsoft.EntityFrameworkCore;
using OpenChatStudio.Core.ScaleOut;
using OpenChatStudio.Core.Common;
using OpenChatStudio.Core.Data;
using OpenChatStudio.Core.Teams;

namespace OpenChatStudio.Core.Channels;

/// <summary>
/// A chatbot's web channels (docs/channels.md): list, create, edit, regenerate the widget's embed key, delete. Changes need
/// <see cref="TeamPermission.EditChannels"/>. Public surfaces resolve channels with the <c>Find…</c> methods, answered from
/// memory once warm: a chatbot's channels are forgotten on every saved change to them (<see cref="ChangeNotices"/>) and
/// after <see cref="CacheLifetime"/> at the latest.
/// </summary>
public sealed class ChannelService
{
    /// <summary>The longest a chatbot's channels are trusted from memory without a change notice.</summary>
    public static readonly TimeSpan CacheLifetime = TimeSpan.FromMinutes(5);

    private readonly IDbContextFactory<AppDbContext> dbFactory;
    private readonly TimeProvider clock;
    private readonly ConcurrentDictionary<Guid, (IReadOnlyList<ChannelInfo> Channels, DateTime Until)> _byChatbot = new();
    private readonly ConcurrentDictionary<Guid, (string Version, DateTime At)> _widgetSeen = new();
    private long _changes;

    public ChannelService(IDbContextFactory<AppDbContext> dbFactory, TimeProvider clock, ChangeNotices? notices = null)
    {
        this.dbFactory = dbFactory;
        this.clock = clock;
        notices?.OnChatbotChanged(chatbotId =>
        {
            Interlocked.Increment(ref _changes);
            _byChatbot.TryRemove(chatbotId, out _);
        });
    }

    public const int MaxNameLength = 100;

    public const int MaxDisabledMessageLength = 500;

    /// <summary>The widget version is written to its channel at most this often.</summary>
    public static readonly TimeSpan WidgetVersionResolution = TimeSpan.FromHours(24);

    private const string NoPermission = "Only editors and admins can change channels.";

    public async Task<IReadOnlyList<ChannelInfo>> ListAsync(TeamAccess access, Guid chatbotId, CancellationToken ct)
    {
        await using var db = await dbFactory.CreateForTeamAsync(access.TeamId, ct);
        var rows = await db.ChatbotChannels.AsNoTracking().Where(c => c.ChatbotId == chatbotId).ToListAsync(ct);
        return rows.OrderBy(c => c.Kind).ThenBy(c => c.CreatedAt).Select(ToInfo).ToList();
    }

    /// <summary>
    /// Adds a channel. A chatbot has at most one hosted-page channel and one API channel; widget channels get a fresh embed
    /// key and, unless given, no allowed domains (so the key works nowhere until domains are added).
    /// </summary>
    public async Task<Result<ChannelInfo>> CreateAsync(TeamAccess access, Guid chatbotId, ChannelKind kind, string? name,
        IReadOnlyList<string>? allowedDomains, CancellationToken ct)
    {
        if (!access.Can(TeamPermission.EditChannels))
        {
            return Result<ChannelInfo>.Fail(NoPermission);
        }
        if (!Enum.IsDefined(kind))
        {
            return Result<ChannelInfo>.Fail("Unknown channel kind.");
        }
        if (Messaging.MessagingChannelService.IsMessaging(kind))
        {
            return Result<ChannelInfo>.Fail("Messaging channels are connected with their credentials (MessagingChannelService).");
        }
        name = string.IsNullOrWhiteSpace(name) ? DefaultName(kind) : name.Trim();
        if (name.Length > MaxNameLength)
        {
            return Result<ChannelInfo>.Fail($"Channel names are at most {MaxNameLength} characters.");
        }
        var domains = AllowedDomains.Normalize(allowedDomains ?? []);
        if (!domains.Succeeded)
        {
            return Result<ChannelInfo>.Fail(domains.Error!);
        }
        await using var db = await dbFactory.CreateForTeamAsync(access.TeamId, ct);
        if (!await db.Chatbots.AnyAsync(c => c.Id == chatbotId, ct))
        {
            return Result<ChannelInfo>.Fail("That chatbot does not exist in this team.");
        }
        if (kind != ChannelKind.Widget && await db.ChatbotChannels.AnyAsync(c => c.ChatbotId == chatbotId && c.Kind == kind, ct))
        {
            return Result<ChannelInfo>.Fail($"This chatbot already has a {DefaultName(kind).ToLowerInvariant()} channel.");
        }
        var channel = new ChatbotChannel(access.TeamId, chatbotId, kind, name, clock.GetUtcNow().UtcDateTime)
        {
            AllowedDomainsJson = kind is ChannelKind.Widget or ChannelKind.HostedPage ? JsonSerializer.Serialize(domains.Value) : "[]",
        };
        db.ChatbotChannels.Add(channel);
        await db.SaveChangesAsync(ct);
        return Result<ChannelInfo>.Ok(ToInfo(channel));
    }

    public async Task<Result<ChannelInfo>> UpdateAsync(TeamAccess access, Guid channelId, ChannelUpdate update, CancellationToken ct)
    {
        if (!access.Can(TeamPermission.EditChannels))
        {
            return Result<ChannelInfo>.Fail(NoPermission);
        }
        var name = update.Name?.Trim() ?? "";
        if (name.Length == 0)
        {
            return Result<ChannelInfo>.Fail("Give the channel a name.");
        }
        if (name.Length > MaxNameLength)
        {
            return Result<ChannelInfo>.Fail($"Channel names are at most {MaxNameLength} characters.");
        }
        var message = update.DisabledMessage?.Trim() ?? "";
        if (message.Length > MaxDisabledMessageLength)
        {
            return Result<ChannelInfo>.Fail($"The disabled message is at most {MaxDisabledMessageLength} characters.");
        }
        await using var db = await dbFactory.CreateForTeamAsync(access.TeamId, ct);
        var channel = await db.ChatbotChannels.FirstOrDefaultAsync(c => c.Id == channelId, ct);
        if (channel is null)
        {
            return Result<ChannelInfo>.Fail("That channel does not exist in this team.");
        }
        if (update.AllowedDomains is not null && channel.Kind is ChannelKind.Widget or ChannelKind.HostedPage)
        {
            var domains = AllowedDomains.Normalize(update.AllowedDomains);
            if (!domains.Succeeded)
            {
                return Result<ChannelInfo>.Fail(domains.Error!);
            }
            channel.AllowedDomainsJson = JsonSerializer.Serialize(domains.Value);
        }
        channel.Name = name;
        channel.Enabled = update.Enabled;
        channel.DisabledMessage = message;
        await db.SaveChangesAsync(ct);
        return Result<ChannelInfo>.Ok(ToInfo(channel));
    }

    /// <summary>Replaces the widget's embed key; pages embedding the old key stop working at once.</summary>
    public async Task<Result<ChannelInfo>> RegenerateKeyAsync(TeamAccess access, Guid channelId, CancellationToken ct)
    {
        if (!access.Can(TeamPermission.EditChannels))
        {
            return Result<ChannelInfo>.Fail(NoPermission);
        }
        await using var db = await dbFactory.CreateForTeamAsync(access.TeamId, ct);
        var channel = await db.ChatbotChannels.FirstOrDefaultAsync(c => c.Id == channelId, ct);
        if (channel is null)
        {
            return Result<ChannelInfo>.Fail("That channel does not exist in this team.");
        }
        if (channel.Kind != ChannelKind.Widget)
        {
            return Result<ChannelInfo>.Fail("Only widget channels have an embed key.");
        }
        channel.RegenerateKey();
        await db.SaveChangesAsync(ct);
        return Result<ChannelInfo>.Ok(ToInfo(channel));
    }

    public async Task<Result<bool>> DeleteAsync(TeamAccess access, Guid channelId, CancellationToken ct)
    {
        if (!access.Can(TeamPermission.EditChannels))
        {
            return Result<bool>.Fail(NoPermission);
        }
        await using var db = await dbFactory.CreateForTeamAsync(access.TeamId, ct);
        var channel = await db.ChatbotChannels.FirstOrDefaultAsync(c => c.Id == channelId, ct);
        if (channel is null)
        {
            return Result<bool>.Fail("That channel does not exist in this team.");
        }
        db.ChatbotChannels.Remove(channel);
        await db.SaveChangesAsync(ct);
        return Result<bool>.Ok(true);
    }

    /// <summary>For public surfaces: the widget channel of this chatbot whose embed key is <paramref name="embedKey"/>.</summary>
    public async Task<ChannelInfo?> FindWidgetByKeyAsync(Guid teamId, Guid chatbotId, string embedKey, CancellationToken ct)
    {
        if (string.IsNullOrEmpty(embedKey))
        {
            return null;
        }
        return (await ChannelsOfAsync(teamId, chatbotId, ct))
            .FirstOrDefault(c => c.Kind == ChannelKind.Widget && string.Equals(c.EmbedKey, embedKey, StringComparison.Ordinal));
    }

    /// <summary>A chatbot's channels, oldest first, from memory when known.</summary>
    private async Task<IReadOnlyList<ChannelInfo>> ChannelsOfAsync(Guid teamId, Guid chatbotId, CancellationToken ct)
    {
        var now = clock.GetUtcNow().UtcDateTime;
        if (_byChatbot.TryGetValue(chatbotId, out var hit) && hit.Until > now)
        {
            return hit.Channels;
        }
        var changes = Interlocked.Read(ref _changes);
        IReadOnlyList<ChannelInfo> channels;
        await using (var db = await dbFactory.CreateForTeamAsync(teamId, ct))
        {
            var rows = await db.ChatbotChannels.AsNoTracking().Where(c => c.ChatbotId == chatbotId).ToListAsync(ct);
            channels = rows.OrderBy(c => c.CreatedAt).Select(ToInfo).ToList();
        }
        if (Interlocked.Read(ref _changes) == changes)   // no change arrived while it loaded
        {
            if (_byChatbot.Count >= 50_000)
            {
                _byChatbot.Clear();
            }
            _byChatbot[chatbotId] = (channels, now + CacheLifetime);
        }
        return channels;
    }

    /// <summary>For public surfaces: the chatbot's hosted-page or API channel, or null when it has none (then the surface is on).</summary>
    /// <summary>
    /// The sites that may show a chatbot's public page in an iframe (its public-page channel's domains), across teams by
    /// the chatbot's public id; empty when none are listed or there is no such chatbot.
    /// </summary>
    public async Task<IReadOnlyList<string>> FindEmbeddingSitesAsync(Guid publicId, CancellationToken ct)
    {
        await using var db = await dbFactory.CreateDbContextAsync(ct);
        var json = await db.ChatbotChannels.IgnoreQueryFilters()
            .Where(c => c.Kind == ChannelKind.HostedPage && db.Chatbots.IgnoreQueryFilters().Any(b => b.Id == c.ChatbotId && b.PublicId == publicId))
            .Select(c => c.AllowedDomainsJson).FirstOrDefaultAsync(ct);
        return json is null ? [] : JsonSerializer.Deserialize<List<string>>(json) ?? [];
    }

    public async Task<ChannelInfo?> FindByKindAsync(Guid teamId, Guid chatbotId, ChannelKind kind, CancellationToken ct) =>
        (await ChannelsOfAsync(teamId, chatbotId, ct)).FirstOrDefault(c => c.Kind == kind);

    /// <summary>Records the widget version a channel was used with, at most once per <see cref="WidgetVersionResolution"/>.</summary>
    public async Task RecordWidgetVersionAsync(Guid teamId, Guid channelId, string version, CancellationToken ct)
    {
        version = version.Trim();
        if (version.Length is 0 or > 40)
        {
            return;
        }
        var now = clock.GetUtcNow().UtcDateTime;
        if (_widgetSeen.TryGetValue(channelId, out var seen) && seen.Version == version && now - seen.At < WidgetVersionResolution)
        {
            return;   // this process saw (and stored) it lately: no query
        }
        await using var db = await dbFactory.CreateForTeamAsync(teamId, ct);
        var channel = await db.ChatbotChannels.FirstOrDefaultAsync(c => c.Id == channelId, ct);
        if (channel is null)
        {
            return;
        }
        if (channel.LastSeenWidgetVersion == version && channel.LastSeenWidgetAt is { } at && now - at < WidgetVersionResolution)
        {
            _widgetSeen[channelId] = (version, at);
            return;
        }
        channel.LastSeenWidgetVersion = version;
        channel.LastSeenWidgetAt = now;
        await db.SaveChangesAsync(ct);
        _widgetSeen[channelId] = (version, now);
    }

    public static string DefaultName(ChannelKind kind) => kind switch
    {
        ChannelKind.HostedPage => "Public page",
        ChannelKind.Widget => "Chat widget",
        ChannelKind.Telegram => "Telegram",
        ChannelKind.WhatsAppTwilio => "WhatsApp (Twilio)",
        ChannelKind.SmsTwilio => "SMS (Twilio)",
        ChannelKind.WhatsAppMeta => "WhatsApp (Meta Cloud API)",
        _ => "API",
    };

    internal static ChannelInfo ToInfo(ChatbotChannel c) => new(c.Id, c.ChatbotId, c.Kind, c.Name, c.EmbedKey,
        JsonSerializer.Deserialize<List<string>>(c.AllowedDomainsJson) ?? [], c.Enabled, c.DisabledMessage, c.CreatedAt, c.LastSeenWidgetVersion,
        JsonSerializer.Deserialize<Dictionary<string, string>>(c.SettingsJson) ?? []);
}
