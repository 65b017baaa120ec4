using System.Linq.Expressions;
using Microsoft.AspNetCore.DataProtection.EntityFrameworkCore;
using Microsoft.AspNetCore.Identity;
using Microsoft.AspNetCore.Identity.EntityFrameworkCore;
using Microsoft.EntityFrameworkCore;
using Microsoft.EntityFrameworkCore.Storage.ValueConversion;
using OpenChatStudio.Core.Accounts;
using OpenChatStudio.Core.Teams;

namespace OpenChatStudio.Core.Data;

/// <summary>
/// The one database context. Provider-specific subclasses (<see cref="SqliteAppDbContext"/>,
/// <see cref="PostgresAppDbContext"/>) exist only so each provider has its own migration set.
/// </summary>
/// <remarks>
/// Tenant isolation lives here: every <see cref="ITeamOwned"/> entity gets a query filter that only matches rows of
/// <see cref="TeamScope"/>. A context created without a scope sees no team-owned rows at all, so a forgotten scope
/// fails closed. Code that must cross teams (a signed-in user's own memberships, accepting an invitation) says so with
/// <c>IgnoreQueryFilters()</c>.
/// </remarks>
public abstract class AppDbContext(DbContextOptions options)
    : IdentityDbContext<AppUser, IdentityRole<Guid>, Guid>(options), IDataProtectionKeyContext
{
    public const string TeamFilter = "Team";

    /// <summary>The team this context may read and write team-owned rows of; null sees none.</summary>
    public Guid? TeamScope { get; set; }

    public DbSet<DataProtectionKey> DataProtectionKeys => Set<DataProtectionKey>();

    public DbSet<Team> Teams => Set<Team>();

    public DbSet<TeamMembership> TeamMemberships => Set<TeamMembership>();

    public DbSet<TeamInvitation> TeamInvitations => Set<TeamInvitation>();

    public DbSet<Chatbots.Chatbot> Chatbots => Set<Chatbots.Chatbot>();

    public DbSet<Versions.ChatbotVersion> ChatbotVersions => Set<Versions.ChatbotVersion>();

    public DbSet<Chatbots.SourceMaterial> SourceMaterials => Set<Chatbots.SourceMaterial>();

    public DbSet<Chatbots.ConsentForm> ConsentForms => Set<Chatbots.ConsentForm>();

    public DbSet<Participants.Participant> Participants => Set<Participants.Participant>();

    public DbSet<Participants.ParticipantData> ParticipantData => Set<Participants.ParticipantData>();

    public DbSet<Chat.ChatSession> ChatSessions => Set<Chat.ChatSession>();

    public DbSet<Chat.ChatMessage> ChatMessages => Set<Chat.ChatMessage>();

    public DbSet<Sessions.SessionComment> SessionComments => Set<Sessions.SessionComment>();

    public DbSet<Sessions.SessionExport> SessionExports => Set<Sessions.SessionExport>();

    public DbSet<Chat.RunTrace> RunTraces => Set<Chat.RunTrace>();

    public DbSet<Chat.UsageRecord> UsageRecords => Set<Chat.UsageRecord>();

    public DbSet<Chat.PipelineHistoryEntry> PipelineHistory => Set<Chat.PipelineHistoryEntry>();

    public DbSet<Scheduling.ScheduledMessage> ScheduledMessages => Set<Scheduling.ScheduledMessage>();

    public DbSet<Scheduling.ScheduledMessageAttempt> ScheduledMessageAttempts => Set<Scheduling.ScheduledMessageAttempt>();

    public DbSet<Events.EventLog> EventLogs => Set<Events.EventLog>();

    public DbSet<Providers.LlmProvider> LlmProviders => Set<Providers.LlmProvider>();

    public DbSet<Providers.CustomModel> CustomModels => Set<Providers.CustomModel>();

    public DbSet<ApiKeys.ApiKey> ApiKeys => Set<ApiKeys.ApiKey>();

    public DbSet<Audit.AuditEntry> AuditEntries => Set<Audit.AuditEntry>();

    public DbSet<Channels.ChatbotChannel> ChatbotChannels => Set<Channels.ChatbotChannel>();

    public DbSet<Chat.ChatAttachment> ChatAttachments => Set<Chat.ChatAttachment>();

    public DbSet<Chat.InboundMessage> InboundMessages => Set<Chat.InboundMessage>();

    public DbSet<Chat.OutboundMessage> OutboundMessages => Set<Chat.OutboundMessage>();

    protected override void OnModelCreating(ModelBuilder builder)
    {
        base.OnModelCreating(builder);
        builder.ApplyConfigurationsFromAssembly(typeof(AppDbContext).Assembly);

        foreach (var entityType in builder.Model.GetEntityTypes())
        {
            if (typeof(ITeamOwned).IsAssignableFrom(entityType.ClrType))
            {
                builder.Entity(entityType.ClrType).HasQueryFilter(TeamFilter, BuildTeamFilter(entityType.ClrType));
            }
        }
    }

    protected override void ConfigureConventions(ModelConfigurationBuilder configurationBuilder)
    {
        // All timestamps are UTC; SQLite forgets the kind, so restore it on read.
        configurationBuilder.Properties<DateTime>().HaveConversion<UtcDateTimeConverter>();
        configurationBuilder.Properties<DateTime?>().HaveConversion<NullableUtcDateTimeConverter>();
    }

    public override int SaveChanges(bool acceptAllChangesOnSuccess)
    {
        GuardTeamWrites();
        return base.SaveChanges(acceptAllChangesOnSuccess);
    }

    public override Task<int> SaveChangesAsync(bool acceptAllChangesOnSuccess, CancellationToken cancellationToken = default)
    {
        GuardTeamWrites();
        return base.SaveChangesAsync(acceptAllChangesOnSuccess, cancellationToken);
    }

    private void GuardTeamWrites()
    {
        if (TeamScope is not { } scope)
        {
            return;
        }
        foreach (var entry in ChangeTracker.Entries<ITeamOwned>())
        {
            if (entry.State is EntityState.Added or EntityState.Modified or EntityState.Deleted && entry.Entity.TeamId != scope)
            {
                throw new InvalidOperationException(
                    $"Refusing to write a {entry.Metadata.ClrType.Name} of another team through a context scoped to team {scope}.");
            }
        }
    }

    private LambdaExpression BuildTeamFilter(Type clrType)
    {
        // e => this.TeamScope != null && e.TeamId == this.TeamScope.Value
        var entity = Expression.Parameter(clrType, "e");
        var scope = Expression.Property(Expression.Constant(this), nameof(TeamScope));
        var body = Expression.AndAlso(
            Expression.NotEqual(scope, Expression.Constant(null, typeof(Guid?))),
            Expression.Equal(
                Expression.Convert(Expression.Property(entity, nameof(ITeamOwned.TeamId)), typeof(Guid?)),
                scope));
        return Expression.Lambda(body, entity);
    }

    private sealed class UtcDateTimeConverter() : ValueConverter<DateTime, DateTime>(
        v => v.Kind == DateTimeKind.Utc ? v : v.ToUniversalTime(),
        v => DateTime.SpecifyKind(v, DateTimeKind.Utc));

    private sealed class NullableUtcDateTimeConverter() : ValueConverter<DateTime?, DateTime?>(
        v => v == null ? v : v.Value.Kind == DateTimeKind.Utc ? v : v.Value.ToUniversalTime(),
        v => v == null ? v : DateTime.SpecifyKind(v.Value, DateTimeKind.Utc));
}
