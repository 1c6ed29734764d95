using Sockscope.Cli.Commands;

namespace Sockscope.Cli.Output;

/// <summary>
/// Where a command writes: the file of its <c>-o</c> (see <see cref="OutputFile"/>) or the standard output. Write to
/// <see cref="Stream"/>, then <see cref="Commit"/>; disposing without committing leaves no file behind.
/// </summary>
internal sealed class CommandOutput : IDisposable
{
    private readonly OutputFile? _file;

    private CommandOutput(Stream stream, OutputFile? file)
    {
        Stream = stream;
        _file = file;
    }

    /// <summary>Where to write.</summary>
    public Stream Stream { get; }

    /// <summary>True when the output goes to a file (so the standard output is free, for a progress bar).</summary>
    public bool ToFile => _file is not null;

    /// <summary>
    /// The output file <paramref name="path"/> (never the input <paramref name="inputPath"/>), or the console's
    /// standard output when <paramref name="path"/> is null.
    /// </summary>
    /// <exception cref="OutputFailedException">The file cannot be created.</exception>
    public static CommandOutput Open(CliConsole console, string? path, string? inputPath, int bufferSize)
    {
        if (path is null) return new CommandOutput(console.Output, null);
        try
        {
            if (inputPath is not null && CommandErrors.IsSameFile(path, inputPath))
                throw new IOException("is the input file; it will not be overwritten");
            var file = OutputFile.Create(path, bufferSize, console.CreateFile);
            return new CommandOutput(file.Stream, file);
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException || CommandErrors.IsPathProblem(e))
        {
            throw new OutputFailedException(path, e);
        }
    }

    /// <summary>Finishes the output: flushes the standard output, or closes the file and gives it its name.</summary>
    /// <exception cref="OutputFailedException">What was left could not be written.</exception>
    public void Commit()
    {
        if (_file is not null) _file.Commit();
        else Stream.Flush();
    }

    /// <summary>Removes the file unless committed.</summary>
    public void Dispose() => _file?.Dispose();
}
