namespace OpenChatStudio.Load;

/// <summary>CPU time and memory of the app process, read from /proc (Linux).</summary>
public sealed class ProcessStats(int pid)
{
    /// <summary>Clock ticks per second of /proc/[pid]/stat (USER_HZ; 100 on Linux).</summary>
    private const double TicksPerSecond = 100;

    public bool Available => pid > 0 && File.Exists($"/proc/{pid}/stat");

    /// <summary>User + system CPU time in milliseconds.</summary>
    public double CpuMs()
    {
        if (!Available)
        {
            return 0;
        }
        var stat = File.ReadAllText($"/proc/{pid}/stat");
        // Fields after the command name in parentheses: state is field 3; utime and stime are fields 14 and 15.
        var fields = stat[(stat.LastIndexOf(')') + 2)..].Split(' ');
        return (long.Parse(fields[11]) + long.Parse(fields[12])) * 1000 / TicksPerSecond;
    }

    public long RssKb() => StatusKb("VmRSS:");

    public long PeakRssKb() => StatusKb("VmHWM:");

    private long StatusKb(string key)
    {
        if (!Available)
        {
            return 0;
        }
        foreach (var line in File.ReadLines($"/proc/{pid}/status"))
        {
            if (line.StartsWith(key, StringComparison.Ordinal))
            {
                return long.Parse(line[key.Length..].Trim().Split(' ')[0]);
            }
        }
        return 0;
    }
}
