using System.Collections.Concurrent;
using System.Text.Json;
using Microsoft.AspNetCore.DataProtection;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.Logging;
using OpenChatStudio.Core.Common;
using OpenChatStudio.Core.Data;
using OpenChatStudio.Core.ScaleOut;
using OpenChatStudio.Core.Teams;

namespace OpenChatStudio.Core.Channels.Messaging;

/// <summary>
/// Messaging channels (Telegram, WhatsApp, SMS): connecting one to a chatbot with its credentials (checked against the
/// platform first, stored encrypted, never shown again), changing them, testing the connection, removing it (the
/// webhook is removed where the platform allows). Webhooks find a channel's credentials with <see cref="FindAsync"/>,
/// answered from memory once warm and forgotten on every change (<see cref="ChangeNotices"/>).
/// </summary>
public sealed partial class MessagingChannelService
{
    /// <summary>The Data Protection purpose of channel credentials.</summary>
    public const string SecretsPurpose = "OpenChatStudio.Channels.Secrets.v1";

    /// <summary>The secret every channel gets for verifying webhook calls where the platform lets us choose one (Telegram).</summary>
    public const string WebhookSecretKey = "webhook_secret";

    private const string NoPermission = "Only editors and admins can change channels.";

    private readonly IDbContextFactory<AppDbContext> dbFactory;
    private readonly IDataProtector protector;
    private readonly Dictionary<ChannelKind, IMessagingPlatform> _platforms;
    private readonly MessagingOptions options;
    private readonly TimeProvider clock;
    private readonly ILogger<MessagingChannelService> logger;
    private readonly ConcurrentDictionary<Guid, (ChannelCredentials? Channel, DateTime Until)> _cache = new();
    private long _changes;

    public MessagingChannelService(IDbContextFactory<AppDbContext> dbFactory, IDataProtectionProvider protection,
        IEnumerable<IMessagingPlatform> platforms, MessagingOptions options, TimeProvider clock, ILogger<MessagingChannelService> logger,
        ChangeNotices? notices = null)
    {
        this.dbFactory = dbFactory;
        protector = protection.CreateProtector(SecretsPurpose);
        _platforms = platforms.ToDictionary(p => p.Info.Kind);
        this.options = options;
        this.clock = clock;
        this.logger = logger;
        notices?.OnChatbotChanged(chatbotId =>
        {
            Interlocked.Increment(ref _changes);
            foreach (var (id, entry) in _cache)
            {
                if (entry.Channel is null || entry.Channel.ChatbotId == chatbotId)
                {
                    _cache.TryRemove(id, out _);
                }
            }
        });
    }

    /// <summary>The platforms this server can connect, in the order the setup form offers them.</summary>
    public IReadOnlyList<MessagingPlatformInfo> Platforms => _platforms.Values.Select(p => p.Info).OrderBy(i => i.Kind).ToList();

    public IMessagingPlatform? Platform(ChannelKind kind) => _platforms.GetValueOrDefault(kind);

    /// <summary>Whether <paramref name="webhookSegment"/> is the webhook path of some platform (several may share one, as Twilio's do).</summary>
    public bool IsWebhookSegment(string webhookSegment) =>
        _platforms.Values.Any(p => string.Equals(p.Info.WebhookSegment, webhookSegment, StringComparison.OrdinalIgnoreCase));

    public static bool IsMessaging(ChannelKind kind) => kind is ChannelKind.Telegram or ChannelKind.WhatsAppTwilio or ChannelKind.SmsTwilio
        or ChannelKind.WhatsAppMeta;

    /// <summary>Where the platform sends a channel's messages: <c>{base}/channels/{segment}/{channelId}</c>.</summary>
    public Uri WebhookUrl(ChannelKind kind, Guid channelId, string? requestBaseUrl)
    {
        var root = !string.IsNullOrWhiteSpace(options.PublicBaseUrl) ? options.PublicBaseUrl : requestBaseUrl ?? "http://localhost";
        var segment = Platform(kind)?.Info.WebhookSegment ?? kind.ToString().ToLowerInvariant();
        return new Uri($"{root.TrimEnd('/')}/channels/{segment}/{channelId}");
    }

    /// <summary>
    /// The URL a platform called, as it saw it (Twilio signs it): the configured public base URL with the request's path
    /// and query, or the request's own URL when none is configured.
    /// </summary>
    public string PublicUrlOf(string requestUrl)
    {
        if (string.IsNullOrWhiteSpace(options.PublicBaseUrl) || !Uri.TryCreate(requestUrl, UriKind.Absolute, out var url))
        {
            return requestUrl;
        }
        return options.PublicBaseUrl.TrimEnd('/') + url.PathAndQuery;
    }

