using System.Diagnostics.CodeAnalysis;
using System.Text.RegularExpressions;

namespace Gpt2Kit.Hub;

/// <summary>A model on the Hugging Face Hub: a repository id (<c>gpt2</c>, <c>openai-community/gpt2</c>) and a revision
/// (a branch, a tag or a commit hash; <c>main</c> by default). Written <c>org/name@revision</c> on the command line.</summary>
/// <remarks>Immutable; thread-safe.</remarks>
public sealed partial record HubModelReference
{
    /// <summary>The revision used when none is given.</summary>
    public const string DefaultRevision = "main";

    /// <summary>Creates a reference after checking the repository id and the revision.</summary>
    /// <param name="repoId"><c>name</c> or <c>org/name</c>: letters, digits, <c>-</c>, <c>_</c>, <c>.</c>; at most 96 characters per part.</param>
    /// <param name="revision">A branch, tag or commit; null or empty means <see cref="DefaultRevision"/>.</param>
    /// <exception cref="ArgumentException">The id or the revision is malformed; the message names it and the allowed form.</exception>
    public HubModelReference(string repoId, string? revision = null)
    {
        ArgumentNullException.ThrowIfNull(repoId);
        if (!IsValidRepoId(repoId))
        {
            throw new ArgumentException(
                $"'{repoId}' is not a Hugging Face model name; expected 'name' or 'org/name' made of letters, digits, '-', '_' and '.' " +
                "(no '--' or '..', not starting or ending with '-' or '.').", nameof(repoId));
        }

        revision = string.IsNullOrEmpty(revision) ? DefaultRevision : revision;
        if (!IsValidRevision(revision))
        {
            throw new ArgumentException(
                $"'{revision}' is not a valid revision; expected a branch, tag or commit hash without '..', '\\', spaces or a leading '/'.", nameof(revision));
        }

        RepoId = repoId;
        Revision = revision;
    }

    /// <summary>The repository id, as given (<c>gpt2</c> stays <c>gpt2</c>: the hub redirects it, the cache keeps the given name).</summary>
    public string RepoId { get; }

    /// <summary>The branch, tag or commit hash.</summary>
    public string Revision { get; }

    /// <summary>Whether <see cref="Revision"/> is a full 40-character commit hash (its snapshot never changes).</summary>
    public bool IsCommitHash => CommitHashPattern().IsMatch(Revision);

    /// <summary>The folder of this repository in the Hugging Face cache: <c>models--{org}--{name}</c>.</summary>
    public string CacheFolderName => "models--" + RepoId.Replace("/", "--", StringComparison.Ordinal);

    /// <summary>Parses <c>name</c>, <c>org/name</c> or either followed by <c>@revision</c>.</summary>
    /// <exception cref="ArgumentException">The text is not a model name.</exception>
    public static HubModelReference Parse(string text)
    {
        ArgumentNullException.ThrowIfNull(text);
        int at = text.IndexOf('@', StringComparison.Ordinal);
        return at < 0 ? new HubModelReference(text) : new HubModelReference(text[..at], at == text.Length - 1 ? null : text[(at + 1)..]);
    }

    /// <summary>Parses like <see cref="Parse"/> but returns false instead of throwing.</summary>
    public static bool TryParse(string? text, [NotNullWhen(true)] out HubModelReference? reference)
    {
        reference = null;
        if (string.IsNullOrWhiteSpace(text))
        {
            return false;
        }

        int at = text.IndexOf('@', StringComparison.Ordinal);
        string repoId = at < 0 ? text : text[..at];
        string? revision = at < 0 || at == text.Length - 1 ? null : text[(at + 1)..];
        if (!IsValidRepoId(repoId) || (revision is not null && !IsValidRevision(revision)))
        {
            return false;
        }

        reference = new HubModelReference(repoId, revision);
        return true;
    }

    /// <summary>Writes <c>repo</c>, or <c>repo@revision</c> when the revision is not <see cref="DefaultRevision"/>.</summary>
    public override string ToString() => Revision == DefaultRevision ? RepoId : $"{RepoId}@{Revision}";

    private static bool IsValidRepoId(string repoId)
    {
        string[] parts = repoId.Split('/');
        return parts.Length is 1 or 2 && parts.All(IsValidPart);

        static bool IsValidPart(string part) =>
            part.Length is > 0 and <= 96
            && RepoPartPattern().IsMatch(part)
            && !part.Contains("--", StringComparison.Ordinal)
            && !part.Contains("..", StringComparison.Ordinal)
            && part[0] is not ('-' or '.')
            && part[^1] is not ('-' or '.');
    }

    // Revisions become a file under refs/ and a URL segment: keep them from escaping either.
    private static bool IsValidRevision(string revision) =>
        revision.Length is > 0 and <= 256
        && !revision.Contains("..", StringComparison.Ordinal)
        && !revision.StartsWith('/')
        && !revision.EndsWith('/')
        && !revision.Any(c => c == '\\' || char.IsWhiteSpace(c) || char.IsControl(c));

    [GeneratedRegex("^[A-Za-z0-9_.-]+$")]
    private static partial Regex RepoPartPattern();

    [GeneratedRegex("^[0-9a-f]{40}$")]
    private static partial Regex CommitHashPattern();
}
