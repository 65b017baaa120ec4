using Microsoft.EntityFrameworkCore;
using Microsoft.EntityFrameworkCore.Diagnostics;

namespace OpenChatStudio.Core.Data;

/// <summary>
/// Timestamps from the app's <see cref="TimeProvider"/>, never the wall clock directly, so a test's fake clock governs every
/// stored time: a new row's <c>CreatedAt</c>/<c>JoinedAt</c>/<c>AcceptedAt</c>/<c>UpdatedAt</c> left unset gets "now" when
/// it is saved, and any saved change to a chatbot moves its <see cref="Chatbots.Chatbot.UpdatedAt"/> (caches of the working
/// version use it as their stamp, so no caller has to remember to).
/// </summary>
public sealed class TimestampInterceptor(TimeProvider? clock = null) : SaveChangesInterceptor
{
    private static readonly string[] CreationTimes = ["CreatedAt", "JoinedAt", "AcceptedAt", "UpdatedAt"];

    private readonly TimeProvider _clock = clock ?? TimeProvider.System;

    public override InterceptionResult<int> SavingChanges(DbContextEventData eventData, InterceptionResult<int> result)
    {
        Stamp(eventData.Context);
        return result;
    }

    public override ValueTask<InterceptionResult<int>> SavingChangesAsync(DbContextEventData eventData, InterceptionResult<int> result,
        CancellationToken cancellationToken = default)
    {
        Stamp(eventData.Context);
        return ValueTask.FromResult(result);
    }

    private void Stamp(DbContext? context)
    {
        if (context is null)
        {
            return;
        }
        var now = _clock.GetUtcNow().UtcDateTime;
        foreach (var entry in context.ChangeTracker.Entries())
        {
            if (entry.State == EntityState.Added)
            {
                foreach (var name in CreationTimes)
                {
                    if (entry.Metadata.FindProperty(name) is { ClrType: var type } && type == typeof(DateTime)
                        && entry.Property(name).CurrentValue is DateTime value && value == default)
                    {
                        entry.Property(name).CurrentValue = now;
                    }
                }
            }
            else if (entry is { State: EntityState.Modified, Entity: Chatbots.Chatbot } && !entry.Property(nameof(Chatbots.Chatbot.UpdatedAt)).IsModified)
            {
                entry.Property(nameof(Chatbots.Chatbot.UpdatedAt)).CurrentValue = now;
            }
        }
    }
}
