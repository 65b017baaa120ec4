namespace OpenChatStudio.Web.Api;

/// <summary>Endpoint metadata: request bodies larger than this are refused with 413 before they are read.</summary>
public sealed record BodySizeLimit(long? MaxRequestBodySize) : Microsoft.AspNetCore.Http.Metadata.IRequestSizeLimitMetadata;
