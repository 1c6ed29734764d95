using System.Text;

namespace Sockscope.Cli.Commands;

/// <summary>
/// Where a command writes and what those places are: the standard output as bytes (so event output is written
/// without going through a TextWriter), the standard error as text, and whether each is a terminal. Tests pass memory
/// streams and writers; the program passes the process's own.
/// </summary>
public sealed class CliConsole
{
    private StreamWriter? _outputText;

    /// <summary>Creates a console over the given output and error.</summary>
    /// <param name="output">The standard output.</param>
    /// <param name="error">The standard error.</param>
    /// <param name="outputIsTerminal">True when a person reads the output directly.</param>
    /// <param name="errorIsTerminal">True when a person reads the error directly (progress is shown only then).</param>
    /// <param name="width">Columns of text output (tables).</param>
    public CliConsole(Stream output, TextWriter error, bool outputIsTerminal = false, bool errorIsTerminal = false, int width = 120)
    {
        Output = output ?? throw new ArgumentNullException(nameof(output));
        Error = error ?? throw new ArgumentNullException(nameof(error));
        OutputIsTerminal = outputIsTerminal;
        ErrorIsTerminal = errorIsTerminal;
        Width = width;
    }

    /// <summary>The standard output as bytes.</summary>
    public Stream Output { get; }
    /// <summary>The standard error.</summary>
    public TextWriter Error { get; }
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

    /// <summary>The process's own standard output and error.</summary>
    public static CliConsole FromProcess()
    {
        bool outTerminal = !Console.IsOutputRedirected;
        int width = 120;
        if (outTerminal)
        {
            try { width = Math.Max(Console.WindowWidth, 40); }
            catch (IOException) { }
        }
        return new CliConsole(Console.OpenStandardOutput(), Console.Error, outTerminal, !Console.IsErrorRedirected, width);
    }
}
