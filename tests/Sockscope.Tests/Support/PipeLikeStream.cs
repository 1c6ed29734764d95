namespace Sockscope.Tests.Support;

/// <summary>
/// A stream read as a pipe is: forward only, no length, a few KiB a read (so a reader that needs more must ask again).
/// </summary>
public sealed class PipeLikeStream(Stream inner, int chunk = 4096) : Stream
{
    /// <summary>A pipe holding <paramref name="bytes"/>, giving at most <paramref name="chunk"/> bytes a read.</summary>
    public PipeLikeStream(byte[] bytes, int chunk = 4096) : this(new MemoryStream(bytes), chunk) { }

    /// <summary>Bytes read from it so far.</summary>
    public long BytesRead { get; private set; }

    public override bool CanRead => true;
    public override bool CanSeek => false;
    public override bool CanWrite => false;
    public override long Length => throw new NotSupportedException();
    public override long Position { get => throw new NotSupportedException(); set => throw new NotSupportedException(); }

    public override int Read(byte[] buffer, int offset, int count) => Read(buffer.AsSpan(offset, count));

    public override int Read(Span<byte> buffer)
    {
        int n = inner.Read(buffer[..Math.Min(buffer.Length, chunk)]);
        BytesRead += n;
        return n;
    }

    public override void Flush() { }
    public override long Seek(long offset, SeekOrigin origin) => throw new NotSupportedException();
    public override void SetLength(long value) => throw new NotSupportedException();
    public override void Write(byte[] buffer, int offset, int count) => throw new NotSupportedException();

    protected override void Dispose(bool disposing)
    {
        if (disposing) inner.Dispose();
        base.Dispose(disposing);
    }
}