    /// <summary>A messaging channel with decrypted credentials, across teams (webhooks know only its id); null when unknown.</summary>
    public async Task<ChannelCredentials?> FindAsync(Guid channelId, CancellationToken ct)
    {
        var now = clock.GetUtcNow().UtcDateTime;
        if (_cache.TryGetValue(channelId, out var hit) && hit.Until > now)
        {
            return hit.Channel;
        }
        var changes = Interlocked.Read(ref _changes);
        ChatbotChannel? row;
        await using (var db = await dbFactory.CreateDbContextAsync(ct))
        {
            row = await db.ChatbotChannels.IgnoreQueryFilters().AsNoTracking().FirstOrDefaultAsync(c => c.Id == channelId, ct);
        }
        var channel = row is not null && IsMessaging(row.Kind) ? ToCredentials(row) : null;
        if (Interlocked.Read(ref _changes) == changes)
        {
            if (_cache.Count >= 10_000)
            {
                _cache.Clear();
            }
            _cache[channelId] = (channel, now + ChannelService.CacheLifetime);
        }
        return channel;
    }

    /// <summary>
    /// Connects a chatbot to a platform: checks the form, tests the credentials against the platform (a channel that
    /// cannot work is not saved), stores them encrypted and registers the webhook where the platform allows.
    /// </summary>
    public async Task<Result<ChannelInfo>> CreateAsync(TeamAccess access, Guid chatbotId, ChannelKind kind, string? name,
        IReadOnlyDictionary<string, string> settings, IReadOnlyDictionary<string, string> secrets, string? requestBaseUrl, CancellationToken ct)
    {
        if (!access.Can(TeamPermission.EditChannels))
        {
            return Result<ChannelInfo>.Fail(NoPermission);
        }
        if (Platform(kind) is not { } platform)
        {
            return Result<ChannelInfo>.Fail("This server cannot connect that platform.");
        }
        name = string.IsNullOrWhiteSpace(name) ? platform.Info.DisplayName : name.Trim();
        if (name.Length > ChannelService.MaxNameLength)
        {
            return Result<ChannelInfo>.Fail($"Channel names are at most {ChannelService.MaxNameLength} characters.");
        }
        var (cleanSettings, cleanSecrets, problem) = Clean(platform, settings, secrets, stored: null);
        if (problem is not null)
        {
            return Result<ChannelInfo>.Fail(problem);
        }
        cleanSecrets[WebhookSecretKey] = SecureToken.Create(24);
        foreach (var generated in platform.Info.Generated)
        {
            cleanSettings[generated.Key] = SecureToken.Create(18);
        }
        await using var db = await dbFactory.CreateForTeamAsync(access.TeamId, ct);
        if (!await db.Chatbots.AnyAsync(c => c.Id == chatbotId, ct))
        {
            return Result<ChannelInfo>.Fail("That chatbot does not exist in this team.");
        }
        var channel = new ChatbotChannel(access.TeamId, chatbotId, kind, name, clock.GetUtcNow().UtcDateTime)
        {
            SettingsJson = JsonSerializer.Serialize(cleanSettings),
            ProtectedSecrets = protector.Protect(JsonSerializer.Serialize(cleanSecrets)),
        };
        if (await ConnectAsync(platform, channel, requestBaseUrl, ct) is { } refused)
        {
            return Result<ChannelInfo>.Fail(refused);
        }
        db.ChatbotChannels.Add(channel);
        await db.SaveChangesAsync(ct);
        return Result<ChannelInfo>.Ok(ChannelService.ToInfo(channel));
    }

    /// <summary>Changes a channel's settings and credentials; a secret left empty keeps the stored one.</summary>
    public async Task<Result<ChannelInfo>> UpdateCredentialsAsync(TeamAccess access, Guid channelId, IReadOnlyDictionary<string, string> settings,
        IReadOnlyDictionary<string, string> secrets, string? requestBaseUrl, CancellationToken ct)
    {
        if (!access.Can(TeamPermission.EditChannels))
        {
            return Result<ChannelInfo>.Fail(NoPermission);
        }
        await using var db = await dbFactory.CreateForTeamAsync(access.TeamId, ct);
        var channel = await db.ChatbotChannels.FirstOrDefaultAsync(c => c.Id == channelId, ct);
        if (channel is null || Platform(channel.Kind) is not { } platform)
        {
            return Result<ChannelInfo>.Fail("That channel does not exist in this team.");
        }
        var stored = ToCredentials(channel);
        var (cleanSettings, cleanSecrets, problem) = Clean(platform, settings, secrets, stored);
        if (problem is not null)
        {
            return Result<ChannelInfo>.Fail(problem);
        }
        channel.SettingsJson = JsonSerializer.Serialize(cleanSettings);
        channel.ProtectedSecrets = protector.Protect(JsonSerializer.Serialize(cleanSecrets));
        if (await ConnectAsync(platform, channel, requestBaseUrl, ct) is { } refused)
        {
            return Result<ChannelInfo>.Fail(refused);
        }
        await db.SaveChangesAsync(ct);
        return Result<ChannelInfo>.Ok(ChannelService.ToInfo(channel));
    }

