using System.Text.Json;
using System.Text.RegularExpressions;
using Microsoft.EntityFrameworkCore;
using OpenChatStudio.Core.Common;
using OpenChatStudio.Core.Data;
using OpenChatStudio.Core.Pipelines.Graph;
using OpenChatStudio.Core.Teams;

namespace OpenChatStudio.Core.Chatbots;

/// <summary>A team's chatbots: list, create (blank or from a template), settings, pipeline saves, copy, archive.</summary>
public sealed partial class ChatbotService(IDbContextFactory<AppDbContext> dbFactory)
{
    public const int MaxNameLength = 200;
    public const int MaxAllowlistEntries = 10_000;

    public async Task<IReadOnlyList<ChatbotSummary>> ListAsync(TeamAccess access, string? search, bool includeArchived, CancellationToken ct)
    {
        await using var db = await dbFactory.CreateForTeamAsync(access.TeamId, ct);
        var query = db.Chatbots.AsQueryable();
        if (!includeArchived)
        {
            query = query.Where(c => !c.IsArchived);
        }
        if (!string.IsNullOrWhiteSpace(search))
        {
            var term = search.Trim().ToLower();
            query = query.Where(c => c.Name.ToLower().Contains(term) || c.Description.ToLower().Contains(term));
        }
        var rows = await query.Select(c => new ChatbotSummary(c.Id, c.Name, c.Description, c.IsArchived, c.CreatedAt, c.UpdatedAt)).ToListAsync(ct);
        return rows.OrderByDescending(c => c.UpdatedAt).ToList();
    }

    public async Task<ChatbotDetails?> GetAsync(TeamAccess access, Guid id, CancellationToken ct)
    {
        await using var db = await dbFactory.CreateForTeamAsync(access.TeamId, ct);
        var bot = await db.Chatbots.FirstOrDefaultAsync(c => c.Id == id, ct);
        return bot is null ? null : ToDetails(bot);
    }

    public async Task<Result<ChatbotDetails>> CreateAsync(TeamAccess access, string name, string templateKey, CancellationToken ct)
    {
        if (!access.Can(TeamPermission.EditChatbots))
        {
            return Result<ChatbotDetails>.Fail("Only editors and admins can create chatbots.");
        }
        if (NameProblem(name) is { } problem)
        {
            return Result<ChatbotDetails>.Fail(problem);
        }
        var template = ChatbotTemplates.Find(templateKey);
        if (template is null)
        {
            return Result<ChatbotDetails>.Fail($"Unknown template '{templateKey}'.");
        }
        await using var db = await dbFactory.CreateForTeamAsync(access.TeamId, ct);
        var bot = new Chatbot(access.TeamId, name.Trim(), template.Build())
        {
            Description = template.Key == ChatbotTemplates.Blank ? "" : template.Description,
            LayoutJson = JsonSerializer.Serialize(template.Layout),
        };
        db.Chatbots.Add(bot);
        await db.SaveChangesAsync(ct);
        return Result<ChatbotDetails>.Ok(ToDetails(bot));
    }

