namespace OpenChatStudio.Tests.TestSupport;

/// <summary>
/// The official <c>open-chat-studio-widget</c> from npm, at the version pinned in <c>OpenChatStudio.Tests/npm/package.json</c>
/// and installed before the run (<see cref="TestPackages"/>).
/// </summary>
public static class WidgetPackage
{
    /// <summary>The folder holding <c>open-chat-studio-widget.esm.js</c> and its lazy-loaded chunks.</summary>
    public static string DistFolder()
    {
        var dist = Path.Combine(TestPackages.Package("open-chat-studio-widget"), "dist", "open-chat-studio-widget");
        if (!File.Exists(Path.Combine(dist, "open-chat-studio-widget.esm.js")))
        {
            throw new InvalidOperationException($"{dist} has no open-chat-studio-widget.esm.js: reinstall with `bash scripts/test-packages.sh`.");
        }
        return dist;
    }
}
