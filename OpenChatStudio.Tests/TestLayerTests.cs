using System.Reflection;
using System.Runtime.CompilerServices;
using System.Text.RegularExpressions;
using OpenChatStudio.Tests.TestSupport;

namespace OpenChatStudio.Tests;

/// <summary>Every test class carries the layer its source says it belongs to (see <see cref="TestLayers"/>).</summary>
[Trait(TestLayers.Trait, TestLayers.Unit)]
public class TestLayerTests
{
    [Fact]
    public void EveryTestClass_IsMarkedUnit_ExactlyWhenItUsesNoDatabase()
    {
        var sources = Directory.EnumerateFiles(ProjectDirectory(), "*.cs", SearchOption.AllDirectories)
            .Where(f => !f.Contains($"{Path.DirectorySeparatorChar}obj{Path.DirectorySeparatorChar}") && !f.Contains($"{Path.DirectorySeparatorChar}bin{Path.DirectorySeparatorChar}"))
            .Select(f => (Path: f, Text: File.ReadAllText(f)))
            .ToList();
        var testClasses = typeof(TestLayerTests).Assembly.GetTypes()
            .Where(t => t is { IsClass: true, IsAbstract: false } && t.GetMethods().Any(m => m.GetCustomAttributes<FactAttribute>(true).Any()))
            .ToList();
        Assert.True(testClasses.Count > 50, $"only {testClasses.Count} test classes found");

        var wrong = new List<string>();
        foreach (var type in testClasses)
        {
            var declaration = new Regex($@"(?m)^\s*(?:(?:public|internal|private|protected|sealed|static|abstract|partial)\s+)+class\s+{Regex.Escape(type.Name)}\b");
            var files = sources.Where(s => declaration.IsMatch(s.Text) && s.Text.Contains($"namespace {type.Namespace};")).ToList();
            if (files.Count != 1)
            {
                wrong.Add($"{type.FullName}: {files.Count} source files declare it ({string.Join(", ", files.Select(f => Path.GetFileName(f.Path)))})");
                continue;
            }
            var file = files[0];
            var usesDatabase = TestLayers.DatabaseMarkers.Any(m => Regex.IsMatch(file.Text, $@"\b{m}\b"));
            var markedUnit = CustomAttributeData.GetCustomAttributes(type).Any(a => a.AttributeType == typeof(TraitAttribute)
                    && (string?)a.ConstructorArguments[0].Value == TestLayers.Trait && (string?)a.ConstructorArguments[1].Value == TestLayers.Unit);
            var browser = type.Namespace == "OpenChatStudio.Tests.E2E";
            if (browser && markedUnit)
            {
                wrong.Add($"{type.FullName}: a browser test marked Unit");
            }
            else if (!browser && usesDatabase && markedUnit)
            {
                wrong.Add($"{type.FullName}: uses a database but is marked Unit, so PostgreSQL would never run it; remove the trait");
            }
            else if (!browser && !usesDatabase && !markedUnit)
            {
                wrong.Add($"{type.FullName}: uses no database; add [Trait(TestLayers.Trait, TestLayers.Unit)] so it runs once");
            }
        }
        Assert.True(wrong.Count == 0, string.Join("\n", wrong));
    }

    private static string ProjectDirectory([CallerFilePath] string path = "") => Path.GetDirectoryName(path)!;
}
