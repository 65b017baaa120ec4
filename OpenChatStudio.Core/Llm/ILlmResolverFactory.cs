namespace OpenChatStudio.Core.Llm;

/// <summary>Gives the LLM resolver for one team (its providers plus the built-in offline model).</summary>
public interface ILlmResolverFactory
{
    ILlmResolver ForTeam(Guid teamId);
}
