using Microsoft.EntityFrameworkCore;
using OpenChatStudio.Core.Chatbots;
using OpenChatStudio.Core.Common;
using OpenChatStudio.Core.Data;
using OpenChatStudio.Core.Pipelines.Graph;
using OpenChatStudio.Core.Teams;

namespace OpenChatStudio.Core.Versions;

/// <summary>
/// Chatbot versions (OCS semantics): "Create version" snapshots the working version with the next number; the first
/// version is published automatically; publishing one demotes the previous one, so exactly one is published.
/// </summary>
public sealed class VersionService(IDbContextFactory<AppDbContext> dbFactory, TimeProvider clock)
{
    public const int MaxDescriptionLength = 1000;

    public async Task<IReadOnlyList<VersionSummary>> ListAsync(TeamAccess access, Guid chatbotId, CancellationToken ct)
    {
        await using var db = await dbFactory.CreateForTeamAsync(access.TeamId, ct);
        return await db.ChatbotVersions.Where(v => v.ChatbotId == chatbotId)
            .OrderByDescending(v => v.Number)
            .Select(v => new VersionSummary(v.Id, v.Number, v.Description, v.IsPublished, v.IsArchived, v.CreatedAt, v.CreatedByName))
            .ToListAsync(ct);
    }

    /// <summary>Snapshots the working version. The first version is always published; later ones when <paramref name="publish"/>.</summary>
    public async Task<Result<VersionSummary>> CreateAsync(TeamAccess access, Guid chatbotId, string? description, bool publish,
        string createdByName, CancellationToken ct)
    {
        if (!access.Can(TeamPermission.EditChatbots))
        {
            return Result<VersionSummary>.Fail("Only editors and admins can create versions.");
        }
        description = description?.Trim() ?? "";
        if (description.Length > MaxDescriptionLength)
        {
            return Result<VersionSummary>.Fail($"Version descriptions are at most {MaxDescriptionLength:N0} characters.");
        }
        for (var attempt = 0; ; attempt++)
        {
            await using var db = await dbFactory.CreateForTeamAsync(access.TeamId, ct);
            var chatbot = await db.Chatbots.FirstOrDefaultAsync(c => c.Id == chatbotId, ct);
            if (chatbot is null)
            {
                return Result<VersionSummary>.Fail("That chatbot does not exist in this team.");
            }
            if (chatbot.IsArchived)
            {
                return Result<VersionSummary>.Fail("Archived chatbots cannot get new versions. Restore it first.");
            }
            var last = await db.ChatbotVersions.Where(v => v.ChatbotId == chatbotId).MaxAsync(v => (int?)v.Number, ct) ?? 0;
            var version = new ChatbotVersion(chatbot, last + 1, description, access.UserId, createdByName, clock.GetUtcNow().UtcDateTime);
            if (last == 0 || publish)
            {
                await DemoteAsync(db, chatbotId, ct);
                version.IsPublished = true;
            }
            db.ChatbotVersions.Add(version);
            try
            {
                await db.SaveChangesAsync(ct);
                return Result<VersionSummary>.Ok(ToSummary(version));
            }
            catch (DbUpdateException) when (attempt < 3)
            {
                // Someone created a version with the same number at the same moment: take the next one.
            }
        }
    }

    public async Task<Result<VersionSummary>> PublishAsync(TeamAccess access, Guid chatbotId, int number, CancellationToken ct)
    {
        if (!access.Can(TeamPermission.EditChatbots))
        {
            return Result<VersionSummary>.Fail("Only editors and admins can publish versions.");
        }
        await using var db = await dbFactory.CreateForTeamAsync(access.TeamId, ct);
        var version = await db.ChatbotVersions.FirstOrDefaultAsync(v => v.ChatbotId == chatbotId && v.Number == number, ct);
        if (version is null)
        {
            return Result<VersionSummary>.Fail($"Version {number} does not exist for this chatbot.");
        }
        if (version.IsArchived)
        {
            return Result<VersionSummary>.Fail($"Version {number} is archived and cannot be published.");
        }
        await DemoteAsync(db, chatbotId, ct);
        version.IsPublished = true;
        await db.SaveChangesAsync(ct);
        return Result<VersionSummary>.Ok(ToSummary(version));
    }

    /// <summary>
    /// The difference from one version to another; a null number means the working version (e.g. "what changed since v3":
    /// from 3 to null).
    /// </summary>
    public async Task<Result<VersionDiff>> DiffAsync(TeamAccess access, Guid chatbotId, int? fromNumber, int? toNumber, CancellationToken ct)
    {
        await using var db = await dbFactory.CreateForTeamAsync(access.TeamId, ct);
        var chatbot = await db.Chatbots.AsNoTracking().FirstOrDefaultAsync(c => c.Id == chatbotId, ct);
        if (chatbot is null)
        {
            return Result<VersionDiff>.Fail("That chatbot does not exist in this team.");
        }
        var from = await ContentAsync(db, chatbot, fromNumber, ct);
        var to = await ContentAsync(db, chatbot, toNumber, ct);
        if (from is null || to is null)
        {
            return Result<VersionDiff>.Fail($"Version {(from is null ? fromNumber : toNumber)} does not exist for this chatbot.");
        }
        return Result<VersionDiff>.Ok(VersionDiffer.Compare(from, to));
    }

