using Sockscope.Etl.Xpress;

namespace Sockscope.Etl;

/// <summary>
/// What reading and decompressing one compressed buffer gave. The work touches nothing of the reader's, so it can
/// run on any thread; the reading thread then accounts for the outcome (bytes processed, problems) in its own order.
/// </summary>
internal readonly struct BufferDecompression
{
    /// <summary>File bytes the read returned (the compressed buffer, header included).</summary>
    public int BytesRead { get; init; }
    /// <summary>How the XPRESS stream ended.</summary>
    public XpressStatus Status { get; init; }
    /// <summary>Bytes decompressed after the buffer header.</summary>
    public int Written { get; init; }
    /// <summary>Where in the stream decoding failed, when <see cref="Status"/> says it did.</summary>
    public int ErrorAt { get; init; }

    /// <summary>
    /// Reads the compressed buffer <paramref name="entry"/> into <paramref name="packed"/> (at least
    /// <see cref="BufferEntry.Size"/> bytes), copies its header to the start of <paramref name="destination"/>
    /// (at least <see cref="BufferEntry.MemorySize"/> bytes) and decompresses its records after the header.
    /// </summary>
    public static BufferDecompression Run(TraceBytes file, in BufferEntry entry, byte[] packed, byte[] destination)
    {
        int got = file.Read(packed.AsSpan(0, entry.Size), entry.Offset);
        return Decompress(packed.AsSpan(0, got), entry, destination);
    }

    /// <summary>
    /// Decompresses the compressed buffer <paramref name="entry"/> whose bytes (header included) are already in
    /// <paramref name="packed"/>, as <see cref="Run"/> does once it has read them.
    /// </summary>
    public static BufferDecompression Decompress(ReadOnlySpan<byte> packed, in BufferEntry entry, byte[] destination)
    {
        packed[..WmiBufferHeader.Size].CopyTo(destination);
        int expect = entry.MemorySize - WmiBufferHeader.Size;
        var status = XpressDecoder.Decompress(packed[WmiBufferHeader.Size..],
            destination.AsSpan(WmiBufferHeader.Size, expect), out int written, out int errorAt);
        return new BufferDecompression { BytesRead = packed.Length, Status = status, Written = written, ErrorAt = errorAt };
    }
}
