using OpenChatStudio.Core.Email;
using OpenChatStudio.Core.Pipelines.Templates;
using OpenChatStudio.Core.Llm;

namespace OpenChatStudio.Core.Pipelines.Execution;

/// <summary>The side effects nodes may cause, behind seams the engine tests replace. No EF, no UI.</summary>
public interface IPipelineServices
{
    TimeProvider Clock { get; }

    ITemplateRenderer Templates { get; }

    IEmailSender Email { get; }

    /// <summary>Resolves a node's provider + model into something that can chat (see Llm/).</summary>
    ILlmResolver Llm { get; }

    IChatHistoryStore History { get; }

    /// <summary>Scheduled messages the reminder tools create.</summary>
    Tools.IReminderStore Reminders { get; }

    /// <summary>Team resources nodes refer to by id (source material).</summary>
    IPipelineResources Resources { get; }
}

/// <summary>Looks up team resources for prompts.</summary>
public interface IPipelineResources
{
    Task<string?> GetSourceMaterialAsync(Guid id, CancellationToken ct);
}

public sealed class NoResources : IPipelineResources
{
    public static readonly NoResources Instance = new();

    public Task<string?> GetSourceMaterialAsync(Guid id, CancellationToken ct) => Task.FromResult<string?>(null);
}
