using OpenChatStudio.Core.Llm;

namespace OpenChatStudio.Core.Providers;

/// <summary>A provider as lists show it; the key itself never leaves the server.</summary>
public sealed record ProviderSummary(Guid Id, string Name, LlmProviderType Type, string? BaseUrl, string? KeyHint, bool IsBuiltIn, DateTime? UpdatedAt);

/// <summary>What a team admin submits. <see cref="ApiKey"/> null on update keeps the stored key; empty clears it.</summary>
public sealed record ProviderInput(
    string Name,
    LlmProviderType Type,
    string? BaseUrl,
    string? ApiKey,
    string? Organization = null,
    string? ApiVersion = null,
    string? Deployment = null);

public sealed record CustomModelInput(LlmProviderType ProviderType, string Name, int ContextWindow, decimal InputPerMillion, decimal OutputPerMillion);
