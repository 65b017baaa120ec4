using OpenChatStudio.Core.Common;
using OpenChatStudio.Tests.TestSupport;

namespace OpenChatStudio.Tests.Core.Common;

[Trait(TestLayers.Trait, TestLayers.Unit)]
public class CsvTests
{
    private static List<string[]> Read(string text) => Csv.Read(new StringReader(text)).Select(r => r.Fields).ToList();

    [Fact]
    public void Reads_QuotedFields_WithCommasQuotesAndLineBreaks_CrLfOrLf_SkippingBlankLines()
    {
        var rows = Read("a,b,c\r\n\"x, y\",\"say \"\"hi\"\"\",\"two\nlines\"\n\n1,,3");
        Assert.Equal(3, rows.Count);
        Assert.Equal(["a", "b", "c"], rows[0]);
        Assert.Equal(["x, y", "say \"hi\"", "two\nlines"], rows[1]);
        Assert.Equal(["1", "", "3"], rows[2]);
    }

    [Fact]
    public void AnUnterminatedQuote_IsAFormatError_NamingItsLine()
    {
        var ex = Assert.Throws<FormatException>(() => Read("a\n\"open,b\nc"));
        Assert.Contains("line 2", ex.Message);
    }

    [Theory]
    [InlineData("a\nab\"c,d", "line 2")]          // a quote inside an unquoted value
    [InlineData("a\n\"ab\"c,d", "line 2")]        // text after a closing quote
    public void StrayQuotes_AreFormatErrors_NamingTheLine(string text, string line)
    {
        var ex = Assert.Throws<FormatException>(() => Read(text));
        Assert.Contains(line, ex.Message);
    }

    [Fact]
    public void Rows_ComeWithTheLineTheyStartOn()
    {
        var rows = Csv.Read(new StringReader("h1,h2\n\"two\nlines\",x\n\nlast,y")).ToList();
        Assert.Equal([1, 2, 5], rows.Select(r => r.Line));
    }

    [Theory]
    [InlineData("plain", "plain")]
    [InlineData("with,comma", "\"with,comma\"")]
    [InlineData("quote\"d", "\"quote\"\"d\"")]
    [InlineData("=SUM(A1)", "'=SUM(A1)")]
    [InlineData("-12.5", "-12.5")]
    [InlineData(null, "")]
    public void Escape_QuotesWhereNeeded_AndDefusesFormulas(string? value, string expected) => Assert.Equal(expected, Csv.Escape(value));

    [Fact]
    public void RowsWrittenAreReadBackUnchanged()
    {
        string[] values = ["a,b", "line\nbreak", "\"q\"", "", "x"];
        Assert.Equal(values, Read(Csv.Row(values)).Single());
    }
}
