namespace Sockscope.Etl;

/// <summary>
/// The bytes of a trace, read by offset. A file is read anywhere; a pipe only forward of what was let go
/// (<see cref="Release"/>). The buffer scanner, the record streams and the decompression worker read through this,
/// so one reader serves both.
/// </summary>
internal abstract class TraceBytes : IDisposable
{
    /// <summary>The length, when it is known (a file's); null while a stream's end has not been reached.</summary>
    public abstract long? Length { get; }

    /// <summary>
    /// Reads up to <c>destination.Length</c> bytes at <paramref name="offset"/>; fewer only where the input ends.
    /// Safe to call from two threads at once only when <see cref="IsRandomAccess"/>.
    /// </summary>
    public abstract int Read(Span<byte> destination, long offset);

    /// <summary>How many of the <paramref name="want"/> bytes from <paramref name="offset"/> exist (fewer only at the end).</summary>
    public abstract long Available(long offset, long want);

    /// <summary>True when any offset can be read at any time, from any thread (a file).</summary>
    public abstract bool IsRandomAccess { get; }

    /// <summary>
    /// The first offset at or after <paramref name="offset"/> that may hold anything but zeros: past a file
    /// system's hole, or <paramref name="offset"/> itself when the input cannot tell.
    /// </summary>
    public virtual long DataFrom(long offset) => offset;

    /// <summary>Says no byte before <paramref name="offset"/> will be read again (a stream may drop them).</summary>
    public virtual void Release(long offset) { }

    public abstract void Dispose();
}
