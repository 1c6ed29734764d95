namespace Sockscope.Sources;

/// <summary>
/// A forward-only stream that gives back the bytes already read from another stream (the prefix read to recognise
/// the input), then the rest of that stream. A pipe cannot be read twice, so recognising its content must not cost the
/// reader those bytes. The prefix is let go once it has been given back.
/// </summary>
internal sealed class ReplayStream : Stream
{
    private readonly Stream _inner;
    private byte[]? _prefix;
    private readonly int _prefixLength;
    private int _replayed;
    private long _position;

    /// <param name="inner">The stream the prefix was read from, positioned just after it; disposed with this one.</param>
    /// <param name="prefix">Holds the prefix in its first <paramref name="prefixLength"/> bytes.</param>
    /// <param name="prefixLength">The prefix's length.</param>
    public ReplayStream(Stream inner, byte[] prefix, int prefixLength)
    {
        _inner = inner;
        _prefix = prefixLength > 0 ? prefix : null;
        _prefixLength = prefixLength;
    }

    public override bool CanRead => true;
    public override bool CanSeek => false;
    public override bool CanWrite => false;
    public override long Length => throw new NotSupportedException();

    /// <summary>Bytes given so far.</summary>
    public override long Position
    {
        get => _position;
        set => throw new NotSupportedException();
    }

    public override int Read(byte[] buffer, int offset, int count) => Read(buffer.AsSpan(offset, count));

    public override int Read(Span<byte> buffer)
    {
        int n;
        if (_prefix is not null)
        {
            n = Math.Min(buffer.Length, _prefixLength - _replayed);
            _prefix.AsSpan(_replayed, n).CopyTo(buffer);
            _replayed += n;
            if (_replayed == _prefixLength) _prefix = null;
        }
        else n = _inner.Read(buffer);
        _position += n;
        return n;
    }

    public override void Flush() { }
    public override long Seek(long offset, SeekOrigin origin) => throw new NotSupportedException();
    public override void SetLength(long value) => throw new NotSupportedException();
    public override void Write(byte[] buffer, int offset, int count) => throw new NotSupportedException();

    protected override void Dispose(bool disposing)
    {
        if (disposing)
        {
            _prefix = null;
            _inner.Dispose();
        }
        base.Dispose(disposing);
    }
}