    /// <summary>
    /// Replaces the working version with a copy of version <paramref name="number"/> (settings, pipeline, layout, triggers).
    /// Unreleased changes are lost. The chatbot's edit revision moves on, so a designer still open on the old working
    /// version sees a conflict instead of saving over the revert. Returns the new edit revision.
    /// </summary>
    public async Task<Result<int>> RevertAsync(TeamAccess access, Guid chatbotId, int number, CancellationToken ct)
    {
        if (!access.Can(TeamPermission.EditPipelines))
        {
            return Result<int>.Fail("Only editors and admins can revert the working version.");
        }
        await using var db = await dbFactory.CreateForTeamAsync(access.TeamId, ct);
        var chatbot = await db.Chatbots.FirstOrDefaultAsync(c => c.Id == chatbotId, ct);
        if (chatbot is null)
        {
            return Result<int>.Fail("That chatbot does not exist in this team.");
        }
        if (chatbot.IsArchived)
        {
            return Result<int>.Fail("Archived chatbots cannot be changed. Restore it first.");
        }
        var version = await db.ChatbotVersions.AsNoTracking().FirstOrDefaultAsync(v => v.ChatbotId == chatbotId && v.Number == number, ct);
        if (version is null)
        {
            return Result<int>.Fail($"Version {number} does not exist for this chatbot.");
        }
        chatbot.Name = version.Name;
        chatbot.Description = version.ChatbotDescription;
        chatbot.SeedMessage = version.SeedMessage;
        chatbot.SetPipeline(PipelineGraph.FromJson(version.PipelineJson));
        chatbot.LayoutJson = version.LayoutJson;
        chatbot.ParticipantAllowlistJson = version.ParticipantAllowlistJson;
        chatbot.FileUploadsEnabled = version.FileUploadsEnabled;
        chatbot.ConsentFormId = version.ConsentFormId is { } formId && await db.ConsentForms.AnyAsync(f => f.Id == formId, ct) ? formId : null;
        chatbot.TriggersJson = version.TriggersJson;
        try
        {
            await db.SaveChangesAsync(ct);
        }
        catch (DbUpdateConcurrencyException)
        {
            return Result<int>.Fail("Someone saved the chatbot at the same moment. Try again.");
        }
        return Result<int>.Ok(chatbot.EditRevision);
    }

    /// <summary>Archives (soft-deletes) a version. The published version cannot be archived: publish another first.</summary>
    public async Task<Result<VersionSummary>> ArchiveAsync(TeamAccess access, Guid chatbotId, int number, CancellationToken ct)
    {
        if (!access.Can(TeamPermission.EditChatbots))
        {
            return Result<VersionSummary>.Fail("Only editors and admins can archive versions.");
        }
        await using var db = await dbFactory.CreateForTeamAsync(access.TeamId, ct);
        var version = await db.ChatbotVersions.FirstOrDefaultAsync(v => v.ChatbotId == chatbotId && v.Number == number, ct);
        if (version is null)
        {
            return Result<VersionSummary>.Fail($"Version {number} does not exist for this chatbot.");
        }
        if (version.IsPublished)
        {
            return Result<VersionSummary>.Fail($"Version {number} is published. Publish another version before archiving it.");
        }
        version.IsArchived = true;
        await db.SaveChangesAsync(ct);
        return Result<VersionSummary>.Ok(ToSummary(version));
    }

    private static async Task<VersionContent?> ContentAsync(AppDbContext db, Chatbot chatbot, int? number, CancellationToken ct)
    {
        if (number is null)
        {
            return VersionContent.Working(chatbot);
        }
        var version = await db.ChatbotVersions.AsNoTracking().FirstOrDefaultAsync(v => v.ChatbotId == chatbot.Id && v.Number == number, ct);
        return version is null ? null : VersionContent.Of(version);
    }

    /// <summary>
    /// What a message for <paramref name="chatbot"/> runs against under <paramref name="choice"/>, or an error a user can read
    /// (no version published yet, unknown version number).
    /// </summary>
    public static async Task<Result<ChatbotSnapshot>> ResolveAsync(AppDbContext db, Chatbot chatbot, VersionChoice choice, CancellationToken ct)
    {
        switch (choice.Selection)
        {
            case VersionSelection.Working:
                return Result<ChatbotSnapshot>.Ok(ChatbotSnapshot.Working(chatbot));
            case VersionSelection.Specific:
                var specific = await db.ChatbotVersions.AsNoTracking()
                    .FirstOrDefaultAsync(v => v.ChatbotId == chatbot.Id && v.Number == choice.Number, ct);
                return specific is null
                    ? Result<ChatbotSnapshot>.Fail($"Version {choice.Number} of this chatbot does not exist.")
                    : Result<ChatbotSnapshot>.Ok(ChatbotSnapshot.Of(chatbot, specific));
            default:
                var published = await db.ChatbotVersions.AsNoTracking()
                    .FirstOrDefaultAsync(v => v.ChatbotId == chatbot.Id && v.IsPublished, ct);
                if (published is not null)
                {
                    return Result<ChatbotSnapshot>.Ok(ChatbotSnapshot.Of(chatbot, published));
                }
                return choice.Selection == VersionSelection.PublishedOrWorking
                    ? Result<ChatbotSnapshot>.Ok(ChatbotSnapshot.Working(chatbot))
                    : Result<ChatbotSnapshot>.Fail(NotPublishedMessage);
        }
    }

    public const string NotPublishedMessage = "This chatbot is not available yet: it has no published version.";

    private static async Task DemoteAsync(AppDbContext db, Guid chatbotId, CancellationToken ct)
    {
        foreach (var current in await db.ChatbotVersions.Where(v => v.ChatbotId == chatbotId && v.IsPublished).ToListAsync(ct))
        {
            current.IsPublished = false;
        }
    }

    private static VersionSummary ToSummary(ChatbotVersion v) =>
        new(v.Id, v.Number, v.Description, v.IsPublished, v.IsArchived, v.CreatedAt, v.CreatedByName);
}
