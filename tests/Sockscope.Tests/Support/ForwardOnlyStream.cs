namespace Sockscope.Tests.Support;

/// <summary>
/// A stream read forward only, as a pipe is: no seeking, no length, no position. With <c>maxRead</c>, each read
/// returns at most that many bytes (a size drawn from a seeded generator), as reads from a pipe often return less than
/// asked; <see cref="Chunked"/> gives exactly that many while there are.
/// </summary>
public sealed class ForwardOnlyStream : Stream
{
    private readonly Stream _inner;
    private readonly int _maxRead;
    private readonly Random? _sizes;

    public ForwardOnlyStream(Stream inner, int maxRead = int.MaxValue, int seed = 1) : this(inner, maxRead, new Random(seed))
    {
    }

    private ForwardOnlyStream(Stream inner, int maxRead, Random? sizes)
    {
        _inner = inner;
        _maxRead = maxRead;
        _sizes = sizes;
    }

    /// <summary>A pipe holding <paramref name="bytes"/> that gives <paramref name="chunk"/> bytes a read (4 KiB by default, as a pipe's reads often are).</summary>
    public static ForwardOnlyStream Chunked(byte[] bytes, int chunk = 4096) => new(new MemoryStream(bytes), chunk, sizes: null);

    /// <summary>Bytes read from it so far.</summary>
    public long BytesRead { get; private set; }

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
        if (_maxRead < int.MaxValue && buffer.Length > 1)
            buffer = buffer[..Math.Min(buffer.Length, _sizes is null ? _maxRead : 1 + _sizes.Next(_maxRead))];
        int n = _inner.Read(buffer);
        BytesRead += n;
        return n;
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
