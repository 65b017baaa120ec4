namespace OpenChatStudio.Core.Pipelines.Scripting;

/// <summary>The script called abort_with_message: stop every branch and reply with the message.</summary>
internal sealed class AbortRequestedException(string message) : Exception(message);
