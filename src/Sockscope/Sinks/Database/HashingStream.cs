using System.Security.Cryptography;

namespace Sockscope.Sinks.Database;

/// <summary>
/// A read-only stream that passes another through and hashes every byte read from it, so a trace read once (from a
/// pipe or standard input) gets its <see cref="TraceIdentity"/> without a second read. Put it under the reader:
/// <c>EventSources.Open(new HashingStream(input, name), name)</c>, then <see cref="Complete"/> once the trace is read.
/// </summary>
internal sealed class HashingStream : Stream
{
    private readonly Stream _inner;
    private readonly string _fileName;
    private readonly IncrementalHash _hash = IncrementalHash.CreateHash(HashAlgorithmName.SHA256);
    private long _length;
    private TraceIdentity? _identity;

    /// <summary>Passes <paramref name="inner"/> through (and disposes it with this stream).</summary>
    /// <param name="inner">The input, read from where it is.</param>
    /// <param name="fileName">The name to record for it (<see cref="TraceIdentity.FileName"/>).</param>
    public HashingStream(Stream inner, string fileName)
    {
        _inner = inner ?? throw new ArgumentNullException(nameof(inner));
        _fileName = fileName;
    }

    /// <summary>
    /// Reads what the reader left of the input (a reader may stop before the end) and gives the identity of all of
    /// it; once the stream is disposed, of what was read. Later calls give the same identity.
    /// </summary>
    public TraceIdentity Complete()
    {
        if (_identity is null)
        {
            var rest = new byte[1 << 16];
            while (Read(rest) > 0) { }
            Seal();
        }
        return _identity!;
    }

    private void Seal()
    {
        _identity = new TraceIdentity(Convert.ToHexStringLower(_hash.GetHashAndReset()), Path.GetFileName(_fileName), _length);
        _hash.Dispose();
    }

    /// <inheritdoc/>
    public override bool CanRead => true;
    /// <inheritdoc/>
    public override bool CanSeek => false;
    /// <inheritdoc/>
    public override bool CanWrite => false;
    /// <inheritdoc/>
    public override long Length => throw new NotSupportedException();

    /// <summary>Bytes read (and hashed) so far.</summary>
    public override long Position
    {
        get => _length;
        set => throw new NotSupportedException();
    }

    /// <inheritdoc/>
    public override int Read(byte[] buffer, int offset, int count) => Read(buffer.AsSpan(offset, count));

    /// <inheritdoc/>
    public override int Read(Span<byte> buffer)
    {
        if (_identity is not null) return 0;
        int n = _inner.Read(buffer);
        _hash.AppendData(buffer[..n]);
        _length += n;
        return n;
    }

    /// <inheritdoc/>
    public override void Flush() { }
    /// <inheritdoc/>
    public override long Seek(long offset, SeekOrigin origin) => throw new NotSupportedException();
    /// <inheritdoc/>
    public override void SetLength(long value) => throw new NotSupportedException();
    /// <inheritdoc/>
    public override void Write(byte[] buffer, int offset, int count) => throw new NotSupportedException();

    /// <inheritdoc/>
    protected override void Dispose(bool disposing)
    {
        if (disposing)
        {
            _inner.Dispose();
            if (_identity is null) Seal();
        }
        base.Dispose(disposing);
    }
}
