namespace Gpt2Kit.Extensions.AI.Tests;

public sealed class ResponseTextFilterTests
{
    private static readonly string[] Stops = ["\nUser:", "END"];

    [Theory]
    [InlineData("  Hello there.\nUser: more", "Hello there.", "Hello there.", true)]
    [InlineData(" Fine. THE END is near", "Fine. THE ", "Fine. THE ", true)]
    [InlineData(" No stop here\nUse", "No stop here", "No stop here\nUse", false)]
    [InlineData(" Almost EN", "Almost ", "Almost EN", false)]
    [InlineData("\n\n  ", "", "", false)]
    public void EveryWayOfSplittingTheText_GivesTheSameReply_AndNeverShowsAStopPrefix(string generated, string shownBeforeFinish, string reply, bool stopped)
    {
        for (int cut1 = 0; cut1 <= generated.Length; cut1++)
        {
            for (int cut2 = cut1; cut2 <= generated.Length; cut2++)
            {
                var filter = new ResponseTextFilter(Stops);
                string shown = filter.Append(generated[..cut1]) + filter.Append(generated[cut1..cut2]) + filter.Append(generated[cut2..]);
                shown.Should().Be(shownBeforeFinish, "a possible start of a stop sequence is held back until the end");
                (shown + filter.Finish()).Should().Be(reply, $"cuts at {cut1} and {cut2}");
                filter.StopFound.Should().Be(stopped);
            }
        }
    }

    [Fact]
    public void TextAfterAStop_IsIgnored()
    {
        var filter = new ResponseTextFilter(Stops);

        filter.Append("a END b").Should().Be("a ");
        filter.Append("more").Should().BeEmpty();
        filter.Finish().Should().BeEmpty();
    }
}
