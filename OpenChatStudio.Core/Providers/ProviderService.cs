using Microsoft.AspNetCore.DataProtection;
using Microsoft.EntityFrameworkCore;
using OpenChatStudio.Core.Common;
using OpenChatStudio.Core.Data;
using OpenChatStudio.Core.Llm;
using OpenChatStudio.Core.Teams;

namespace OpenChatStudio.Core.Providers;

/// <summary>A team's LLM providers and custom models: list, add, edit, delete, test.</summary>
public sealed class ProviderService(
    IDbContextFactory<AppDbContext> dbFactory,
    IDataProtectionProvider protection,
    ConnectionTester tester,
    ModelCatalogue catalogue,
    TimeProvider clock)
{
    public const int MaxNameLength = 100;
    private readonly IDataProtector _protector = protection.CreateProtector(ProviderSecrets.Purpose);

    public static ProviderSummary BuiltIn { get; } =
        new(OfflineModel.ProviderId, OfflineModel.ProviderName, LlmProviderType.Offline, null, null, IsBuiltIn: true, UpdatedAt: null);

    /// <summary>The team's providers, with the built-in offline model first.</summary>
    public async Task<IReadOnlyList<ProviderSummary>> ListAsync(TeamAccess access, CancellationToken ct)
    {
        await using var db = await dbFactory.CreateForTeamAsync(access.TeamId, ct);
        var rows = await db.LlmProviders.OrderBy(p => p.Name).ToListAsync(ct);
        return [BuiltIn, .. rows.Select(ToSummary)];
    }

    public async Task<Result<ProviderSummary>> CreateAsync(TeamAccess access, ProviderInput input, CancellationToken ct)
    {
        if (Validate(access, input, isNew: true) is { } error)
        {
            return Result<ProviderSummary>.Fail(error);
        }
        await using var db = await dbFactory.CreateForTeamAsync(access.TeamId, ct);
        if (await db.LlmProviders.AnyAsync(p => p.Name == input.Name.Trim(), ct))
        {
            return Result<ProviderSummary>.Fail($"A provider named '{input.Name.Trim()}' already exists.");
        }
        var provider = new LlmProvider(access.TeamId, input.Name.Trim(), input.Type);
        Apply(provider, input);
        db.LlmProviders.Add(provider);
        await db.SaveChangesAsync(ct);
        return Result<ProviderSummary>.Ok(ToSummary(provider));
    }

    public async Task<Result<ProviderSummary>> UpdateAsync(TeamAccess access, Guid id, ProviderInput input, CancellationToken ct)
    {
        await using var db = await dbFactory.CreateForTeamAsync(access.TeamId, ct);
        var provider = await db.LlmProviders.FirstOrDefaultAsync(p => p.Id == id, ct);
        if (provider is null)
        {
            return Result<ProviderSummary>.Fail("That provider does not exist in this team.");
        }
        if (input.Type != provider.Type)
        {
            return Result<ProviderSummary>.Fail("A provider's type cannot change; add a new provider instead.");
        }
        if (Validate(access, input, isNew: false) is { } error)
        {
            return Result<ProviderSummary>.Fail(error);
        }
        if (await db.LlmProviders.AnyAsync(p => p.Id != id && p.Name == input.Name.Trim(), ct))
        {
            return Result<ProviderSummary>.Fail($"A provider named '{input.Name.Trim()}' already exists.");
        }
        provider.Name = input.Name.Trim();
        Apply(provider, input);
        await db.SaveChangesAsync(ct);
        return Result<ProviderSummary>.Ok(ToSummary(provider));
    }

    /// <summary>Deletes a provider no chatbot uses; otherwise says which chatbots use it.</summary>
    public async Task<Result<bool>> DeleteAsync(TeamAccess access, Guid id, CancellationToken ct)
    {
        if (!access.Can(TeamPermission.ManageProviders))
        {
            return Result<bool>.Fail("Only team admins can manage providers.");
        }
        await using var db = await dbFactory.CreateForTeamAsync(access.TeamId, ct);
        var provider = await db.LlmProviders.FirstOrDefaultAsync(p => p.Id == id, ct);
        if (provider is null)
        {
            return Result<bool>.Fail("That provider does not exist in this team.");
        }
        var idText = id.ToString();
        var users = await db.Chatbots.Where(c => c.PipelineJson.Contains(idText)).Select(c => c.Name).ToListAsync(ct);
        if (users.Count > 0)
        {
            return Result<bool>.Fail($"Used by {string.Join(", ", users)}. Point those chatbots at another provider first.");
        }
        db.LlmProviders.Remove(provider);
        await db.SaveChangesAsync(ct);
        return Result<bool>.Ok(true);
    }

    /// <summary>Sends a tiny prompt through the provider and says clearly whether it works.</summary>
    public async Task<ConnectionTestResult> TestAsync(TeamAccess access, Guid id, string model, CancellationToken ct)
    {
        if (!access.Can(TeamPermission.ManageProviders))
        {
            return new ConnectionTestResult(false, "Only team admins can test providers.", null);
        }
        if (id == OfflineModel.ProviderId)
        {
            return await tester.TestAsync(new LlmProviderSettings(LlmProviderType.Offline), OfflineModel.ModelName, ct);
        }
        await using var db = await dbFactory.CreateForTeamAsync(access.TeamId, ct);
        var provider = await db.LlmProviders.FirstOrDefaultAsync(p => p.Id == id, ct);
        return provider is null
            ? new ConnectionTestResult(false, "That provider does not exist in this team.", null)
            : await tester.TestAsync(SettingsOf(provider), model, ct);
    }

    /// <summary>Models to offer for a provider: the catalogue for its type plus the team's custom models.</summary>
    public async Task<IReadOnlyList<LlmModelInfo>> ModelsAsync(TeamAccess access, Guid providerId, CancellationToken ct)
    {
        if (providerId == OfflineModel.ProviderId)
        {
            return [OfflineModel.Info];
        }
        await using var db = await dbFactory.CreateForTeamAsync(access.TeamId, ct);
        var type = await db.LlmProviders.Where(p => p.Id == providerId).Select(p => (LlmProviderType?)p.Type).FirstOrDefaultAsync(ct);
        if (type is null)
        {
            return [];
        }
        var custom = await db.CustomModels.Where(m => m.ProviderType == type).ToListAsync(ct);
        return custom.Select(m => m.ToInfo()).Concat(catalogue.ModelsFor(type.Value).Where(m => custom.All(c => c.Name != m.Name))).ToList();
    }

    public async Task<IReadOnlyList<CustomModel>> ListCustomModelsAsync(TeamAccess access, CancellationToken ct)
    {
        await using var db = await dbFactory.CreateForTeamAsync(access.TeamId, ct);
        return await db.CustomModels.OrderBy(m => m.ProviderType).ThenBy(m => m.Name).ToListAsync(ct);
    }

    public async Task<Result<CustomModel>> AddCustomModelAsync(TeamAccess access, CustomModelInput input, CancellationToken ct)
    {
        if (!access.Can(TeamPermission.ManageProviders))
        {
            return Result<CustomModel>.Fail("Only team admins can manage providers.");
        }
        var name = input.Name?.Trim() ?? "";
        if (name.Length is 0 or > 200)
        {
            return Result<CustomModel>.Fail("Model names are 1 to 200 characters.");
        }
        if (input.ContextWindow is < 256 or > 10_000_000)
        {
            return Result<CustomModel>.Fail("The context window must be between 256 and 10,000,000 tokens.");
        }
        if (input.InputPerMillion < 0 || input.OutputPerMillion < 0)
        {
            return Result<CustomModel>.Fail("Prices cannot be negative.");
        }
        await using var db = await dbFactory.CreateForTeamAsync(access.TeamId, ct);
        if (await db.CustomModels.AnyAsync(m => m.ProviderType == input.ProviderType && m.Name == name, ct))
        {
            return Result<CustomModel>.Fail($"The team already has a model named '{name}' for {input.ProviderType}.");
        }
        var model = new CustomModel(access.TeamId, input.ProviderType, name, input.ContextWindow)
        {
            InputPerMillion = input.InputPerMillion,
            OutputPerMillion = input.OutputPerMillion,
        };
        db.CustomModels.Add(model);
        await db.SaveChangesAsync(ct);
        return Result<CustomModel>.Ok(model);
    }

    public async Task<bool> DeleteCustomModelAsync(TeamAccess access, Guid id, CancellationToken ct)
    {
        if (!access.Can(TeamPermission.ManageProviders))
        {
            return false;
        }
        await using var db = await dbFactory.CreateForTeamAsync(access.TeamId, ct);
        var model = await db.CustomModels.FirstOrDefaultAsync(m => m.Id == id, ct);
        if (model is null)
        {
            return false;
        }
        db.CustomModels.Remove(model);
        await db.SaveChangesAsync(ct);
        return true;
    }

    internal LlmProviderSettings SettingsOf(LlmProvider p) =>
        new(p.Type, p.BaseUrl, string.IsNullOrEmpty(p.ProtectedApiKey) ? null : _protector.Unprotect(p.ProtectedApiKey))
        {
            Organization = p.Organization,
            ApiVersion = p.ApiVersion,
            Deployment = p.Deployment,
        };

    private void Apply(LlmProvider provider, ProviderInput input)
    {
        provider.BaseUrl = string.IsNullOrWhiteSpace(input.BaseUrl) ? null : input.BaseUrl.Trim();
        provider.Organization = Blank(input.Organization);
        provider.ApiVersion = Blank(input.ApiVersion);
        provider.Deployment = Blank(input.Deployment);
        if (input.ApiKey is not null)
        {
            var key = input.ApiKey.Trim();
            provider.ProtectedApiKey = key.Length == 0 ? "" : _protector.Protect(key);
            provider.KeyHint = key.Length >= 8 ? "…" + key[^4..] : key.Length == 0 ? null : "…";
        }
        provider.UpdatedAt = clock.GetUtcNow().UtcDateTime;
    }

    private static string? Validate(TeamAccess access, ProviderInput input, bool isNew)
    {
        if (!access.Can(TeamPermission.ManageProviders))
        {
            return "Only team admins can manage providers.";
        }
        var name = input.Name?.Trim() ?? "";
        if (name.Length is 0 or > MaxNameLength)
        {
            return $"Provider names are 1 to {MaxNameLength} characters.";
        }
        if (input.Type == LlmProviderType.Offline || !Enum.IsDefined(input.Type))
        {
            return "Choose a provider type: OpenAI, Azure OpenAI, Anthropic, Ollama or OpenAI-compatible.";
        }
        if (!string.IsNullOrWhiteSpace(input.BaseUrl) &&
            (!Uri.TryCreate(input.BaseUrl.Trim(), UriKind.Absolute, out var uri) || uri.Scheme is not ("http" or "https")))
        {
            return "The base URL must be an absolute http(s) address, e.g. http://localhost:11434/v1.";
        }
        var hasKey = !string.IsNullOrWhiteSpace(input.ApiKey);
        return input.Type switch
        {
            LlmProviderType.OpenAICompatible when string.IsNullOrWhiteSpace(input.BaseUrl) => "OpenAI-compatible providers need a base URL, including /v1.",
            LlmProviderType.AzureOpenAI when string.IsNullOrWhiteSpace(input.BaseUrl) => "Azure OpenAI needs the resource endpoint, e.g. https://my-resource.openai.azure.com/.",
            LlmProviderType.OpenAI or LlmProviderType.Anthropic or LlmProviderType.AzureOpenAI when isNew && !hasKey => "Enter the API key.",
            _ => null,
        };
    }

    private static string? Blank(string? value) => string.IsNullOrWhiteSpace(value) ? null : value.Trim();

    private static ProviderSummary ToSummary(LlmProvider p) => new(p.Id, p.Name, p.Type, p.BaseUrl, p.KeyHint, IsBuiltIn: false, p.UpdatedAt);
}

/// <summary>The Data Protection purpose for provider keys (one place, so the resolver and the service agree).</summary>
public static class ProviderSecrets
{
    public const string Purpose = "OpenChatStudio.ProviderSecrets.v1";
}
