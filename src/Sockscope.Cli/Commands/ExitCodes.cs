namespace Sockscope.Cli.Commands;

/// <summary>What the process's exit code tells a script.</summary>
public static class ExitCodes
{
    /// <summary>The file was read without trouble (or the reader of the output went away: <c>| head</c>).</summary>
    public const int Ok = 0;
    /// <summary>The output was written, but the file is damaged: some of it could not be read (see the warnings).</summary>
    public const int Damaged = 1;
    /// <summary>
    /// Nothing useful was done: bad usage, a file that cannot be read as an ETL file at all, or an output that could
    /// not be written (no output file is left behind).
    /// </summary>
    public const int Error = 2;
    /// <summary>An internal error: a bug in sockscope, not a problem of the file (the message says how to report it).</summary>
    public const int InternalError = 3;
}
