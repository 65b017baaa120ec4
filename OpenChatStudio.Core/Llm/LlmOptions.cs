namespace OpenChatStudio.Core.Llm;

/// <summary>Bound from the <c>Llm</c> section: how long provider calls may take and how often they are retried.</summary>
public sealed class LlmOptions
{
    public const string SectionName = "Llm";

    /// <summary>
    /// Per call: a non-streaming call must finish within it (retries included); a stream must deliver its first chunk, and
    /// every later chunk, within it. Default 60.
    /// </summary>
    public double TimeoutSeconds { get; set; } = 60;

    /// <summary>Retries after the first attempt for 429, 500, 502, 503, 504 and connection failures. Default 2 (3 attempts in all).</summary>
    public int MaxRetries { get; set; } = 2;

    /// <summary>First backoff delay; doubled on each retry, with ±25 % jitter. Default 500 ms.</summary>
    public double RetryBaseDelayMilliseconds { get; set; } = 500;

    /// <summary>Upper bound of any one wait, including a provider's <c>Retry-After</c>. Default 20 s.</summary>
    public double MaxRetryDelaySeconds { get; set; } = 20;

    internal TimeSpan Timeout => TimeSpan.FromSeconds(TimeoutSeconds);

    internal TimeSpan RetryBaseDelay => TimeSpan.FromMilliseconds(RetryBaseDelayMilliseconds);

    internal TimeSpan MaxRetryDelay => TimeSpan.FromSeconds(MaxRetryDelaySeconds);

    internal int MaxAttempts => MaxRetries + 1;

    /// <summary>Null when valid, else what is wrong (used by <c>ValidateOnStart</c>).</summary>
    internal string? Validate() =>
        TimeoutSeconds is <= 0 or > 3600 ? "Llm:TimeoutSeconds must be between 0 and 3600." :
        MaxRetries is < 0 or > 10 ? "Llm:MaxRetries must be between 0 and 10." :
        RetryBaseDelayMilliseconds < 0 ? "Llm:RetryBaseDelayMilliseconds must not be negative." :
        MaxRetryDelaySeconds < 0 ? "Llm:MaxRetryDelaySeconds must not be negative." :
        null;
}
