namespace OpenChatStudio.Core.ApiKeys;

/// <summary>A key as lists show it: never the secret.</summary>
public sealed record ApiKeyInfo(Guid Id, string Name, string Prefix, bool ReadOnly, DateTime CreatedAt, DateTime? LastUsedAt, DateTime? RevokedAt)
{
    /// <summary>What a list shows to identify the key, e.g. <c>ocs_ab12cd34_…</c>.</summary>
    public string Display => $"{ApiKeyService.KeyStart}{Prefix}_…";
}

/// <summary>A newly created key: <see cref="Key"/> is shown once and never stored.</summary>
public sealed record CreatedApiKey(ApiKeyInfo Info, string Key);

/// <summary>Who a presented key belongs to.</summary>
public sealed record ApiKeyIdentity(Guid TeamId, Guid KeyId, bool ReadOnly);
