using System.Runtime.CompilerServices;
using Microsoft.EntityFrameworkCore;
using Microsoft.EntityFrameworkCore.ChangeTracking;
using Microsoft.EntityFrameworkCore.Diagnostics;
using OpenChatStudio.Core.Channels;
using OpenChatStudio.Core.Chat;
using OpenChatStudio.Core.Chatbots;
using OpenChatStudio.Core.ScaleOut;
using OpenChatStudio.Core.Versions;

namespace OpenChatStudio.Core.Data;

/// <summary>
/// Raises <see cref="ChangeNotices"/> after a save that added, changed or removed a chatbot, a chatbot version or a channel,
/// or that ended a session. Bulk <c>ExecuteUpdate</c>/<c>ExecuteDelete</c> on those tables (or on a session's status) would
/// bypass it: none exist, keep it that way.
/// </summary>
public sealed class ChangeNoticeInterceptor(ChangeNotices notices) : SaveChangesInterceptor
{
    private readonly ConditionalWeakTable<DbContext, Pending> _pending = new();

    private sealed record Pending(HashSet<Guid> Chatbots, HashSet<Guid> EndedSessions);

    public override InterceptionResult<int> SavingChanges(DbContextEventData eventData, InterceptionResult<int> result)
    {
        Collect(eventData.Context);
        return result;
    }

    public override ValueTask<InterceptionResult<int>> SavingChangesAsync(DbContextEventData eventData, InterceptionResult<int> result,
        CancellationToken cancellationToken = default)
    {
        Collect(eventData.Context);
        return ValueTask.FromResult(result);
    }

    public override int SavedChanges(SaveChangesCompletedEventData eventData, int result)
    {
        if (Take(eventData.Context) is { } pending)
        {
            notices.Publish(pending.Chatbots, pending.EndedSessions);
        }
        return result;
    }

    public override ValueTask<int> SavedChangesAsync(SaveChangesCompletedEventData eventData, int result,
        CancellationToken cancellationToken = default) => ValueTask.FromResult(SavedChanges(eventData, result));

    public override void SaveChangesFailed(DbContextErrorEventData eventData) => Take(eventData.Context);

    public override Task SaveChangesFailedAsync(DbContextErrorEventData eventData, CancellationToken cancellationToken = default)
    {
        Take(eventData.Context);
        return Task.CompletedTask;
    }

    private void Collect(DbContext? context)
    {
        if (context is null)
        {
            return;
        }
        Pending? pending = null;
        foreach (var entry in context.ChangeTracker.Entries())
        {
            if (entry.State is not (EntityState.Added or EntityState.Modified or EntityState.Deleted))
            {
                continue;
            }
            switch (entry.Entity)
            {
                case Chatbot c:
                    (pending ??= New()).Chatbots.Add(c.Id);
                    break;
                case ChatbotVersion v:
                    (pending ??= New()).Chatbots.Add(v.ChatbotId);
                    break;
                case ChatbotChannel ch:
                    (pending ??= New()).Chatbots.Add(ch.ChatbotId);
                    break;
                case ChatSession s when s.IsEnded && StatusChanged(entry):
                    (pending ??= New()).EndedSessions.Add(s.Id);
                    break;
            }
        }
        if (pending is not null)
        {
            _pending.AddOrUpdate(context, pending);
        }
    }

    private static bool StatusChanged(EntityEntry entry) =>
        entry.State == EntityState.Modified && entry.Property(nameof(ChatSession.Status)).IsModified;

    private static Pending New() => new([], []);

    private Pending? Take(DbContext? context) =>
        context is not null && _pending.TryGetValue(context, out var pending) && _pending.Remove(context) ? pending : null;
}
