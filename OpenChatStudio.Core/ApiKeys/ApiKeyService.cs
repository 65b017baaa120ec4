using System.Collections.Concurrent;
using System.Security.Cryptography;
using System.Text;
using Microsoft.EntityFrameworkCore;
using OpenChatStudio.Core.Common;
using OpenChatStudio.Core.Data;
using OpenChatStudio.Core.ScaleOut;
using OpenChatStudio.Core.Teams;

namespace OpenChatStudio.Core.ApiKeys;

/// <summary>
/// Team API keys: admins create and revoke them; the API authenticates requests with them. A key looks like
/// <c>ocs_&lt;prefix&gt;_&lt;secret&gt;</c>; only its SHA-256 hash is stored. A key that authenticated is remembered (by its
/// hash) for <see cref="AuthenticationCacheTime"/>, so a busy client costs one lookup per key every few seconds rather
/// than one per request; revoking a key forgets it at once in this process and, with Redis configured, in every other
/// instance (<see cref="IInstanceMessages"/>; without Redis, other instances — if any — within that time).
/// </summary>
public sealed class ApiKeyService
{
    public const string RevokedTopic = "api-key-revoked";

    private readonly IDbContextFactory<AppDbContext> dbFactory;
    private readonly TimeProvider clock;
    private readonly IInstanceMessages instances;

    public ApiKeyService(IDbContextFactory<AppDbContext> dbFactory, TimeProvider clock, IInstanceMessages? instances = null)
    {
        this.dbFactory = dbFactory;
        this.clock = clock;
        this.instances = instances ?? SingleInstanceMessages.Instance;
        this.instances.Subscribe(RevokedTopic, message =>
        {
            if (Guid.TryParse(message, out var keyId))
            {
                Forget(keyId);
            }
        });
    }

    public const string KeyStart = "ocs_";

    public const int PrefixLength = 8;

    public const int MaxNameLength = 100;

    /// <summary>LastUsedAt is written at most this often per key.</summary>
    public static readonly TimeSpan LastUsedResolution = TimeSpan.FromMinutes(1);

    /// <summary>How long a successful authentication is reused without reading the key again.</summary>
    public static readonly TimeSpan AuthenticationCacheTime = TimeSpan.FromSeconds(10);

    private const int MaxRemembered = 10_000;

    private const string PrefixAlphabet = "abcdefghijklmnopqrstuvwxyz0123456789";

    private readonly ConcurrentDictionary<string, (ApiKeyIdentity Identity, DateTime Until)> _recent = new(StringComparer.Ordinal);

    public async Task<Result<CreatedApiKey>> CreateAsync(TeamAccess access, string? name, bool readOnly, CancellationToken ct)
    {
        if (!access.Can(TeamPermission.ManageSettings))
        {
            return Result<CreatedApiKey>.Fail("Only team admins can create API keys.");
        }
        return await CreateForTeamAsync(access.TeamId, name, readOnly, access.UserId, ct);
    }

    /// <summary>For operators (admin CLI): creates a key for the team with this slug.</summary>
    public async Task<Result<CreatedApiKey>> CreateForTeamSlugAsync(string slug, string? name, bool readOnly, CancellationToken ct)
    {
        await using var db = await dbFactory.CreateDbContextAsync(ct);
        var teamId = await db.Teams.Where(t => t.Slug == slug).Select(t => (Guid?)t.Id).FirstOrDefaultAsync(ct);
        return teamId is null
            ? Result<CreatedApiKey>.Fail($"No team with slug '{slug}'.")
            : await CreateForTeamAsync(teamId.Value, name, readOnly, null, ct);
    }

    public async Task<IReadOnlyList<ApiKeyInfo>> ListAsync(TeamAccess access, CancellationToken ct)
    {
        if (!access.Can(TeamPermission.ManageSettings))
        {
            return [];
        }
        await using var db = await dbFactory.CreateForTeamAsync(access.TeamId, ct);
        var keys = await db.ApiKeys.AsNoTracking().ToListAsync(ct);
        return keys.OrderBy(k => k.IsRevoked).ThenByDescending(k => k.CreatedAt).Select(ToInfo).ToList();
    }

