namespace Sockscope.Cli.Output;

/// <summary>
/// A command's output could not be written or created (a full disk, a closed pipe, a folder that does not exist), as
/// opposed to its input not being read. It is no <see cref="IOException"/>, so the handlers of input problems let it
/// pass: the command line reports it once, naming the output (<see cref="Commands.CommandErrors.ReportOutputFailure"/>).
/// </summary>
internal sealed class OutputFailedException(string target, Exception inner, bool readerGone = false) : Exception(inner.Message, inner)
{
    /// <summary>What could not be written: the output file's path, or <see cref="OutputStream.StandardOutputName"/>.</summary>
    public string Target { get; } = target;

    /// <summary>
    /// True when the standard output is a pipe whose reader went away (<c>| head</c>): the reader's choice, not an error.
    /// </summary>
    public bool ReaderGone { get; } = readerGone;
}
