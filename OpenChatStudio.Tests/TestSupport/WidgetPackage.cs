using System.Diagnostics;

namespace OpenChatStudio.Tests.TestSupport;

/// <summary>
/// The official <c>open-chat-studio-widget</c> from npm, installed at test time into a temp folder (never committed) and
/// reused while it is there.
/// </summary>
public static class WidgetPackage
{
    public const string Version = "0.6.0";

    private static readonly SemaphoreSlim Gate = new(1, 1);

    /// <summary>The folder holding <c>open-chat-studio-widget.esm.js</c> and its lazy-loaded chunks.</summary>
    public static async Task<string> DistFolderAsync()
    {
        var prefix = Environment.GetEnvironmentVariable("OCS_TEST_WIDGET_DIR") ?? Path.Combine(Path.GetTempPath(), $"ocs-widget-{Version}");
        var dist = Path.Combine(prefix, "node_modules", "open-chat-studio-widget", "dist", "open-chat-studio-widget");
        var entry = Path.Combine(dist, "open-chat-studio-widget.esm.js");
        await Gate.WaitAsync();
        try
        {
            if (File.Exists(entry))
            {
                return dist;
            }
            Directory.CreateDirectory(prefix);
            var start = new ProcessStartInfo("npm")
            {
                RedirectStandardOutput = true,
                RedirectStandardError = true,
                UseShellExecute = false,
            };
            foreach (var arg in new[] { "install", "--prefix", prefix, $"open-chat-studio-widget@{Version}", "--no-audit", "--no-fund", "--loglevel=error" })
            {
                start.ArgumentList.Add(arg);
            }
            using var npm = Process.Start(start) ?? throw new InvalidOperationException("Could not start npm.");
            var stdout = npm.StandardOutput.ReadToEndAsync();
            var stderr = npm.StandardError.ReadToEndAsync();
            using var timeout = new CancellationTokenSource(TimeSpan.FromMinutes(5));
            await npm.WaitForExitAsync(timeout.Token);
            if (npm.ExitCode != 0 || !File.Exists(entry))
            {
                throw new InvalidOperationException($"npm install open-chat-studio-widget@{Version} failed ({npm.ExitCode}): {await stderr}{await stdout}");
            }
            return dist;
        }
        finally
        {
            Gate.Release();
        }
    }
}
