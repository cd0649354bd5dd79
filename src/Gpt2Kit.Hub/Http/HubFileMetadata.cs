namespace Gpt2Kit.Hub;

/// <summary>What the hub says about one file of one revision, before any byte of it is downloaded.</summary>
/// <param name="Commit">The commit the revision resolved to (<c>X-Repo-Commit</c>).</param>
/// <param name="Etag">The blob's name in the cache: the git object id, or the sha256 for LFS files (<c>X-Linked-Etag</c>).</param>
/// <param name="Size">The file's size when announced.</param>
/// <param name="DownloadUri">Where the bytes are: the resolve URL itself, or the storage server an LFS file redirects to.</param>
/// <param name="IsLfs">An LFS file: <see cref="Etag"/> is the sha256 of its content and is verified.</param>
internal sealed record HubFileMetadata(string Commit, string Etag, long? Size, Uri DownloadUri, bool IsLfs);
