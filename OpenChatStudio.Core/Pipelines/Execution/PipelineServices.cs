using OpenChatStudio.Core.Email;
using OpenChatStudio.Core.Llm;
using OpenChatStudio.Core.Pipelines.Templates;

namespace OpenChatStudio.Core.Pipelines.Execution;

/// <summary>A plain bag of the services nodes use; the runtime builds one per team and session.</summary>
public sealed class PipelineServices(
    ILlmResolver llm,
    IChatHistoryStore history,
    IEmailSender email,
    ITemplateRenderer templates,
    TimeProvider clock,
    IPipelineResources? resources = null,
    Tools.IReminderStore? reminders = null) : IPipelineServices
{
    public TimeProvider Clock { get; } = clock;

    public ITemplateRenderer Templates { get; } = templates;

    public IEmailSender Email { get; } = email;

    public ILlmResolver Llm { get; } = llm;

    public IChatHistoryStore History { get; } = history;

    public IPipelineResources Resources { get; } = resources ?? NoResources.Instance;

    public Tools.IReminderStore Reminders { get; } = reminders ?? new Tools.InMemoryReminderStore();
}
