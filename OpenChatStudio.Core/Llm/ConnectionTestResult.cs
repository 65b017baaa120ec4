namespace OpenChatStudio.Core.Llm;

/// <summary>The verdict of <see cref="ConnectionTester.TestAsync"/>: a sentence to show, and the round trip when it worked.</summary>
public sealed record ConnectionTestResult(bool Ok, string Message, double? LatencyMs);
