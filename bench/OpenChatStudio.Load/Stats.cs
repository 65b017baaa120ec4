using System.Text.Json.Nodes;

namespace OpenChatStudio.Load;

/// <summary>Latencies of one measured step and what the app spent on it.</summary>
public sealed class StepResult
{
    private readonly List<double> _latencies = [];
    private readonly Lock _lock = new();
    private long _errors;

    public string? FirstError { get; private set; }

    public void Record(double ms)
    {
        lock (_lock)
        {
            _latencies.Add(ms);
        }
    }

    public void Error(string message)
    {
        if (Interlocked.Increment(ref _errors) == 1)
        {
            FirstError = message;
        }
    }

    public int Count
    {
        get
        {
            lock (_lock)
            {
                return _latencies.Count;
            }
        }
    }

    public JsonObject ToJson(string scenario, string label, int concurrency, double seconds, double appCpuMs, long maxRssKb, long peakRssKb)
    {
        double[] sorted;
        lock (_lock)
        {
            sorted = [.. _latencies];
        }
        Array.Sort(sorted);
        double P(double q) => sorted.Length == 0 ? 0 : sorted[Math.Min(sorted.Length - 1, (int)Math.Ceiling(q * sorted.Length) - 1)];
        return new JsonObject
        {
            ["scenario"] = scenario,
            ["label"] = label,
            ["concurrency"] = concurrency,
            ["seconds"] = Math.Round(seconds, 1),
            ["ops"] = sorted.Length,
            ["ops_per_s"] = Math.Round(sorted.Length / seconds, 1),
            ["p50_ms"] = Math.Round(P(0.50), 1),
            ["p90_ms"] = Math.Round(P(0.90), 1),
            ["p99_ms"] = Math.Round(P(0.99), 1),
            ["errors"] = _errors,
            ["first_error"] = FirstError,
            ["app_cpu_ms_per_op"] = sorted.Length == 0 ? null : Math.Round(appCpuMs / sorted.Length, 3),
            ["app_rss_max_mb"] = Math.Round(maxRssKb / 1024.0, 1),
            ["app_rss_peak_mb"] = Math.Round(peakRssKb / 1024.0, 1),
        };
    }
}
