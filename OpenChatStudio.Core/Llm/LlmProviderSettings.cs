using System.Text;

namespace OpenChatStudio.Core.Llm;

/// <summary>
/// What a team entered for one provider (stored encrypted by the caller). <see cref="ToString"/> never shows the key.
/// </summary>
/// <param name="Type">The provider kind.</param>
/// <param name="BaseUrl">
/// OpenAI / OpenAI-compatible: the base URL <em>including</em> <c>/v1</c> (e.g. <c>http://localhost:11434/v1</c>);
/// <c>chat/completions</c> is appended to it. Optional for OpenAI (defaults to <c>https://api.openai.com/v1</c>), required for
/// OpenAI-compatible. Azure: the resource endpoint (<c>https://my-resource.openai.azure.com/</c>). Anthropic: optional,
/// defaults to <c>https://api.anthropic.com</c>. Ollama: optional, defaults to <c>http://localhost:11434</c>.
/// </param>
/// <param name="ApiKey">The secret; <c>null</c> when the server needs none (Ollama, most local servers).</param>
public sealed record LlmProviderSettings(LlmProviderType Type, string? BaseUrl = null, string? ApiKey = null)
{
    /// <summary>OpenAI only: the <c>OpenAI-Organization</c> header.</summary>
    public string? Organization { get; init; }

    /// <summary>Azure only: the API version, e.g. <c>2024-10-21</c> or <c>2025-04-01-preview</c>. Empty means the SDK's default.</summary>
    public string? ApiVersion { get; init; }

    /// <summary>Azure only: the deployment name. Empty means "same as the model name".</summary>
    public string? Deployment { get; init; }

    private bool PrintMembers(StringBuilder builder)
    {
        builder.Append("Type = ").Append(Type)
            .Append(", BaseUrl = ").Append(BaseUrl)
            .Append(", ApiKey = ").Append(ApiKey is null ? "(none)" : "***")
            .Append(", Organization = ").Append(Organization)
            .Append(", ApiVersion = ").Append(ApiVersion)
            .Append(", Deployment = ").Append(Deployment);
        return true;
    }
}
