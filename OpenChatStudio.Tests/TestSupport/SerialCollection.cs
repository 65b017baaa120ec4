namespace OpenChatStudio.Tests.TestSupport;

/// <summary>
/// Tests that measure the whole process (allocated bytes, for instance) and would count other tests' work: xunit runs
/// this collection on its own, after the parallel ones.
/// </summary>
[CollectionDefinition(Name, DisableParallelization = true)]
public sealed class SerialCollection
{
    public const string Name = "Runs alone";
}
