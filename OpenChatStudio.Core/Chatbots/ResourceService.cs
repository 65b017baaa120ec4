using Microsoft.EntityFrameworkCore;
using OpenChatStudio.Core.Common;
using OpenChatStudio.Core.Data;
using OpenChatStudio.Core.Teams;

namespace OpenChatStudio.Core.Chatbots;

/// <summary>
/// A team's shared chatbot resources: source material (reference text for prompts) and consent forms.
/// Every member can read them; changing them needs <see cref="TeamPermission.EditChatbots"/>.
/// </summary>
public sealed class ResourceService(IDbContextFactory<AppDbContext> dbFactory)
{
    public const int MaxTopicLength = 200;
    public const int MaxNameLength = 200;
    public const int MaxDescriptionLength = 2000;
    public const int MaxMaterialLength = 200_000;
    public const int MaxConsentTextLength = 20_000;
    public const int MaxIdentifierLabelLength = 100;
    public const int MaxConfirmationTextLength = 500;
    public const string IdentifierEmail = "email";
    public const string IdentifierText = "text";

    // ---- Source material ----

    public async Task<IReadOnlyList<SourceMaterialDto>> ListSourceMaterialsAsync(TeamAccess access, CancellationToken ct)
    {
        await using var db = await dbFactory.CreateForTeamAsync(access.TeamId, ct);
        var rows = await db.SourceMaterials.AsNoTracking().ToListAsync(ct);
        return rows.OrderBy(s => s.Topic, StringComparer.CurrentCultureIgnoreCase).Select(ToDto).ToList();
    }

    public async Task<Result<SourceMaterialDto>> CreateSourceMaterialAsync(TeamAccess access, SourceMaterialInput input, CancellationToken ct)
    {
        if ((EditProblem(access) ?? SourceMaterialProblem(input)) is { } problem)
        {
            return Result<SourceMaterialDto>.Fail(problem);
        }
        await using var db = await dbFactory.CreateForTeamAsync(access.TeamId, ct);
        var item = new SourceMaterial(access.TeamId, input.Topic.Trim(), input.Material) { Description = input.Description.Trim() };
        db.SourceMaterials.Add(item);
        await db.SaveChangesAsync(ct);
        return Result<SourceMaterialDto>.Ok(ToDto(item));
    }

    public async Task<Result<SourceMaterialDto>> UpdateSourceMaterialAsync(TeamAccess access, Guid id, SourceMaterialInput input, CancellationToken ct)
    {
        if ((EditProblem(access) ?? SourceMaterialProblem(input)) is { } problem)
        {
            return Result<SourceMaterialDto>.Fail(problem);
        }
        await using var db = await dbFactory.CreateForTeamAsync(access.TeamId, ct);
        var item = await db.SourceMaterials.FirstOrDefaultAsync(s => s.Id == id, ct);
        if (item is null)
        {
            return Result<SourceMaterialDto>.Fail(SourceMaterialNotFound);
        }
        item.Topic = input.Topic.Trim();
        item.Description = input.Description.Trim();
        item.Material = input.Material;
        await db.SaveChangesAsync(ct);
        return Result<SourceMaterialDto>.Ok(ToDto(item));
    }

    /// <summary>Refused while any chatbot's pipeline refers to the material (by id).</summary>
    public async Task<Result<bool>> DeleteSourceMaterialAsync(TeamAccess access, Guid id, CancellationToken ct)
    {
        if (EditProblem(access) is { } problem)
        {
            return Result<bool>.Fail(problem);
        }
        await using var db = await dbFactory.CreateForTeamAsync(access.TeamId, ct);
        var item = await db.SourceMaterials.FirstOrDefaultAsync(s => s.Id == id, ct);
        if (item is null)
        {
            return Result<bool>.Fail(SourceMaterialNotFound);
        }
        var key = id.ToString();
        var users = await db.Chatbots.Where(c => c.PipelineJson.Contains(key)).Select(c => c.Name).ToListAsync(ct);
        if (users.Count > 0)
        {
            return Result<bool>.Fail($"\"{item.Topic}\" is used by the pipeline of {NameList(users)}. Remove it from those pipelines first.");
        }
        db.SourceMaterials.Remove(item);
        await db.SaveChangesAsync(ct);
        return Result<bool>.Ok(true);
    }

    // ---- Consent forms ----

    public async Task<IReadOnlyList<ConsentFormDto>> ListConsentFormsAsync(TeamAccess access, CancellationToken ct)
    {
        await using var db = await dbFactory.CreateForTeamAsync(access.TeamId, ct);
        var rows = await db.ConsentForms.AsNoTracking().ToListAsync(ct);
        return rows.OrderByDescending(f => f.IsDefault).ThenBy(f => f.Name, StringComparer.CurrentCultureIgnoreCase).Select(ToDto).ToList();
    }

    /// <summary>Creates a form; marking it default clears the team's previous default.</summary>
    public async Task<Result<ConsentFormDto>> CreateConsentFormAsync(TeamAccess access, ConsentFormInput input, CancellationToken ct)
    {
        if ((EditProblem(access) ?? ConsentFormProblem(input)) is { } problem)
        {
            return Result<ConsentFormDto>.Fail(problem);
        }
        await using var db = await dbFactory.CreateForTeamAsync(access.TeamId, ct);
        var form = new ConsentForm(access.TeamId, input.Name.Trim(), input.ConsentText.Trim());
        Apply(form, input);
        if (form.IsDefault)
        {
            await ClearDefaultAsync(db, form.Id, ct);
        }
        db.ConsentForms.Add(form);
        await db.SaveChangesAsync(ct);
        return Result<ConsentFormDto>.Ok(ToDto(form));
    }

