using System.Collections.Concurrent;
using Microsoft.EntityFrameworkCore;
using Microsoft.SemanticKernel.ChatCompletion;
using OpenChatStudio.Core.Data;
using OpenChatStudio.Core.Llm;
using OpenChatStudio.Core.Pipelines.Execution;

namespace OpenChatStudio.Core.Providers;

/// <summary>
/// Resolves a node's provider id + model within one team: the built-in offline model, or one of the team's providers
/// (key decrypted only here). Chat services are cached per provider revision and model.
/// </summary>
public sealed class TeamLlmResolverFactory(
    IDbContextFactory<AppDbContext> dbFactory,
    ChatServiceFactory factory,
    ModelCatalogue catalogue,
    ProviderService providers) : ILlmResolverFactory
{
    private readonly IDbContextFactory<AppDbContext> _dbFactory = dbFactory;
    private readonly ChatServiceFactory _factory = factory;
    private readonly ModelCatalogue _catalogue = catalogue;
    private readonly ProviderService _providers = providers;
    private readonly ConcurrentDictionary<(Guid Provider, DateTime Revision, string Model), IChatCompletionService> _services = new();
    private readonly OfflineChatCompletionService _offline = new();

    public ILlmResolver ForTeam(Guid teamId) => new Resolver(this, teamId);

    private sealed class Resolver(TeamLlmResolverFactory owner, Guid teamId) : ILlmResolver
    {
        public async Task<LlmBinding> ResolveAsync(Guid providerId, string model, CancellationToken ct)
        {
            if (providerId == OfflineModel.ProviderId)
            {
                return new LlmBinding(owner._offline, OfflineModel.Info, OfflineModel.ProviderName);
            }
            await using var db = await owner._dbFactory.CreateForTeamAsync(teamId, ct);
            // One round trip for the provider and the team's custom model of that name, if any.
            var row = await db.LlmProviders.AsNoTracking().Where(p => p.Id == providerId).Select(p => new
                {
                    Provider = p,
                    Custom = db.CustomModels.Where(m => m.ProviderType == p.Type && m.Name == model).FirstOrDefault(),
                }).FirstOrDefaultAsync(ct)
                ?? throw new PipelineNodeException("This node's LLM provider no longer exists in the team. Choose another provider.");
            var (provider, custom) = (row.Provider, row.Custom);
            var info = custom?.ToInfo() ?? owner._catalogue.Find(provider.Type, model) ?? new LlmModelInfo(model, 8_192);
            if (owner._services.Count > 512)
            {
                owner._services.Clear();
            }
            var service = owner._services.GetOrAdd((provider.Id, provider.UpdatedAt, model),
                _ => owner._factory.Create(owner._providers.SettingsOf(provider), model));
            return new LlmBinding(service, info, provider.Name);
        }
    }
}
