using System.Collections.Concurrent;
using System.Reflection;
using System.Text.Json.Nodes;
using Microsoft.EntityFrameworkCore;
using Microsoft.EntityFrameworkCore.ChangeTracking;
using Microsoft.EntityFrameworkCore.Diagnostics;
using OpenChatStudio.Core.Teams;

namespace OpenChatStudio.Core.Audit;

/// <summary>
/// Writes an <see cref="AuditEntry"/> for every created, changed or deleted <see cref="AuditedAttribute"/> entity in the same
/// transaction as the change. Values of <see cref="AuditSecretAttribute"/> properties are never recorded.
/// </summary>
public sealed class AuditInterceptor(TimeProvider clock) : SaveChangesInterceptor
{
    private const int MaxValueLength = 300;
    private static readonly ConcurrentDictionary<Type, string?> DisplayNames = new();
    private static readonly ConcurrentDictionary<(Type, string), PropertyKind> Kinds = new();

    private enum PropertyKind
    {
        Normal,
        Secret,
        Ignored,
    }

    public override InterceptionResult<int> SavingChanges(DbContextEventData eventData, InterceptionResult<int> result)
    {
        Record(eventData.Context);
        return result;
    }

    public override ValueTask<InterceptionResult<int>> SavingChangesAsync(DbContextEventData eventData, InterceptionResult<int> result,
        CancellationToken cancellationToken = default)
    {
        Record(eventData.Context);
        return ValueTask.FromResult(result);
    }

    private void Record(DbContext? context)
    {
        if (context is null)
        {
            return;
        }
        context.ChangeTracker.DetectChanges();
        var entries = new List<AuditEntry>();
        var now = clock.GetUtcNow().UtcDateTime;
        var actor = AuditActor.Current;
        foreach (var entry in context.ChangeTracker.Entries())
        {
            if (entry.State is not (EntityState.Added or EntityState.Modified or EntityState.Deleted) ||
                DisplayName(entry.Entity.GetType()) is not { } kind)
            {
                continue;
            }
            var teamId = entry.Entity switch
            {
                ITeamOwned owned => owned.TeamId,
                Team team => team.Id,
                _ => Guid.Empty,
            };
            if (teamId == Guid.Empty)
            {
                continue;
            }
            var changes = Changes(entry);
            if (entry.State == EntityState.Modified && changes.Count == 0)
            {
                continue;
            }
            var action = entry.State switch { EntityState.Added => "created", EntityState.Deleted => "deleted", _ => "updated" };
            var id = entry.Properties.FirstOrDefault(p => p.Metadata.IsPrimaryKey())?.CurrentValue?.ToString() ?? "";
            var name = entry.Properties.FirstOrDefault(p => p.Metadata.Name is "Name" or "Email" or "Topic")?.CurrentValue as string ?? "";
            entries.Add(new AuditEntry(teamId, now, actor, action, kind, id, Truncate(name), changes.ToJsonString()));
        }
        if (entries.Count > 0)
        {
            context.Set<AuditEntry>().AddRange(entries);
        }
    }

    private static JsonObject Changes(EntityEntry entry)
    {
        var changes = new JsonObject();
        foreach (var property in entry.Properties)
        {
            if (property.Metadata.IsPrimaryKey() || property.Metadata.Name == nameof(ITeamOwned.TeamId))
            {
                continue;
            }
            var kind = Kind(entry.Entity.GetType(), property.Metadata.Name);
            if (kind == PropertyKind.Ignored)
            {
                continue;
            }
            object? from = entry.State == EntityState.Added ? null : property.OriginalValue;
            object? to = entry.State == EntityState.Deleted ? null : property.CurrentValue;
            if (entry.State == EntityState.Modified && (!property.IsModified || Equals(from, to)))
            {
                continue;
            }
            if (entry.State != EntityState.Modified && (kind == PropertyKind.Secret || to is null && from is null))
            {
                continue;
            }
            changes[property.Metadata.Name] = kind == PropertyKind.Secret
                ? "(changed)"
                : new JsonObject { ["from"] = Value(from), ["to"] = Value(to) };
        }
        return changes;
    }

    private static JsonNode? Value(object? value) => value switch
    {
        null => null,
        bool b => b,
        int i => i,
        long l => l,
        decimal d => d,
        double d => d,
        DateTime t => t.ToString("O"),
        _ => Truncate(value.ToString() ?? ""),
    };

    private static string Truncate(string text) => text.Length <= MaxValueLength ? text : text[..MaxValueLength] + "…";

    private static string? DisplayName(Type type) =>
        DisplayNames.GetOrAdd(type, t => t.GetCustomAttribute<AuditedAttribute>()?.DisplayName);

    private static PropertyKind Kind(Type type, string property) => Kinds.GetOrAdd((type, property), key =>
    {
        var info = key.Item1.GetProperty(key.Item2, BindingFlags.Public | BindingFlags.NonPublic | BindingFlags.Instance);
        return info?.GetCustomAttribute<AuditSecretAttribute>() is not null || info?.GetCustomAttribute<AuditOpaqueAttribute>() is not null
            ? PropertyKind.Secret
            : info?.GetCustomAttribute<AuditIgnoreAttribute>() is not null ? PropertyKind.Ignored
            : PropertyKind.Normal;
    });
}
