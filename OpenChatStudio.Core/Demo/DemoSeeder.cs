using System.Security.Cryptography;
using System.Text.Json.Nodes;
using Microsoft.AspNetCore.Identity;
using Microsoft.EntityFrameworkCore;
using OpenChatStudio.Core.Accounts;
using OpenChatStudio.Core.ApiKeys;
using OpenChatStudio.Core.Chatbots;
using OpenChatStudio.Core.Common;
using OpenChatStudio.Core.Data;
using OpenChatStudio.Core.Llm;
using OpenChatStudio.Core.Pipelines.Graph;
using OpenChatStudio.Core.Providers;
using OpenChatStudio.Core.Teams;
using OpenChatStudio.Core.Versions;

namespace OpenChatStudio.Core.Demo;

/// <summary>What <c>admin seed-demo</c> is asked for.</summary>
public sealed record DemoOptions(
    IReadOnlyList<string> AllowedDomains,
    string? LlmBaseUrl = null,
    string? LlmApiKey = null,
    string? LlmModel = null);

/// <summary>What <c>admin seed-demo</c> made; secrets (password, API key) are new on every run.</summary>
public sealed record DemoSeed(
    string TeamSlug,
    Guid ChatbotId,
    Guid ChatbotPublicId,
    int PublishedVersion,
    string Email,
    string Password,
    string ApiKey,
    string EmbedKey,
    IReadOnlyList<string> AllowedDomains,
    Guid? ProviderId);

