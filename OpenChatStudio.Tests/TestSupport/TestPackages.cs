using System.Runtime.CompilerServices;

namespace OpenChatStudio.Tests.TestSupport;

/// <summary>
/// The npm packages the tests drive (<c>OpenChatStudio.Tests/npm/package.json</c>), installed before the run by
/// <c>scripts/test-packages.sh</c> (which <c>scripts/test.sh</c> calls). Tests never fetch anything themselves.
/// </summary>
public static class TestPackages
{
    /// <summary>The <c>node_modules</c> folder, or a failure that says how to install it.</summary>
    public static string NodeModules => Path.Combine(Folder(), "node_modules");

    /// <summary>The folder of one installed package, failing with the install command when it is missing.</summary>
    public static string Package(string name)
    {
        var dir = Path.Combine(NodeModules, name);
        if (!File.Exists(Path.Combine(dir, "package.json")))
        {
            throw new InvalidOperationException(
                $"The npm package '{name}' is not installed in {NodeModules}. Run `bash scripts/test-packages.sh` once (scripts/test.sh does it).");
        }
        return dir;
    }

    private static string Folder([CallerFilePath] string here = "") =>
        Environment.GetEnvironmentVariable("OCS_TEST_NPM_DIR") is { Length: > 0 } custom
            ? custom
            : Path.Combine(Path.GetDirectoryName(Path.GetDirectoryName(here))!, "npm");
}
