using Microsoft.Extensions.Time.Testing;
using OpenChatStudio.Core.Channels.Messaging;
using OpenChatStudio.Core.Channels.Telegram;
using OpenChatStudio.Tests.TestSupport;

namespace OpenChatStudio.Tests.Core.Channels;

/// <summary>The parts of the messaging channels that need no server: splitting, Telegram formatting, pacing.</summary>
[Trait(TestLayers.Trait, TestLayers.Unit)]
public sealed class MessagingUnitTests
{
    [Fact]
    public void Splitter_PrefersParagraphs_ThenSentences_ThenWords_AndNeverLosesText()
    {
        var paragraphs = string.Join("\n\n", Enumerable.Range(1, 6).Select(i => new string((char)('a' + i), 30)));
        var parts = MessageSplitter.Split(paragraphs, 70);
        Assert.All(parts, p => Assert.True(p.Length <= 70));
        Assert.All(parts, p => Assert.All(p.Split("\n\n"), paragraph => Assert.Equal(30, paragraph.Length)));   // cut between paragraphs only
        Assert.Equal(paragraphs.Replace("\n", "", StringComparison.Ordinal), string.Concat(parts).Replace("\n", "", StringComparison.Ordinal));

        var sentences = "First sentence is here. Second sentence is a bit longer than that. Third one ends it.";
        var bySentence = MessageSplitter.Split(sentences, 50);
        Assert.Equal("First sentence is here.", bySentence[0]);
        Assert.All(bySentence, p => Assert.True(p.Length <= 50));

        var noBoundary = new string('x', 100);
        Assert.Equal([new string('x', 40), new string('x', 40), new string('x', 20)], MessageSplitter.Split(noBoundary, 40));
        Assert.Empty(MessageSplitter.Split("   ", 40));
    }

    [Fact]
    public void Splitter_NeverCutsASurrogatePair()
    {
        var text = new string('a', 39) + "😀" + new string('b', 10);
        var parts = MessageSplitter.Split(text, 40);
        Assert.All(parts, p => Assert.False(char.IsHighSurrogate(p[^1])));
        Assert.Equal(text, string.Concat(parts));
    }

    [Theory]
    [InlineData("**bold** and *it*", "<b>bold</b> and <i>it</i>")]
    [InlineData("a < b & c > d", "a &lt; b &amp; c &gt; d")]
    [InlineData("see [docs](https://example.org/a?b=1&c=2)", "see <a href=\"https://example.org/a?b=1&amp;c=2\">docs</a>")]
    [InlineData("[bad](javascript:alert(1))", "[bad](javascript:alert(1))")]
    [InlineData("use `x<y`", "use <code>x&lt;y</code>")]
    [InlineData("```\nif (a < b) {}\n```", "<pre>if (a &lt; b) {}</pre>")]
    [InlineData("# Title", "<b>Title</b>")]
    [InlineData("snake_case_name stays", "snake_case_name stays")]
    [InlineData("<script>alert(1)</script>", "&lt;script&gt;alert(1)&lt;/script&gt;")]
    public void TelegramFormatting_ConvertsMarkdown_AndEscapesEverythingElse(string markdown, string html) =>
        Assert.Equal(html, TelegramFormatting.ToHtml(markdown));

    [Fact]
    public async Task Pacer_SpacesSendsOfOneChannel_ButNotOfOthers()
    {
        var clock = new FakeTimeProvider(DateTimeOffset.Parse("2026-12-04T10:00:00Z", System.Globalization.CultureInfo.InvariantCulture));
        var pacer = new ChannelPacer(clock);
        var channel = Guid.NewGuid();

        await pacer.WaitTurnAsync(channel, 20, CancellationToken.None);   // the first send goes at once
        var second = pacer.WaitTurnAsync(channel, 20, CancellationToken.None);
        var other = pacer.WaitTurnAsync(Guid.NewGuid(), 20, CancellationToken.None);
        Assert.True(other.IsCompletedSuccessfully);
        Assert.False(second.IsCompleted);

        clock.Advance(TimeSpan.FromMilliseconds(49));
        Assert.False(second.IsCompleted);
        clock.Advance(TimeSpan.FromMilliseconds(1));
        await second.WaitAsync(TimeSpan.FromSeconds(5));

        Assert.True(pacer.WaitTurnAsync(channel, 0, CancellationToken.None).IsCompletedSuccessfully);   // no pacing asked
    }
}