    /// <summary>Turns conversational consent on or off for a channel (it uses the consent form of the chatbot's published version).</summary>
    public async Task<Result<ChannelInfo>> SetConsentAsync(TeamAccess access, Guid channelId, bool on, CancellationToken ct)
    {
        if (!access.Can(TeamPermission.EditChannels))
        {
            return Result<ChannelInfo>.Fail(NoPermission);
        }
        await using var db = await dbFactory.CreateForTeamAsync(access.TeamId, ct);
        var channel = await db.ChatbotChannels.FirstOrDefaultAsync(c => c.Id == channelId, ct);
        if (channel is null || !IsMessaging(channel.Kind))
        {
            return Result<ChannelInfo>.Fail("That channel does not exist in this team.");
        }
        if (on && !await db.ChatbotVersions.AnyAsync(v => v.ChatbotId == channel.ChatbotId && v.IsPublished && v.ConsentFormId != null, ct))
        {
            return Result<ChannelInfo>.Fail("Choose a consent form in the chatbot's settings and publish a version first: its text is what participants agree to.");
        }
        var settings = JsonSerializer.Deserialize<Dictionary<string, string>>(channel.SettingsJson) ?? [];
        settings[MessagingInbox.ConsentSetting] = on ? "on" : "";
        channel.SettingsJson = JsonSerializer.Serialize(settings);
        await db.SaveChangesAsync(ct);
        return Result<ChannelInfo>.Ok(ChannelService.ToInfo(channel));
    }

    /// <summary>
    /// Chooses the team provider that transcribes voice notes on a channel (null: voice notes are answered with "not
    /// supported"); it must be an OpenAI or OpenAI-compatible provider of the team.
    /// </summary>
    public async Task<Result<ChannelInfo>> SetTranscriptionAsync(TeamAccess access, Guid channelId, Guid? providerId, string? model, CancellationToken ct)
    {
        if (!access.Can(TeamPermission.EditChannels))
        {
            return Result<ChannelInfo>.Fail(NoPermission);
        }
        await using var db = await dbFactory.CreateForTeamAsync(access.TeamId, ct);
        var channel = await db.ChatbotChannels.FirstOrDefaultAsync(c => c.Id == channelId, ct);
        if (channel is null || !IsMessaging(channel.Kind))
        {
            return Result<ChannelInfo>.Fail("That channel does not exist in this team.");
        }
        if (providerId is { } id)
        {
            var type = await db.LlmProviders.Where(p => p.Id == id).Select(p => (Llm.LlmProviderType?)p.Type).FirstOrDefaultAsync(ct);
            if (type is null || !VoiceTranscriber.Supported.Contains(type.Value))
            {
                return Result<ChannelInfo>.Fail("Choose one of the team's OpenAI or OpenAI-compatible providers: they transcribe with /audio/transcriptions.");
            }
        }
        model = model?.Trim() ?? "";
        if (model.Length > 100)
        {
            return Result<ChannelInfo>.Fail("The model name is at most 100 characters.");
        }
        var settings = JsonSerializer.Deserialize<Dictionary<string, string>>(channel.SettingsJson) ?? [];
        settings[VoiceTranscriber.ProviderSetting] = providerId?.ToString() ?? "";
        settings[VoiceTranscriber.ModelSetting] = model;
        channel.SettingsJson = JsonSerializer.Serialize(settings);
        await db.SaveChangesAsync(ct);
        return Result<ChannelInfo>.Ok(ChannelService.ToInfo(channel));
    }

    /// <summary>Checks a stored channel's credentials against its platform.</summary>
    public async Task<ConnectionCheck> TestAsync(TeamAccess access, Guid channelId, CancellationToken ct)
    {
        await using var db = await dbFactory.CreateForTeamAsync(access.TeamId, ct);
        var channel = await db.ChatbotChannels.AsNoTracking().FirstOrDefaultAsync(c => c.Id == channelId, ct);
        if (channel is null || Platform(channel.Kind) is not { } platform)
        {
            return new ConnectionCheck(false, "That channel does not exist in this team.");
        }
        return await platform.TestConnectionAsync(ToCredentials(channel), ct);
    }

