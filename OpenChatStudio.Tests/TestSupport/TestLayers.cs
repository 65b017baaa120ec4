namespace OpenChatStudio.Tests.TestSupport;

/// <summary>
/// Where a test runs in <c>scripts/test.sh</c>, decided by what it uses (docs/testing.md, "Layers"):
/// <list type="bullet">
/// <item><b>Unit</b> (<c>[Trait(TestLayers.Trait, TestLayers.Unit)]</c>): pure Core and bUnit tests with no database; once, in the SQLite pass.</item>
/// <item><b>Database</b> (no trait): a class that opens a <see cref="TestDatabase"/> (directly, through <see cref="CoreHost"/> or
/// <see cref="OcsAppFactory"/>); on SQLite and on PostgreSQL.</item>
/// <item><b>Browser</b>: the classes in <c>OpenChatStudio.Tests.E2E</c>; once, in the PostgreSQL pass.</item>
/// </list>
/// <c>TestLayerTests</c> fails when a class's trait does not match what its source uses, so a new test cannot land in the wrong pass.
/// </summary>
public static class TestLayers
{
    public const string Trait = "Layer";
    public const string Unit = "Unit";

    /// <summary>Names whose presence in a test class's source file means the class touches a database.</summary>
    public static readonly string[] DatabaseMarkers = ["TestDatabase", "CoreHost", "OcsAppFactory", "AppDbContext", "BrowserFixture"];
}
