using System.Text.RegularExpressions;
using Sockscope.Cli.Output;
using Sockscope.Etl;
using Sockscope.Schema;
using Sockscope.Sources;

namespace Sockscope.Cli.Commands;

/// <summary>
/// Turns a failure to read or write a file into one line a person can act on,
/// <c>sockscope: error: PATH: WHAT</c>, and exit code 2. The stack trace is for --verbose only: these are
/// conditions of the input, not bugs. Anything else that goes wrong is a bug of ours, and says so
/// (<see cref="ReportInternalError"/>, exit code 3).
/// </summary>
internal static partial class CommandErrors
{
    /// <summary>
    /// True for the exceptions that mean "this file cannot be used": it cannot be read (I/O), it is not what it should
    /// be (format), or its path is no path. Anything else, an <see cref="ArgumentException"/> out of a slice or a
    /// <see cref="NotSupportedException"/> included, is a bug.
    /// </summary>
    public static bool IsFileProblem(Exception e) =>
        e is EtlFormatException or IOException or UnauthorizedAccessException || IsPathProblem(e);

    /// <summary>
    /// True for a path the file system will not take (empty, a NUL character): System.IO says so with an
    /// <see cref="ArgumentException"/> for its parameter <c>path</c>, before anything is read.
    /// </summary>
    public static bool IsPathProblem(Exception e) => e is ArgumentException { ParamName: "path" } and not ArgumentOutOfRangeException;

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

    /// <summary>True when <paramref name="a"/> and <paramref name="b"/> name the same file (false when either is no usable path).</summary>
    public static bool IsSameFile(string a, string b) => FullPath(a) is { } x && string.Equals(x, FullPath(b), StringComparison.Ordinal);

    private static string? FullPath(string path)
    {
        try
        {
            return Path.GetFullPath(path);
        }
        catch (Exception e) when (IsFileProblem(e))
        {
            return null;
        }
    }

    /// <summary>Writes the error line (and with <paramref name="verbose"/> the exception) and returns the exit code.</summary>
    public static int Report(CliConsole console, string path, Exception e, bool verbose)
    {
        console.Error.WriteLine($"sockscope: error: {path}: {Describe(path, e)}");
        if (verbose) console.Error.WriteLine(e.ToString());
        return ExitCodes.Error;
    }

    /// <summary>
    /// Reports an output that could not be written or created as one line naming it, and returns exit code 2; a pipe
    /// whose reader went away (<c>| head</c>) ends the command quietly with exit code 0.
    /// </summary>
    public static int ReportOutputFailure(CliConsole console, OutputFailedException e, bool verbose)
    {
        if (e.ReaderGone) return ExitCodes.Ok;
        var cause = e.InnerException ?? e;
        bool standardOutput = e.Target == OutputStream.StandardOutputName;
        string what = cause switch
        {
            DirectoryNotFoundException when !standardOutput => "no such folder",
            // The descriptor is closed (`>&-`) or open for reading only.
            UnauthorizedAccessException when standardOutput => "not open for writing",
            _ => Describe(e.Target, cause),
        };
        console.Error.WriteLine($"sockscope: error: {e.Target}: {what}");
        if (verbose) console.Error.WriteLine(cause.ToString());
        return ExitCodes.Error;
    }

    /// <summary>
    /// Reports an exception that is no condition of the input or the output (a bug of ours) as such: what it was, that
    /// it is a bug, and how to report it; the stack trace with <paramref name="verbose"/>. Returns exit code 3.
    /// </summary>
    public static int ReportInternalError(CliConsole console, Exception e, bool verbose)
    {
        console.Error.WriteLine($"sockscope: internal error: {e.GetType().Name}: {e.Message}");
        console.Error.WriteLine(verbose
            ? "sockscope: this is a bug in sockscope, not a problem of the file; please report it to the Sockscope project with the command line, this whole message and, if you can, the input file"
            : "sockscope: this is a bug in sockscope, not a problem of the file; please report it to the Sockscope project with the command line and the output of the same command run again with --verbose");
        if (verbose) console.Error.WriteLine(e.ToString());
        return ExitCodes.InternalError;
    }

    /// <summary>What went wrong, without the path (the line already names it).</summary>
    public static string Describe(string path, Exception e) => e switch
    {
        // One message whatever stumbled on it first: the reader ("not an ETL file"), a manifest's open ("permission
        // denied" on Linux), SQLite ("unable to open database file").
        _ when IsDirectory(path) => "is a directory",
        EtlFormatException f => WithoutPrefix(f),
        FileNotFoundException or DirectoryNotFoundException => "no such file",
        UnauthorizedAccessException => "permission denied",
        PathTooLongException => "the path is too long",
        IOException io => WithoutPath(io.Message, path),
        _ when IsPathProblem(e) => "not a usable path",
        _ => $"unexpected {e.GetType().Name}: {e.Message}",
    };

    private static bool IsDirectory(string path)
    {
        try
        {
            return path.Length > 0 && path != StandardInput && path != OutputStream.StandardOutputName && Directory.Exists(path);
        }
        catch (Exception e) when (IsFileProblem(e))
        {
            return false;
        }
    }

    // EtlFormatException's message repeats the file and, at offset 0, says nothing the reason does not.
    private static string WithoutPrefix(EtlFormatException f)
    {
        string prefix = $"{f.File}: offset {f.Offset} (0x{f.Offset:X}): ";
        string what = f.Message.StartsWith(prefix, StringComparison.Ordinal) ? f.Message[prefix.Length..] : f.Message;
        return f.Offset == 0 ? what : $"offset {f.Offset} (0x{f.Offset:X}): {what}";
    }

    // .NET ends an I/O error's message with the file it was about, " : '/path'" (a temporary output's own name, even).
    private static string WithoutPath(string message, string path)
    {
        message = QuotedPathAtEnd().Replace(message, "");
        if (path.Length > 0 && path != OutputStream.StandardOutputName)
        {
            foreach (var p in new[] { $"'{FullPath(path)}'", $"'{path}'" })
                message = message.Replace(" " + p, "", StringComparison.Ordinal).Replace(p, "", StringComparison.Ordinal);
        }
        return message.TrimEnd('.', ' ');
    }

    [GeneratedRegex(@"\s*:\s*'[^']*'\s*\.?$")]
    private static partial Regex QuotedPathAtEnd();
}
