using System.Security.Cryptography;

namespace Sockscope.Cli.Output;

/// <summary>
/// A command's output file. It is written under a temporary name in its own folder (<c>.NAME.RANDOM.tmp</c>) and
/// renamed to its name by <see cref="Commit"/>, once complete: a command that fails or is stopped never leaves part
/// of an output under that name, and a file already there stays as it was until the new one replaces it whole. The
/// temporary file is removed when the command fails (<see cref="Dispose"/> without <see cref="Commit"/>).
/// </summary>
/// <remarks>
/// An output that already exists and is no regular file is written in place: a device (<c>/dev/null</c>,
/// <c>/dev/full</c>, a terminal), a named pipe, or a link to one. Renaming over it would replace the device with a
/// file. .NET tells no file's type, so these are known by what can be seen: a path under <c>/dev/</c> or
/// <c>/proc/</c> (after following links), a Windows device path (<c>\\.\</c>), or a file that cannot seek.
/// </remarks>
internal sealed class OutputFile : IDisposable
{
    private readonly string? _temporary;
    private readonly string _target;
    private bool _committed;

    private OutputFile(string path, string target, string? temporary, Stream stream)
    {
        Path = path;
        _target = target;
        _temporary = temporary;
        Stream = new OutputStream(stream, path);
    }

    /// <summary>The path as given.</summary>
    public string Path { get; }

    /// <summary>Where to write.</summary>
    public OutputStream Stream { get; }

    /// <summary>True when the output is written in place (a device or a pipe), not under a temporary name.</summary>
    public bool InPlace => _temporary is null;

    /// <summary>
    /// Creates the output <paramref name="path"/> names; <paramref name="create"/> opens a new file for writing (a
    /// <see cref="FileStream"/> of <paramref name="bufferSize"/> bytes of buffer when null; tests pass one that fails).
    /// </summary>
    /// <exception cref="IOException">It cannot be created (no such folder, a directory, permission denied, …).</exception>
    /// <exception cref="UnauthorizedAccessException">Permission denied.</exception>
    public static OutputFile Create(string path, int bufferSize, Func<string, Stream>? create = null)
    {
        create ??= p => new FileStream(p, FileMode.CreateNew, FileAccess.ReadWrite, FileShare.None, bufferSize);
        string target = Target(path);
        if (Directory.Exists(target)) throw new IOException("is a directory");
        if (File.Exists(target) && OpenInPlace(target, bufferSize) is { } device) return new OutputFile(path, target, null, device);
        string folder = System.IO.Path.GetDirectoryName(target) ?? ".";
        if (!Directory.Exists(folder)) throw new DirectoryNotFoundException($"no such folder: {folder}");
        string temporary = System.IO.Path.Combine(folder, $".{System.IO.Path.GetFileName(target)}.{RandomNumberGenerator.GetHexString(8, lowercase: true)}.tmp");
        var stream = create(temporary);
        try
        {
            // A file replaced keeps its permissions.
            if (!OperatingSystem.IsWindows() && File.Exists(target)) File.SetUnixFileMode(temporary, File.GetUnixFileMode(target));
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
        }
        return new OutputFile(path, target, temporary, stream);
    }

    /// <summary>
    /// Writes what is buffered, closes the file and gives it its name (replacing a file of that name).
    /// </summary>
    /// <exception cref="OutputFailedException">It could not be written or renamed; the temporary file is removed.</exception>
    public void Commit()
    {
        if (_committed) return;
        Stream.Flush();
        try
        {
            Stream.Inner.Dispose();
            if (_temporary is not null) File.Move(_temporary, _target, overwrite: true);
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            throw new OutputFailedException(Path, e);
        }
        _committed = true;
    }

    /// <summary>Closes the file; unless committed, removes the temporary file, so nothing is left of a failed output.</summary>
    public void Dispose()
    {
        Stream.Dispose();
        if (_committed || _temporary is null) return;
        try
        {
            File.Delete(_temporary);
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
        }
    }

    /// <summary>The file a path names, links followed (a link to a file is replaced by the file through its target, not by a file in its place).</summary>
    private static string Target(string path)
    {
        string full = System.IO.Path.GetFullPath(path);
        var file = new FileInfo(full);
        return file.LinkTarget is null ? full : file.ResolveLinkTarget(returnFinalTarget: true)?.FullName ?? full;
    }

    /// <summary>The existing <paramref name="path"/> opened to be written in place when it is no regular file, else null.</summary>
    private static Stream? OpenInPlace(string path, int bufferSize)
    {
        if (OperatingSystem.IsWindows()
            ? path.StartsWith(@"\\.\", StringComparison.Ordinal)
            : path.StartsWith("/dev/", StringComparison.Ordinal) || path.StartsWith("/proc/", StringComparison.Ordinal))
            return new FileStream(path, FileMode.Open, FileAccess.Write, FileShare.ReadWrite, bufferSize);
        // A named pipe cannot seek (opening it waits for its reader, as writing to it would).
        var stream = new FileStream(path, FileMode.Open, FileAccess.Write, FileShare.ReadWrite, bufferSize);
        if (!stream.CanSeek) return stream;
        stream.Dispose();
        return null;
    }
}
