using OpenChatStudio.Core.Teams;

namespace OpenChatStudio.Core.Audit;

/// <summary>One change to an audited object: who did what to which object, and which fields changed (never secret values).</summary>
public sealed class AuditEntry : ITeamOwned
{
    public Guid Id { get; private set; } = Guid.NewGuid();

    public Guid TeamId { get; private set; }

    public DateTime At { get; private set; }

    public Guid? ActorUserId { get; private set; }

    /// <summary>The person (email), "API key &lt;name&gt;", or "system" for background work.</summary>
    public string ActorName { get; private set; } = "";

    /// <summary>created, updated or deleted.</summary>
    public string Action { get; private set; } = "";

    /// <summary>What kind of object, for people: Chatbot, Version, LLM provider, Channel, Membership…</summary>
    public string EntityType { get; private set; } = "";

    public string EntityId { get; private set; } = "";

    /// <summary>The object's name when it has one.</summary>
    public string EntityName { get; private set; } = "";

    /// <summary>JSON object: field → {"from": …, "to": …}; secrets appear as "(changed)".</summary>
    public string ChangesJson { get; private set; } = "{}";

    private AuditEntry()
    {
    }

    public AuditEntry(Guid teamId, DateTime at, AuditActor actor, string action, string entityType, string entityId, string entityName, string changesJson)
    {
        TeamId = teamId;
        At = at;
        ActorUserId = actor.UserId;
        ActorName = actor.Name;
        Action = action;
        EntityType = entityType;
        EntityId = entityId;
        EntityName = entityName;
        ChangesJson = changesJson;
    }
}

/// <summary>Who is making changes on the current async flow.</summary>
public sealed record AuditActor(Guid? UserId, string Name)
{
    public static readonly AuditActor System = new(null, "system");

    private static readonly AsyncLocal<AuditActor?> CurrentActor = new();

    /// <summary>The actor of the current request, circuit event or job; <see cref="System"/> when none was set.</summary>
    public static AuditActor Current => CurrentActor.Value ?? System;

    /// <summary>Sets the actor until the returned scope is disposed (HTTP middleware, Blazor circuit activity, jobs).</summary>
    public static IDisposable Begin(AuditActor actor)
    {
        var previous = CurrentActor.Value;
        CurrentActor.Value = actor;
        return new Scope(previous);
    }

    private sealed class Scope(AuditActor? previous) : IDisposable
    {
        public void Dispose() => CurrentActor.Value = previous;
    }
}

/// <summary>Marks an entity whose changes go to the audit log, with the name people see for its kind.</summary>
[AttributeUsage(AttributeTargets.Class)]
public sealed class AuditedAttribute(string displayName) : Attribute
{
    public string DisplayName { get; } = displayName;
}

/// <summary>A property whose value never goes to the audit log (keys, hashes, encrypted data): only "(changed)" is recorded.</summary>
[AttributeUsage(AttributeTargets.Property)]
public sealed class AuditSecretAttribute : Attribute;

/// <summary>A property left out of the audit log (bookkeeping such as UpdatedAt, or large documents recorded as "(changed)").</summary>
[AttributeUsage(AttributeTargets.Property)]
public sealed class AuditIgnoreAttribute : Attribute;

/// <summary>A large document (a pipeline, a layout) recorded only as "(changed)".</summary>
[AttributeUsage(AttributeTargets.Property)]
public sealed class AuditOpaqueAttribute : Attribute;
