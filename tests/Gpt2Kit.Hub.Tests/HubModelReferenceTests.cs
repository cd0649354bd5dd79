using Gpt2Kit.Hub;

namespace Gpt2Kit.Hub.Tests;

public sealed class HubModelReferenceTests
{
    [Theory]
    [InlineData("gpt2", "gpt2", "main", "models--gpt2")]
    [InlineData("openai-community/gpt2", "openai-community/gpt2", "main", "models--openai-community--gpt2")]
    [InlineData("distilbert/distilgpt2@v1.0", "distilbert/distilgpt2", "v1.0", "models--distilbert--distilgpt2")]
    [InlineData("org/name@refs/pr/1", "org/name", "refs/pr/1", "models--org--name")]
    [InlineData("gpt2@", "gpt2", "main", "models--gpt2")]
    public void Parse_SplitsNameAndRevision_AndNamesTheCacheFolder(string text, string repoId, string revision, string folder)
    {
        var reference = HubModelReference.Parse(text);

        reference.RepoId.Should().Be(repoId);
        reference.Revision.Should().Be(revision);
        reference.CacheFolderName.Should().Be(folder);
    }

    [Theory]
    [InlineData("a/b/c")]
    [InlineData("org--x/name")]
    [InlineData("-name")]
    [InlineData("name.")]
    [InlineData("na me")]
    [InlineData("org/../x")]
    [InlineData("name@../../etc")]
    [InlineData("name@/abs")]
    public void Parse_RejectsMalformedNames_NamingTheValue(string text)
    {
        HubModelReference.TryParse(text, out _).Should().BeFalse();
        var act = () => HubModelReference.Parse(text);
        act.Should().Throw<ArgumentException>().Which.Message.Should().ContainAny(text.Split('@'));
    }

    [Fact]
    public void IsCommitHash_OnlyForFullLowercaseHashes()
    {
        HubModelReference.Parse("gpt2@" + HubTestRepo.CommitA).IsCommitHash.Should().BeTrue();
        HubModelReference.Parse("gpt2@0123abc").IsCommitHash.Should().BeFalse();
        HubModelReference.Parse("gpt2").IsCommitHash.Should().BeFalse();
    }

    [Fact]
    public void ToString_OmitsTheDefaultRevision()
    {
        HubModelReference.Parse("org/name").ToString().Should().Be("org/name");
        HubModelReference.Parse("org/name@dev").ToString().Should().Be("org/name@dev");
    }
}
