namespace Sockscope.Tests.Support;

/// <summary>
/// A stream read forward only, as a pipe is: no seeking, no length, no position. With <c>maxRead</c>, each read
/// returns at most that many bytes (a size drawn from a seeded generator), as reads from a pipe often return less than
/// asked.
/// </summary>
public sealed class ForwardOnlyStream : Stream
{
    private readonly Stream _inner;
    private readonly int _maxRead;
    private readonly Random _sizes;

    public ForwardOnlyStream(Stream inner, int maxRead = int.MaxValue, int seed = 1)
    {
        _inner = inner;
        _maxRead = maxRead;
        _sizes = new Random(seed);
    }

    /// <summary>Opens a file to be read as a pipe would deliver it.</summary>
    public static ForwardOnlyStream Over(string path, int maxRead = int.MaxValue, int seed = 1) =>
        new(new FileStream(path, FileMode.Open, FileAccess.Read, FileShare.Read, bufferSize: 0), maxRead, seed);

    /// <summary>True once disposed.</summary>
    public bool Disposed { get; private set; }

    public override bool CanRead => true;
    public override bool CanSeek => false;
    public override bool CanWrite => false;
    public override long Length => throw new NotSupportedException("a pipe has no length");
    public override long Position
    {
        get => throw new NotSupportedException("a pipe has no position");
        set => throw new NotSupportedException("a pipe cannot seek");
    }

    public override int Read(byte[] buffer, int offset, int count) => Read(buffer.AsSpan(offset, count));

    public override int Read(Span<byte> buffer)
    {
        if (_maxRead < int.MaxValue && buffer.Length > 1) buffer = buffer[..Math.Min(buffer.Length, 1 + _sizes.Next(_maxRead))];
        return _inner.Read(buffer);
    }

    public override long Seek(long offset, SeekOrigin origin) => throw new NotSupportedException("a pipe cannot seek");
    public override void SetLength(long value) => throw new NotSupportedException();
    public override void Write(byte[] buffer, int offset, int count) => throw new NotSupportedException();
    public override void Flush() { }

    protected override void Dispose(bool disposing)
    {
        if (disposing && !Disposed) _inner.Dispose();
        Disposed = true;
        base.Dispose(disposing);
    }
}
