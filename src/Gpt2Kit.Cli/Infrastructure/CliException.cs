namespace Gpt2Kit.Cli.Infrastructure;

/// <summary>A user-facing failure: printed as one line on stderr, with the given exit code and no stack trace.</summary>
internal sealed class CliException(string message, int exitCode = ExitCodes.Failure) : Exception(message)
{
    public int ExitCode { get; } = exitCode;
}

/// <summary>The CLI's exit codes, the same for every command.</summary>
internal static class ExitCodes
{
    public const int Success = 0;

    /// <summary>Bad input or a failed operation (a missing file, an invalid option value, a malformed checkpoint).</summary>
    public const int Failure = 1;

    /// <summary>The command line itself could not be parsed.</summary>
    public const int Usage = 2;

    /// <summary>Cancelled by the user (Ctrl+C).</summary>
    public const int Cancelled = 130;
}
