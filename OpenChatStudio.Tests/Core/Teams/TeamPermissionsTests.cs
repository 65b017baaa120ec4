using OpenChatStudio.Core.Teams;
using OpenChatStudio.Tests.TestSupport;

namespace OpenChatStudio.Tests.Core.Teams;

[Trait(TestLayers.Trait, TestLayers.Unit)]
public class TeamPermissionsTests
{
    [Fact]
    public void Matrix_CoversEveryPermission() =>
        Assert.Equal(Enum.GetValues<TeamPermission>().Order(), TeamPermissions.Matrix.Keys.Order());

    [Theory]
    [InlineData(TeamRole.Viewer, TeamPermission.ViewSessions, true)]
    [InlineData(TeamRole.Viewer, TeamPermission.EditChatbots, false)]
    [InlineData(TeamRole.Editor, TeamPermission.EditPipelines, true)]
    [InlineData(TeamRole.Editor, TeamPermission.ManageMembers, false)]
    [InlineData(TeamRole.Editor, TeamPermission.ManageProviders, false)]
    [InlineData(TeamRole.Admin, TeamPermission.ManageProviders, true)]
    [InlineData(TeamRole.Admin, TeamPermission.ViewChatbots, true)]
    public void Allows_FollowsDocumentedMatrix(TeamRole role, TeamPermission permission, bool allowed) =>
        Assert.Equal(allowed, role.Allows(permission));

    [Fact]
    public void PermissionsDoc_ListsEveryPermission()
    {
        var doc = File.ReadAllText(Path.Combine(RepoRoot(), "docs", "permissions.md"));
        foreach (var permission in Enum.GetValues<TeamPermission>())
        {
            Assert.Contains(permission.ToString(), doc);
        }
    }

    internal static string RepoRoot()
    {
        var dir = new DirectoryInfo(AppContext.BaseDirectory);
        while (dir is not null && !File.Exists(Path.Combine(dir.FullName, "OpenChatStudio.sln")))
        {
            dir = dir.Parent;
        }
        return dir?.FullName ?? throw new InvalidOperationException("Repository root not found.");
    }
}