    public async Task<Result<ChatbotDetails>> UpdateSettingsAsync(TeamAccess access, Guid id, ChatbotSettings settings, CancellationToken ct)
    {
        if (!access.Can(TeamPermission.EditChatbots))
        {
            return Result<ChatbotDetails>.Fail("Only editors and admins can change chatbots.");
        }
        if (NameProblem(settings.Name) is { } problem)
        {
            return Result<ChatbotDetails>.Fail(problem);
        }
        if (settings.Description.Length > 2000)
        {
            return Result<ChatbotDetails>.Fail("Descriptions are at most 2,000 characters.");
        }
        if (settings.SeedMessage?.Length > 4000)
        {
            return Result<ChatbotDetails>.Fail("Seed messages are at most 4,000 characters.");
        }
        var allowlist = NormalizeAllowlist(settings.ParticipantAllowlist);
        if (allowlist.Count > MaxAllowlistEntries)
        {
            return Result<ChatbotDetails>.Fail($"The allowlist holds at most {MaxAllowlistEntries:N0} identifiers.");
        }
        var welcome = settings.WelcomeMessages is null ? null : CleanLines(settings.WelcomeMessages);
        var starters = settings.StarterQuestions is null ? null : CleanLines(settings.StarterQuestions);
        if (welcome?.Count > MaxWelcomeMessages || welcome?.Any(m => m.Length > 2000) == true)
        {
            return Result<ChatbotDetails>.Fail($"Up to {MaxWelcomeMessages} welcome messages of at most 2,000 characters each.");
        }
        if (starters?.Count > MaxStarterQuestions || starters?.Any(q => q.Length > 200) == true)
        {
            return Result<ChatbotDetails>.Fail($"Up to {MaxStarterQuestions} starter questions of at most 200 characters each.");
        }
        await using var db = await dbFactory.CreateForTeamAsync(access.TeamId, ct);
        var bot = await db.Chatbots.FirstOrDefaultAsync(c => c.Id == id, ct);
        if (bot is null)
        {
            return Result<ChatbotDetails>.Fail("That chatbot does not exist in this team.");
        }
        if (settings.ConsentFormId is { } formId && !await db.ConsentForms.AnyAsync(f => f.Id == formId, ct))
        {
            return Result<ChatbotDetails>.Fail("That consent form does not exist in this team.");
        }
        bot.Name = settings.Name.Trim();
        bot.Description = settings.Description.Trim();
        bot.SeedMessage = string.IsNullOrWhiteSpace(settings.SeedMessage) ? null : settings.SeedMessage.Trim();
        bot.ParticipantAllowlistJson = JsonSerializer.Serialize(allowlist);
        bot.FileUploadsEnabled = settings.FileUploadsEnabled;
        bot.ConsentFormId = settings.ConsentFormId;
        if (welcome is not null)
        {
            bot.WelcomeMessagesJson = JsonSerializer.Serialize(welcome);
        }
        if (starters is not null)
        {
            bot.StarterQuestionsJson = JsonSerializer.Serialize(starters);
        }
        await db.SaveChangesAsync(ct);
        return Result<ChatbotDetails>.Ok(ToDetails(bot));
    }

    /// <summary>
    /// Saves the pipeline (valid or not: drafts are allowed) and its layout if nobody saved since
    /// <paramref name="expectedRevision"/>; returns the new revision, or a conflict message.
    /// </summary>
    public async Task<Result<int>> SavePipelineAsync(TeamAccess access, Guid id, PipelineGraph graph,
        IReadOnlyDictionary<string, NodePosition> layout, int expectedRevision, CancellationToken ct)
    {
        if (!access.Can(TeamPermission.EditPipelines))
        {
            return Result<int>.Fail("Only editors and admins can change pipelines.");
        }
        await using var db = await dbFactory.CreateForTeamAsync(access.TeamId, ct);
        var bot = await db.Chatbots.FirstOrDefaultAsync(c => c.Id == id, ct);
        if (bot is null)
        {
            return Result<int>.Fail("That chatbot does not exist in this team.");
        }
        if (bot.EditRevision != expectedRevision)
        {
            return Result<int>.Fail(ConflictMessage(bot.EditRevision));
        }
        bot.SetPipeline(graph);
        bot.LayoutJson = JsonSerializer.Serialize(layout);
        try
        {
            await db.SaveChangesAsync(ct);
        }
        catch (DbUpdateConcurrencyException)
        {
            return Result<int>.Fail(ConflictMessage(null));
        }
        return Result<int>.Ok(bot.EditRevision);
    }

    public async Task<Result<ChatbotDetails>> CopyAsync(TeamAccess access, Guid id, CancellationToken ct)
    {
        if (!access.Can(TeamPermission.EditChatbots))
        {
            return Result<ChatbotDetails>.Fail("Only editors and admins can copy chatbots.");
        }
        await using var db = await dbFactory.CreateForTeamAsync(access.TeamId, ct);
        var source = await db.Chatbots.FirstOrDefaultAsync(c => c.Id == id, ct);
        if (source is null)
        {
            return Result<ChatbotDetails>.Fail("That chatbot does not exist in this team.");
        }
        var name = $"Copy of {source.Name}";
        var copy = new Chatbot(access.TeamId, name.Length > MaxNameLength ? name[..MaxNameLength] : name, source.Pipeline)
        {
            Description = source.Description,
            SeedMessage = source.SeedMessage,
            LayoutJson = source.LayoutJson,
            ParticipantAllowlistJson = source.ParticipantAllowlistJson,
            FileUploadsEnabled = source.FileUploadsEnabled,
            ConsentFormId = source.ConsentFormId,
            WelcomeMessagesJson = source.WelcomeMessagesJson,
            StarterQuestionsJson = source.StarterQuestionsJson,
        };
        db.Chatbots.Add(copy);
        await db.SaveChangesAsync(ct);
        return Result<ChatbotDetails>.Ok(ToDetails(copy));
    }