    public async Task<Result<ApiKeyInfo>> RevokeAsync(TeamAccess access, Guid keyId, CancellationToken ct)
    {
        if (!access.Can(TeamPermission.ManageSettings))
        {
            return Result<ApiKeyInfo>.Fail("Only team admins can revoke API keys.");
        }
        await using var db = await dbFactory.CreateForTeamAsync(access.TeamId, ct);
        var key = await db.ApiKeys.FirstOrDefaultAsync(k => k.Id == keyId, ct);
        if (key is null)
        {
            return Result<ApiKeyInfo>.Fail("No API key with that id in this team.");
        }
        key.Revoke(clock.GetUtcNow().UtcDateTime);
        await db.SaveChangesAsync(ct);
        Forget(key.Id);
        await instances.PublishAsync(RevokedTopic, key.Id.ToString(), ct);
        return Result<ApiKeyInfo>.Ok(ToInfo(key));
    }

    /// <summary>The team and key a presented key belongs to, or null when it is malformed, unknown or revoked.</summary>
    public async Task<ApiKeyIdentity?> AuthenticateAsync(string? presentedKey, CancellationToken ct)
    {
        var prefix = ParsePrefix(presentedKey);
        if (prefix is null)
        {
            return null;
        }
        var presentedHash = HashBytes(presentedKey!);
        var remembered = Convert.ToHexString(presentedHash);
        var now = clock.GetUtcNow().UtcDateTime;
        if (_recent.TryGetValue(remembered, out var recent) && recent.Until > now)
        {
            return recent.Identity;
        }
        await using var db = await dbFactory.CreateDbContextAsync(ct);
        // Keys cross teams here on purpose: the key is what tells us the team.
        var candidates = await db.ApiKeys.IgnoreQueryFilters().AsNoTracking().Where(k => k.Prefix == prefix).ToListAsync(ct);
        ApiKey? match = null;
        foreach (var candidate in candidates)
        {
            if (CryptographicOperations.FixedTimeEquals(presentedHash, Convert.FromHexString(candidate.Hash)))
            {
                match = candidate;
            }
        }
        if (match is null || match.IsRevoked)
        {
            return null;
        }
        if (match.LastUsedAt is null || now - match.LastUsedAt.Value >= LastUsedResolution)
        {
            var threshold = now - LastUsedResolution;
            await db.ApiKeys.IgnoreQueryFilters().Where(k => k.Id == match.Id && (k.LastUsedAt == null || k.LastUsedAt <= threshold))
                .ExecuteUpdateAsync(s => s.SetProperty(k => k.LastUsedAt, now), ct);
        }
        var identity = new ApiKeyIdentity(match.TeamId, match.Id, match.ReadOnly);
        if (_recent.Count >= MaxRemembered)
        {
            _recent.Clear();
        }
        _recent[remembered] = (identity, now + AuthenticationCacheTime);
        return identity;
    }

    private void Forget(Guid keyId)
    {
        foreach (var (hash, entry) in _recent)
        {
            if (entry.Identity.KeyId == keyId)
            {
                _recent.TryRemove(hash, out _);
            }
        }
    }

    public static string HashKey(string key) => Convert.ToHexStringLower(HashBytes(key));

    private static byte[] HashBytes(string key) => SHA256.HashData(Encoding.UTF8.GetBytes(key));

    private static string? ParsePrefix(string? key)
    {
        if (string.IsNullOrEmpty(key) || key.Length > 200 || !key.StartsWith(KeyStart, StringComparison.Ordinal) ||
            key.Length < KeyStart.Length + PrefixLength + 2 || key[KeyStart.Length + PrefixLength] != '_')
        {
            return null;
        }
        return key.Substring(KeyStart.Length, PrefixLength);
    }

    private async Task<Result<CreatedApiKey>> CreateForTeamAsync(Guid teamId, string? name, bool readOnly, Guid? createdBy, CancellationToken ct)
    {
        name = name?.Trim();
        if (string.IsNullOrEmpty(name))
        {
            return Result<CreatedApiKey>.Fail("Give the API key a name.");
        }
        if (name.Length > MaxNameLength)
        {
            return Result<CreatedApiKey>.Fail($"The name can be at most {MaxNameLength} characters.");
        }
        var prefix = RandomNumberGenerator.GetString(PrefixAlphabet, PrefixLength);
        var key = $"{KeyStart}{prefix}_{SecureToken.Create(32)}";
        var row = new ApiKey(teamId, name, prefix, HashKey(key), readOnly, createdBy, clock.GetUtcNow().UtcDateTime);
        await using var db = await dbFactory.CreateForTeamAsync(teamId, ct);
        db.ApiKeys.Add(row);
        await db.SaveChangesAsync(ct);
        return Result<CreatedApiKey>.Ok(new CreatedApiKey(ToInfo(row), key));
    }

    private static ApiKeyInfo ToInfo(ApiKey k) => new(k.Id, k.Name, k.Prefix, k.ReadOnly, k.CreatedAt, k.LastUsedAt, k.RevokedAt);
}
