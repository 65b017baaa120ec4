namespace OpenChatStudio.Core.Channels;

/// <summary>A channel as pages show it.</summary>
public sealed record ChannelInfo(
    Guid Id,
    Guid ChatbotId,
    ChannelKind Kind,
    string Name,
    string? EmbedKey,
    IReadOnlyList<string> AllowedDomains,
    bool Enabled,
    string DisabledMessage,
    DateTime CreatedAt,
    string? LastSeenWidgetVersion,
    IReadOnlyDictionary<string, string>? Settings = null);

/// <summary>Editable fields of a channel. <see cref="AllowedDomains"/> applies to widget channels.</summary>
public sealed record ChannelUpdate(string Name, bool Enabled, string? DisabledMessage, IReadOnlyList<string>? AllowedDomains);