    public async Task<Result<bool>> SetArchivedAsync(TeamAccess access, Guid id, bool archived, CancellationToken ct)
    {
        if (!access.Can(TeamPermission.EditChatbots))
        {
            return Result<bool>.Fail("Only editors and admins can archive chatbots.");
        }
        await using var db = await dbFactory.CreateForTeamAsync(access.TeamId, ct);
        var bot = await db.Chatbots.FirstOrDefaultAsync(c => c.Id == id, ct);
        if (bot is null)
        {
            return Result<bool>.Fail("That chatbot does not exist in this team.");
        }
        bot.IsArchived = archived;
        await db.SaveChangesAsync(ct);
        return Result<bool>.Ok(archived);
    }

    /// <summary>Whether a version's participant allowlist (JSON array) lets <paramref name="identifier"/> in: an empty list lets everyone in.</summary>
    public static bool AllowlistPermits(string allowlistJson, string identifier)
    {
        var list = System.Text.Json.JsonSerializer.Deserialize<List<string>>(allowlistJson) ?? [];
        return list.Count == 0 || list.Contains(identifier, StringComparer.OrdinalIgnoreCase);
    }

    /// <summary>Bulk-pasted identifiers: split on new lines, commas, semicolons or spaces; trimmed; duplicates dropped.</summary>
    public static IReadOnlyList<string> ParseAllowlist(string? text) =>
        NormalizeAllowlist(Separators().Split(text ?? ""));

    private static List<string> NormalizeAllowlist(IEnumerable<string> items) =>
        items.Select(i => i.Trim()).Where(i => i.Length > 0).Distinct(StringComparer.OrdinalIgnoreCase).ToList();

    private static string ConflictMessage(int? current) =>
        $"Someone else saved this pipeline{(current is null ? "" : $" (now revision {current})")} since you opened it. Reload to see their changes; your edits were not saved.";

    private static string? NameProblem(string? name) =>
        string.IsNullOrWhiteSpace(name) ? "Give the chatbot a name."
        : name.Trim().Length > MaxNameLength ? $"Names are at most {MaxNameLength} characters."
        : null;

    internal static ChatbotDetails ToDetails(Chatbot c) => new(
        c.Id, c.PublicId, c.Name, c.Description, c.SeedMessage, c.IsArchived, c.Pipeline,
        JsonSerializer.Deserialize<Dictionary<string, NodePosition>>(c.LayoutJson) ?? [],
        c.EditRevision,
        JsonSerializer.Deserialize<List<string>>(c.ParticipantAllowlistJson) ?? [],
        c.FileUploadsEnabled, c.ConsentFormId, c.UpdatedAt, JsonList(c.WelcomeMessagesJson), JsonList(c.StarterQuestionsJson));

    public const int MaxWelcomeMessages = 10;

    public const int MaxStarterQuestions = 6;

    /// <summary>A JSON array of strings (welcome messages, starter questions); empty or malformed reads as none.</summary>
    public static IReadOnlyList<string> JsonList(string? json)
    {
        if (string.IsNullOrWhiteSpace(json))
        {
            return [];
        }
        try
        {
            return JsonSerializer.Deserialize<List<string>>(json) ?? [];
        }
        catch (JsonException)
        {
            return [];
        }
    }

    private static List<string> CleanLines(IEnumerable<string> items) =>
        items.Select(i => i.Trim()).Where(i => i.Length > 0).ToList();

    [GeneratedRegex(@"[\s,;]+")]
    private static partial Regex Separators();
}