    /// <summary>
    /// Removes a messaging channel: the platform is told to stop sending first (best effort: a platform that cannot be
    /// reached does not keep the channel), then the channel goes. Its sessions and transcripts stay.
    /// </summary>
    public async Task<Result<bool>> DeleteAsync(TeamAccess access, Guid channelId, CancellationToken ct)
    {
        if (!access.Can(TeamPermission.EditChannels))
        {
            return Result<bool>.Fail(NoPermission);
        }
        await using var db = await dbFactory.CreateForTeamAsync(access.TeamId, ct);
        var channel = await db.ChatbotChannels.FirstOrDefaultAsync(c => c.Id == channelId, ct);
        if (channel is null || !IsMessaging(channel.Kind))
        {
            return Result<bool>.Fail("That channel does not exist in this team.");
        }
        if (Platform(channel.Kind) is { Info.RegistersWebhook: true } platform)
        {
            try
            {
                await platform.UnregisterWebhookAsync(ToCredentials(channel), ct);
            }
            catch (Exception ex) when (ex is ChannelSendException or HttpRequestException)
            {
                LogUnregisterFailed(ex, channelId);
            }
        }
        db.ChatbotChannels.Remove(channel);
        await db.SaveChangesAsync(ct);
        return Result<bool>.Ok(true);
    }

    /// <summary>Tests the channel's credentials and registers its webhook where the platform allows; the reason when either fails.</summary>
    private async Task<string?> ConnectAsync(IMessagingPlatform platform, ChatbotChannel channel, string? requestBaseUrl, CancellationToken ct)
    {
        var credentials = ToCredentials(channel);
        var check = await platform.TestConnectionAsync(credentials, ct);
        if (!check.Ok)
        {
            return check.Message;
        }
        if (!platform.Info.RegistersWebhook)
        {
            return null;
        }
        try
        {
            await platform.RegisterWebhookAsync(credentials, WebhookUrl(channel.Kind, channel.Id, requestBaseUrl), ct);
            return null;
        }
        catch (ChannelSendException ex)
        {
            return $"{platform.Info.DisplayName} refused the webhook: {ex.Message}";
        }
    }

    private (Dictionary<string, string> Settings, Dictionary<string, string> Secrets, string? Problem) Clean(IMessagingPlatform platform,
        IReadOnlyDictionary<string, string> settings, IReadOnlyDictionary<string, string> secrets, ChannelCredentials? stored)
    {
        var kept = platform.Info.Generated.Select(g => g.Key)
            .Concat([MessagingInbox.ConsentSetting, VoiceTranscriber.ProviderSetting, VoiceTranscriber.ModelSetting]).ToHashSet(StringComparer.Ordinal);
        var cleanSettings = stored is null
            ? new Dictionary<string, string>(StringComparer.Ordinal)
            : stored.Settings.Where(p => kept.Contains(p.Key)).ToDictionary(p => p.Key, p => p.Value, StringComparer.Ordinal);
        var cleanSecrets = stored is null
            ? new Dictionary<string, string>(StringComparer.Ordinal)
            : new Dictionary<string, string>(stored.Secrets, StringComparer.Ordinal);
        foreach (var field in platform.Info.Fields)
        {
            var given = ((field.Secret ? secrets : settings).GetValueOrDefault(field.Key) ?? "").Trim();
            if (given.Length > 2000)
            {
                return (cleanSettings, cleanSecrets, $"{field.Label} is too long.");
            }
            if (field.Secret)
            {
                if (given.Length > 0)
                {
                    cleanSecrets[field.Key] = given;
                }
                else if (field.Required && !cleanSecrets.ContainsKey(field.Key))
                {
                    return (cleanSettings, cleanSecrets, $"Enter the {field.Label.ToLowerInvariant()}.");
                }
            }
            else
            {
                if (given.Length == 0 && field.Required)
                {
                    return (cleanSettings, cleanSecrets, $"Enter the {field.Label.ToLowerInvariant()}.");
                }
                cleanSettings[field.Key] = given;
            }
        }
        return (cleanSettings, cleanSecrets, platform.Validate(cleanSettings, cleanSecrets));
    }

    private ChannelCredentials ToCredentials(ChatbotChannel c)
    {
        var settings = JsonSerializer.Deserialize<Dictionary<string, string>>(c.SettingsJson) ?? [];
        var secrets = string.IsNullOrEmpty(c.ProtectedSecrets)
            ? []
            : JsonSerializer.Deserialize<Dictionary<string, string>>(protector.Unprotect(c.ProtectedSecrets)) ?? [];
        return new ChannelCredentials(c.Id, c.TeamId, c.ChatbotId, c.Kind, c.Enabled, c.EffectiveDisabledMessage, settings, secrets);
    }

    [LoggerMessage(Level = LogLevel.Warning, Message = "Could not remove the webhook of channel {ChannelId}")]
    private partial void LogUnregisterFailed(Exception ex, Guid channelId);
}
