using OpenChatStudio.Tests.TestSupport;
using OpenChatStudio.Web.Hosting;

namespace OpenChatStudio.Tests.Web.Hosting;

/// <summary>The app started from another folder still uses its own folder (its appsettings.json, wwwroot, data).</summary>
[Trait(TestLayers.Trait, TestLayers.Unit)]
public sealed class ContentRootTests : IDisposable
{
    private readonly string _app = Directory.CreateTempSubdirectory("ocs-app").FullName;
    private readonly string _elsewhere = Directory.CreateTempSubdirectory("ocs-cwd").FullName;

    public ContentRootTests() => File.WriteAllText(Path.Combine(_app, "appsettings.json"), "{}");

    public void Dispose()
    {
        Directory.Delete(_app, true);
        Directory.Delete(_elsewhere, true);
    }

    [Fact]
    public void StartedFromAFolderWithoutSettings_UsesTheAppsOwnFolder() =>
        Assert.Equal(_app, HostComposition.ContentRoot(_elsewhere, _app));

    [Fact]
    public void StartedInAFolderWithItsOwnSettings_KeepsTheWorkingDirectory()
    {
        File.WriteAllText(Path.Combine(_elsewhere, "appsettings.json"), "{}");
        Assert.Null(HostComposition.ContentRoot(_elsewhere, _app));
    }

    [Fact]
    public void AnAppFolderWithoutSettings_ChangesNothing()
    {
        File.Delete(Path.Combine(_app, "appsettings.json"));
        Assert.Null(HostComposition.ContentRoot(_elsewhere, _app));
    }
}
