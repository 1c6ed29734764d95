using System.Text;
using Microsoft.Win32.SafeHandles;
using Sockscope.Cli.Output;

namespace Sockscope.Cli.Commands;

/// <summary>
/// Where a command reads and writes and what those places are: the standard input (read for the input <c>-</c>), the
/// standard output as bytes (so event output is written without going through a TextWriter), the standard error as
/// text, and whether each is a terminal. Tests pass memory streams and writers; the program passes the process's own.
/// A write to the output that fails throws <see cref="OutputFailedException"/> (see <see cref="OutputStream"/>).
/// </summary>
public sealed class CliConsole
{
    private StreamWriter? _outputText;
    private readonly Func<Stream> _openInput;
    private Stream? _input;

    /// <summary>Creates a console over the given output and error.</summary>
    /// <param name="output">The standard output.</param>
    /// <param name="error">The standard error.</param>
    /// <param name="outputIsTerminal">True when a person reads the output directly.</param>
    /// <param name="errorIsTerminal">True when a person reads the error directly (progress is shown only then).</param>
    /// <param name="width">Columns of text output (tables).</param>
    /// <param name="input">The standard input; none (empty) when null.</param>
    public CliConsole(Stream output, TextWriter error, bool outputIsTerminal = false, bool errorIsTerminal = false, int width = 120, Stream? input = null)
        : this(output, error, outputIsTerminal, errorIsTerminal, width, () => input ?? Stream.Null)
    {
    }

    private CliConsole(Stream output, TextWriter error, bool outputIsTerminal, bool errorIsTerminal, int width, Func<Stream> openInput)
    {
        Output = new OutputStream(output ?? throw new ArgumentNullException(nameof(output)), OutputStream.StandardOutputName, standardOutput: true);
        Error = error ?? throw new ArgumentNullException(nameof(error));
        OutputIsTerminal = outputIsTerminal;
        ErrorIsTerminal = errorIsTerminal;
        Width = width;
        _openInput = openInput;
    }

    /// <summary>The standard input as bytes, opened when a command first reads it.</summary>
    public Stream Input => _input ??= _openInput();

    /// <summary>The standard output as bytes.</summary>
    public Stream Output { get; }
    /// <summary>The standard error.</summary>
    public TextWriter Error { get; }
    /// <summary>
    /// Creates a new output file for writing, given its (temporary) path; null for a <see cref="FileStream"/>. Tests
    /// pass one whose writes fail.
    /// </summary>
    internal Func<string, Stream>? CreateFile { get; init; }

    /// <summary>Reads an environment variable (<c>TERM</c>, <c>NO_COLOR</c>); tests give their own.</summary>
    internal Func<string, string?> GetEnvironmentVariable { get; init; } = Environment.GetEnvironmentVariable;

    /// <summary>How long a read runs before progress is shown; tests make it zero.</summary>
    internal TimeSpan ProgressDelay { get; init; } = ProgressDisplay.Delay;

    /// <summary>The clock progress is timed on; tests drive their own.</summary>
    internal TimeProvider Time { get; init; } = TimeProvider.System;

    /// <summary>
    /// The zone of <c>--time local</c>; null for the machine's (or TZ's), looked up only when asked for. Tests give a
    /// fixed one.
    /// </summary>
    internal TimeZoneInfo? LocalZone { get; init; }

    /// <summary>True when the standard output is a terminal.</summary>
    public bool OutputIsTerminal { get; }
    /// <summary>True when the standard error is a terminal.</summary>
    public bool ErrorIsTerminal { get; }
    /// <summary>Columns of text output.</summary>
    public int Width { get; }

    /// <summary>
    /// The standard output as text (UTF-8, no BOM), for help and the human views. It flushes every write, so text and
    /// bytes written to <see cref="Output"/> never overtake each other.
    /// </summary>
    public TextWriter OutputText =>
        _outputText ??= new StreamWriter(Output, new UTF8Encoding(false), 4096, leaveOpen: true) { AutoFlush = true };

    /// <summary>The process's own standard input, output and error.</summary>
    public static CliConsole FromProcess()
    {
        bool outTerminal = !Console.IsOutputRedirected;
        int width = 120;
        if (outTerminal)
        {
            try { width = Math.Max(Console.WindowWidth, 40); }
            catch (IOException) { }
        }
        return new CliConsole(OpenStandardOutput(), Console.Error, outTerminal, !Console.IsErrorRedirected, width, Console.OpenStandardInput);
    }

    /// <summary>
    /// The standard output. On Linux and macOS, a pipe or a terminal is written as the file descriptor it is: .NET's own
    /// console stream takes a write to a pipe whose reader went away (EPIPE) for a success, so `dump | head` would
    /// read the whole trace into nothing; this way the command stops at once. Anything seekable (a file, /dev/full)
    /// keeps the console stream, which writes at the descriptor's shared offset as a shell expects (`(a; b) > file`).
    /// </summary>
    private static Stream OpenStandardOutput()
    {
        if (!OperatingSystem.IsWindows())
        {
            try
            {
                var descriptor = new FileStream(new SafeFileHandle(1, ownsHandle: false), FileAccess.Write, bufferSize: 0);
                if (!descriptor.CanSeek) return descriptor;
                descriptor.Dispose();
            }
            catch (Exception e) when (e is IOException or UnauthorizedAccessException or ArgumentException)
            {
                // Closed or not a descriptor to write: the console stream knows what to do with that.
            }
        }
        return Console.OpenStandardOutput();
    }
}
