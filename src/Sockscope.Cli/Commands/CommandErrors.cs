using Sockscope.Etl;
using Sockscope.Schema;
using Sockscope.Sources;

namespace Sockscope.Cli.Commands;

/// <summary>
/// Turns a failure to read or write a file into one line a person can act on,
/// <c>sockscope: error: PATH: WHAT</c>, and exit code 2. The stack trace is for --verbose only: these are
/// conditions of the input, not bugs.
/// </summary>
internal static class CommandErrors
{
    /// <summary>True for the exceptions that mean "this file cannot be used", as opposed to a bug.</summary>
    public static bool IsFileProblem(Exception e) =>
        e is EtlFormatException or IOException or UnauthorizedAccessException or NotSupportedException or ArgumentException;

    /// <summary>
    /// Opens an input of any kind (ETL, or JSON lines of a known collector) for a command: <c>-</c> is the standard
    /// input, and a path that is no regular file (a FIFO, <c>/dev/stdin</c>) is read once, as a stream. When it cannot
    /// be read, reports it as one line and gives the exit code instead. <paramref name="readOnce"/> wraps the stream
    /// of an input read once before it is read (the export hashes it so).
    /// </summary>
    public static IEventSource? TryOpenSource(CliConsole console, string path, InputFormat format, bool verbose, out int exitCode,
        EtlReaderOptions? options = null, SchemaCatalog? catalog = null, Func<Stream, Stream>? readOnce = null)
    {
        exitCode = ExitCodes.Ok;
        try
        {
            Stream stream = path == StandardInput ? console.Input : EventSources.OpenFile(path);
            if (readOnce is not null && stream is not FileStream { CanSeek: true }) stream = readOnce(stream);
            return EventSources.Open(stream, path, format, options, catalog);
        }
        catch (Exception e) when (IsFileProblem(e))
        {
            exitCode = Report(console, path, e, verbose);
            return null;
        }
    }

    /// <summary>The input name that means the standard input.</summary>
    public const string StandardInput = "-";

    /// <summary>
    /// Creates a command's output file (none when <paramref name="outputPath"/> is null), never the input itself;
    /// false, with the error reported and the exit code given, when it cannot be created.
    /// </summary>
    public static bool TryCreateOutput(CliConsole console, string? outputPath, string inputPath, int bufferSize, bool verbose,
        out Stream? file, out int exitCode)
    {
        file = null;
        exitCode = ExitCodes.Ok;
        if (outputPath is null) return true;
        try
        {
            if (string.Equals(Path.GetFullPath(outputPath), Path.GetFullPath(inputPath), StringComparison.Ordinal))
                throw new IOException("is the input file; it will not be overwritten");
            file = new FileStream(outputPath, FileMode.Create, FileAccess.Write, FileShare.Read, bufferSize);
            return true;
        }
        catch (Exception e) when (IsFileProblem(e))
        {
            exitCode = Report(console, outputPath, e, verbose);
            return false;
        }
    }

    /// <summary>Writes the error line (and with <paramref name="verbose"/> the exception) and returns the exit code.</summary>
    public static int Report(CliConsole console, string path, Exception e, bool verbose)
    {
        console.Error.WriteLine($"sockscope: error: {path}: {Describe(path, e)}");
        if (verbose) console.Error.WriteLine(e.ToString());
        return ExitCodes.Error;
    }

    /// <summary>What went wrong, without the path (the line already names it).</summary>
    public static string Describe(string path, Exception e) => e switch
    {
        EtlFormatException f => WithoutPrefix(f),
        FileNotFoundException or DirectoryNotFoundException => "no such file",
        UnauthorizedAccessException => "permission denied",
        PathTooLongException => "the path is too long",
        IOException io => WithoutPath(io.Message, path),
        ArgumentException or NotSupportedException => "not a usable path",
        _ => $"unexpected {e.GetType().Name}: {e.Message}",
    };

    // EtlFormatException's message repeats the file and, at offset 0, says nothing the reason does not.
    private static string WithoutPrefix(EtlFormatException f)
    {
        string prefix = $"{f.File}: offset {f.Offset} (0x{f.Offset:X}): ";
        string what = f.Message.StartsWith(prefix, StringComparison.Ordinal) ? f.Message[prefix.Length..] : f.Message;
        return f.Offset == 0 ? what : $"offset {f.Offset} (0x{f.Offset:X}): {what}";
    }

    private static string WithoutPath(string message, string path)
    {
        string full = Path.GetFullPath(path);
        foreach (var p in new[] { $"'{full}'", $"'{path}'" })
            message = message.Replace(" " + p, "", StringComparison.Ordinal).Replace(p, "", StringComparison.Ordinal);
        return message.TrimEnd('.', ' ');
    }
}