    /// <summary>Updates a form; marking it default clears the team's previous default.</summary>
    public async Task<Result<ConsentFormDto>> UpdateConsentFormAsync(TeamAccess access, Guid id, ConsentFormInput input, CancellationToken ct)
    {
        if ((EditProblem(access) ?? ConsentFormProblem(input)) is { } problem)
        {
            return Result<ConsentFormDto>.Fail(problem);
        }
        await using var db = await dbFactory.CreateForTeamAsync(access.TeamId, ct);
        var form = await db.ConsentForms.FirstOrDefaultAsync(f => f.Id == id, ct);
        if (form is null)
        {
            return Result<ConsentFormDto>.Fail(ConsentFormNotFound);
        }
        Apply(form, input);
        if (form.IsDefault)
        {
            await ClearDefaultAsync(db, form.Id, ct);
        }
        await db.SaveChangesAsync(ct);
        return Result<ConsentFormDto>.Ok(ToDto(form));
    }

    /// <summary>Refused while any chatbot (archived ones included) uses the form.</summary>
    public async Task<Result<bool>> DeleteConsentFormAsync(TeamAccess access, Guid id, CancellationToken ct)
    {
        if (EditProblem(access) is { } problem)
        {
            return Result<bool>.Fail(problem);
        }
        await using var db = await dbFactory.CreateForTeamAsync(access.TeamId, ct);
        var form = await db.ConsentForms.FirstOrDefaultAsync(f => f.Id == id, ct);
        if (form is null)
        {
            return Result<bool>.Fail(ConsentFormNotFound);
        }
        var users = await db.Chatbots.Where(c => c.ConsentFormId == id).Select(c => c.Name).ToListAsync(ct);
        if (users.Count > 0)
        {
            return Result<bool>.Fail($"\"{form.Name}\" is used by {NameList(users)}. Choose another consent form in their settings first.");
        }
        db.ConsentForms.Remove(form);
        await db.SaveChangesAsync(ct);
        return Result<bool>.Ok(true);
    }

    private const string SourceMaterialNotFound = "That source material does not exist in this team.";
    private const string ConsentFormNotFound = "That consent form does not exist in this team.";

    private static async Task ClearDefaultAsync(AppDbContext db, Guid keep, CancellationToken ct)
    {
        var others = await db.ConsentForms.Where(f => f.IsDefault && f.Id != keep).ToListAsync(ct);
        foreach (var other in others)
        {
            other.IsDefault = false;
        }
    }

    private static void Apply(ConsentForm form, ConsentFormInput input)
    {
        form.Name = input.Name.Trim();
        form.ConsentText = input.ConsentText.Trim();
        form.CaptureIdentifier = input.CaptureIdentifier;
        form.IdentifierLabel = string.IsNullOrWhiteSpace(input.IdentifierLabel) ? DefaultLabel(input.IdentifierType) : input.IdentifierLabel.Trim();
        form.IdentifierType = input.IdentifierType;
        form.ConfirmationText = input.ConfirmationText.Trim();
        form.IsDefault = input.IsDefault;
    }

    private static string DefaultLabel(string type) => type == IdentifierEmail ? "Email address" : "Identifier";

    private static string? EditProblem(TeamAccess access) =>
        access.Can(TeamPermission.EditChatbots) ? null : "Only editors and admins can change team resources.";

    private static string? SourceMaterialProblem(SourceMaterialInput input) =>
        string.IsNullOrWhiteSpace(input.Topic) ? "Give the source material a topic."
        : input.Topic.Trim().Length > MaxTopicLength ? $"Topics are at most {MaxTopicLength} characters."
        : input.Description.Trim().Length > MaxDescriptionLength ? $"Descriptions are at most {MaxDescriptionLength:N0} characters."
        : string.IsNullOrWhiteSpace(input.Material) ? "Add the material text."
        : input.Material.Length > MaxMaterialLength ? $"Material is at most {MaxMaterialLength:N0} characters."
        : null;

    private static string? ConsentFormProblem(ConsentFormInput input) =>
        string.IsNullOrWhiteSpace(input.Name) ? "Give the consent form a name."
        : input.Name.Trim().Length > MaxNameLength ? $"Names are at most {MaxNameLength} characters."
        : string.IsNullOrWhiteSpace(input.ConsentText) ? "Write the consent text participants agree to."
        : input.ConsentText.Trim().Length > MaxConsentTextLength ? $"Consent text is at most {MaxConsentTextLength:N0} characters."
        : input.IdentifierType is not (IdentifierEmail or IdentifierText) ? "The identifier type must be email or text."
        : input.IdentifierLabel.Trim().Length > MaxIdentifierLabelLength ? $"Identifier labels are at most {MaxIdentifierLabelLength} characters."
        : string.IsNullOrWhiteSpace(input.ConfirmationText) ? "Write the confirmation text (how a participant agrees)."
        : input.ConfirmationText.Trim().Length > MaxConfirmationTextLength ? $"Confirmation text is at most {MaxConfirmationTextLength} characters."
        : null;

    private static string NameList(IReadOnlyList<string> names) =>
        names.Count == 1 ? $"the chatbot \"{names[0]}\"" : $"the chatbots {string.Join(", ", names.Order().Select(n => $"\"{n}\""))}";

    private static SourceMaterialDto ToDto(SourceMaterial s) => new(s.Id, s.Topic, s.Description, s.Material, s.CreatedAt);

    private static ConsentFormDto ToDto(ConsentForm f) => new(
        f.Id, f.Name, f.ConsentText, f.CaptureIdentifier, f.IdentifierLabel, f.IdentifierType, f.ConfirmationText, f.IsDefault, f.CreatedAt);
}
