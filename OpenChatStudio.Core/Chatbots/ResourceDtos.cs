namespace OpenChatStudio.Core.Chatbots;

public sealed record SourceMaterialDto(Guid Id, string Topic, string Description, string Material, DateTime CreatedAt);

public sealed record SourceMaterialInput(string Topic, string Description, string Material);

public sealed record ConsentFormDto(
    Guid Id,
    string Name,
    string ConsentText,
    bool CaptureIdentifier,
    string IdentifierLabel,
    string IdentifierType,
    string ConfirmationText,
    bool IsDefault,
    DateTime CreatedAt);

/// <summary>The consent form editor. <see cref="IdentifierType"/> is "email" or "text".</summary>
public sealed record ConsentFormInput(
    string Name,
    string ConsentText,
    bool CaptureIdentifier,
    string IdentifierLabel,
    string IdentifierType,
    string ConfirmationText,
    bool IsDefault);
