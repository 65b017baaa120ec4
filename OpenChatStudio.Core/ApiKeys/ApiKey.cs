using OpenChatStudio.Core.Teams;
using OpenChatStudio.Core.Audit;

namespace OpenChatStudio.Core.ApiKeys;

/// <summary>
/// A team API key. Only a SHA-256 hash of the full key is stored; the key itself is shown once when created.
/// Keys are read-only by default (as in OCS); a read-only key cannot send chat messages.
/// </summary>
[Audited("API key")]
public sealed class ApiKey : ITeamOwned
{
    public Guid Id { get; private set; } = Guid.NewGuid();

    public Guid TeamId { get; private set; }

    public string Name { get; private set; } = "";

    /// <summary>The random part after <c>ocs_</c>, shown in lists so a key can be recognised.</summary>
    public string Prefix { get; private set; } = "";

    /// <summary>Lower-case hex SHA-256 of the full key.</summary>
    [AuditSecret]

    public string Hash { get; private set; } = "";

    public bool ReadOnly { get; private set; } = true;

    /// <summary>The admin who created it; null when created by an operator with the admin CLI.</summary>
    public Guid? CreatedByUserId { get; private set; }

    public DateTime CreatedAt { get; private set; }

    [AuditIgnore]

    public DateTime? LastUsedAt { get; set; }

    public DateTime? RevokedAt { get; private set; }

    private ApiKey()
    {
    }

    public ApiKey(Guid teamId, string name, string prefix, string hash, bool readOnly, Guid? createdBy, DateTime now)
    {
        TeamId = teamId;
        Name = name;
        Prefix = prefix;
        Hash = hash;
        ReadOnly = readOnly;
        CreatedByUserId = createdBy;
        CreatedAt = now;
    }

    public bool IsRevoked => RevokedAt is not null;

    public void Revoke(DateTime now) => RevokedAt ??= now;
}
