namespace Sockscope.Sinks.Parquet;

/// <summary>
/// The Parquet export's output could not be written (the directory, or one of its files): told apart from a failure to
/// read the trace, which is also an <see cref="IOException"/>. The message names no path; the caller names the directory.
/// </summary>
internal sealed class ParquetWriteException(string message, Exception? inner = null) : IOException(message, inner)
{
    /// <summary>Runs <paramref name="write"/>, turning a failure of the file system into this exception.</summary>
    public static T Guard<T>(string what, Func<T> write)
    {
        try
        {
            return write();
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException && e is not ParquetWriteException)
        {
            throw new ParquetWriteException(Describe(what, e), e);
        }
    }

    /// <inheritdoc cref="Guard{T}"/>
    public static void Guard(string what, Action write) => Guard(what, () => { write(); return 0; });

    private static string Describe(string what, Exception e) => e switch
    {
        UnauthorizedAccessException => $"{what}: permission denied",
        DirectoryNotFoundException => $"{what}: no such directory",
        _ => $"{what}: {e.Message}",
    };
}
