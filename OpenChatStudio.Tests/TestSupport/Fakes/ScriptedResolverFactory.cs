using OpenChatStudio.Core.Llm;

namespace OpenChatStudio.Tests.TestSupport.Fakes;

/// <summary>Every team resolves every model to the same scripted chat service.</summary>
public sealed class ScriptedResolverFactory(ScriptedChatService service) : ILlmResolverFactory
{
    public ILlmResolver ForTeam(Guid teamId) => new ScriptedLlmResolver(ScriptedChatService.Bind(service, 1_000_000, 1_000_000));
}