/// <summary>
/// Creates (or brings up to date) a demo team with a published chatbot and a write API key. Idempotent: the team, the
/// account, the chatbot and the provider are found again by name; a new version is published only when the chatbot's
/// pipeline changed; the previous demo API key is revoked and a fresh one returned, and the demo account gets a new password.
/// </summary>
public sealed class DemoSeeder(
    UserManager<AppUser> users,
    AccountService accounts,
    TeamService teams,
    ChatbotService chatbots,
    VersionService versions,
    ProviderService providers,
    ApiKeyService apiKeys,
    Channels.ChannelService channels,
    IDbContextFactory<AppDbContext> dbFactory)
{
    public const string Email = "demo@example.com";
    public const string TeamName = "Demo team";
    public const string ChatbotName = "Demo assistant";
    public const string ProviderName = "Demo LLM";
    public const string ApiKeyName = "Demo key";
    public const string WidgetName = "Demo widget";

    public async Task<Result<DemoSeed>> SeedAsync(DemoOptions options, CancellationToken ct)
    {
        var llm = options.LlmBaseUrl is not null || options.LlmModel is not null || options.LlmApiKey is not null;
        if (llm && (string.IsNullOrWhiteSpace(options.LlmBaseUrl) || string.IsNullOrWhiteSpace(options.LlmModel)))
        {
            return Result<DemoSeed>.Fail("--llm-base-url and --llm-model go together (--llm-api-key is optional).");
        }
        if (llm && !Uri.TryCreate(options.LlmBaseUrl, UriKind.Absolute, out _))
        {
            return Result<DemoSeed>.Fail($"--llm-base-url '{options.LlmBaseUrl}' is not an absolute URL.");
        }

        var password = NewPassword();
        var user = await users.FindByEmailAsync(Email);
        if (user is null)
        {
            var created = await accounts.CreateUserAsync(Email, password, "Demo");
            if (!created.Succeeded)
            {
                return Result<DemoSeed>.Fail(created.Error!);
            }
            user = created.Value!;
        }
        else
        {
            var reset = await users.ResetPasswordAsync(user, await users.GeneratePasswordResetTokenAsync(user), password);
            if (!reset.Succeeded)
            {
                return Result<DemoSeed>.Fail(string.Join(" ", reset.Errors.Select(e => e.Description)));
            }
        }

        var access = await FindTeamAsync(user.Id, ct);
        if (access is null)
        {
            var team = await teams.CreateTeamAsync(user.Id, TeamName, ct);
            if (!team.Succeeded)
            {
                return Result<DemoSeed>.Fail(team.Error!);
            }
            access = (await teams.GetAccessAsync(user.Id, team.Value!.Slug, ct))!;
        }

        Guid? providerId = null;
        if (llm)
        {
            var provider = await UpsertProviderAsync(access, options, ct);
            if (!provider.Succeeded)
            {
                return Result<DemoSeed>.Fail(provider.Error!);
            }
            providerId = provider.Value;
        }

        var bot = (await chatbots.ListAsync(access, ChatbotName, includeArchived: false, ct)).FirstOrDefault(c => c.Name == ChatbotName);
        ChatbotDetails details;
        if (bot is null)
        {
            var created = await chatbots.CreateAsync(access, ChatbotName, ChatbotTemplates.SimpleAssistant, ct);
            if (!created.Succeeded)
            {
                return Result<DemoSeed>.Fail(created.Error!);
            }
            details = created.Value!;
        }
        else
        {
            details = (await chatbots.GetAsync(access, bot.Id, ct))!;
        }
        var graph = Pipeline(providerId ?? OfflineModel.ProviderId, providerId is null ? OfflineModel.ModelName : options.LlmModel!.Trim());
        if (graph.ToJson() != details.Pipeline.ToJson())
        {
            var saved = await chatbots.SavePipelineAsync(access, details.Id, graph, details.Layout, details.EditRevision, ct);
            if (!saved.Succeeded)
            {
                return Result<DemoSeed>.Fail(saved.Error!);
            }
        }

        var published = await PublishIfChangedAsync(access, details.Id, ct);
        if (!published.Succeeded)
        {
            return Result<DemoSeed>.Fail(published.Error!);
        }

        var widget = await UpsertWidgetAsync(access, details.Id, options.AllowedDomains, ct);
        if (!widget.Succeeded)
        {
            return Result<DemoSeed>.Fail(widget.Error!);
        }

        foreach (var old in (await apiKeys.ListAsync(access, ct)).Where(k => k.Name == ApiKeyName && k.RevokedAt is null))
        {
            await apiKeys.RevokeAsync(access, old.Id, ct);
        }
        var key = await apiKeys.CreateAsync(access, ApiKeyName, readOnly: false, ct);
        if (!key.Succeeded)
        {
            return Result<DemoSeed>.Fail(key.Error!);
        }
        return Result<DemoSeed>.Ok(new DemoSeed(access.Slug, details.Id, details.PublicId, published.Value, Email, password, key.Value!.Key,
            widget.Value!.EmbedKey!, widget.Value.AllowedDomains, providerId));
    }

    /// <summary>The demo chatbot's pipeline: Start → one LLM node with the whole conversation as history → End.</summary>
    public static PipelineGraph Pipeline(Guid providerId, string model) => new(
        [
            GraphNode.Create("start", "StartNode", "start"),
            new GraphNode("assistant", "LLMResponseWithPrompt", "assistant", new JsonObject
            {
                ["llm_provider_id"] = providerId.ToString(),
                ["llm_model"] = model,
                ["prompt"] = "You are a friendly, concise assistant for the Open Chat Studio demo.",
                ["history_type"] = "global",
            }),
            GraphNode.Create("end", "EndNode", "end"),
        ],
        [new GraphEdge("start", GraphEdge.DefaultPort, "assistant"), new GraphEdge("assistant", GraphEdge.DefaultPort, "end")]);

    private async Task<TeamAccess?> FindTeamAsync(Guid userId, CancellationToken ct)
    {
        var team = (await teams.ListForUserAsync(userId, ct)).FirstOrDefault(t => t.Name == TeamName);
        return team is null ? null : await teams.GetAccessAsync(userId, team.Slug, ct);
    }

    private async Task<Result<Guid>> UpsertProviderAsync(TeamAccess access, DemoOptions options, CancellationToken ct)
    {
        var input = new ProviderInput(ProviderName, LlmProviderType.OpenAICompatible, options.LlmBaseUrl!.Trim(), options.LlmApiKey ?? "");
        var existing = (await providers.ListAsync(access, ct)).FirstOrDefault(p => p.Name == ProviderName && !p.IsBuiltIn);
        var result = existing is null
            ? await providers.CreateAsync(access, input, ct)
            : await providers.UpdateAsync(access, existing.Id, input, ct);
        return result.Succeeded ? Result<Guid>.Ok(result.Value!.Id) : Result<Guid>.Fail(result.Error!);
    }

    /// <summary>The demo's widget channel (found by name), with the allowed domains asked for; its embed key is kept.</summary>
    private async Task<Result<Channels.ChannelInfo>> UpsertWidgetAsync(TeamAccess access, Guid chatbotId, IReadOnlyList<string> domains, CancellationToken ct)
    {
        var existing = (await channels.ListAsync(access, chatbotId, ct)).FirstOrDefault(c => c.Kind == Channels.ChannelKind.Widget && c.Name == WidgetName);
        return existing is null
            ? await channels.CreateAsync(access, chatbotId, Channels.ChannelKind.Widget, WidgetName, domains, ct)
            : await channels.UpdateAsync(access, existing.Id, new Channels.ChannelUpdate(WidgetName, true, existing.DisabledMessage, domains), ct);
    }

    private async Task<Result<int>> PublishIfChangedAsync(TeamAccess access, Guid chatbotId, CancellationToken ct)
    {
        await using (var db = await dbFactory.CreateForTeamAsync(access.TeamId, ct))
        {
            var current = await db.Chatbots.Where(c => c.Id == chatbotId).Select(c => c.PipelineJson).SingleAsync(ct);
            var published = await db.ChatbotVersions.Where(v => v.ChatbotId == chatbotId && v.IsPublished)
                .Select(v => new { v.Number, v.PipelineJson }).FirstOrDefaultAsync(ct);
            if (published is not null && published.PipelineJson == current)
            {
                return Result<int>.Ok(published.Number);
            }
        }
        var created = await versions.CreateAsync(access, chatbotId, "Published by admin seed-demo", publish: true, "seed-demo", ct);
        return created.Succeeded ? Result<int>.Ok(created.Value!.Number) : Result<int>.Fail(created.Error!);
    }

    private static string NewPassword() =>
        "Demo-" + Convert.ToBase64String(RandomNumberGenerator.GetBytes(12)).Replace('+', 'x').Replace('/', 'y') + "9a";
}
