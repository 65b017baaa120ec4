namespace OpenChatStudio.Core.Pipelines.Scripting;

/// <summary>
/// What one run of user JavaScript may use. <see cref="MemoryBytes"/> is an allocation budget: Jint counts every byte
/// the script allocates during the run, including garbage, not only what is alive at the end.
/// </summary>
public sealed record JsSandboxLimits(TimeSpan Timeout, long MemoryBytes, int MaxRecursion, int MaxStatements, uint MaxArrayLength)
{
    public static readonly JsSandboxLimits Default = new(
        Timeout: TimeSpan.FromSeconds(2),
        MemoryBytes: 32L * 1024 * 1024,
        MaxRecursion: 64,
        MaxStatements: 100_000_000,
        MaxArrayLength: 1_000_000);

    public long MemoryMegabytes => MemoryBytes / (1024 * 1024);

    /// <summary>The longest string one call may build (UTF-16: two bytes a character).</summary>
    public long MaxStringLength => MemoryBytes / 2;
}
