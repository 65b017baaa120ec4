using BenchmarkDotNet.Running;
using OpenChatStudio.Bench;

// Sanity check first, so a broken pipeline fails loudly instead of benchmarking an error path.
var check = new ExecutorBenchmarks();
check.Setup();
var reply = await check.TenNodes();
if (reply is null || !reply.StartsWith("Here is a short helpful answer", StringComparison.Ordinal))
{
    Console.Error.WriteLine($"The 10-node pipeline did not run as expected: {reply}");
    return 1;
}

BenchmarkSwitcher.FromAssembly(typeof(ExecutorBenchmarks).Assembly).Run(args);
return 0;
