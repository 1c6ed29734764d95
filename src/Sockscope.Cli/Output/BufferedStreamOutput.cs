using System.Buffers;

namespace Sockscope.Cli.Output;

/// <summary>
/// Memory the event writers format into, handed to the output stream in large pieces: one write system call per
/// megabyte rather than per event. A write that fails is the stream's to report (<see cref="OutputStream"/>).
/// </summary>
internal sealed class BufferedStreamOutput
{
    private readonly Stream _stream;
    private readonly ArrayBufferWriter<byte> _buffer;
    private readonly int _drainAt;

    /// <summary>Buffers about <paramref name="size"/> bytes for <paramref name="stream"/>.</summary>
    public BufferedStreamOutput(Stream stream, int size = 1 << 20)
    {
        _stream = stream;
        _buffer = new ArrayBufferWriter<byte>(size + (size >> 3));
        _drainAt = size;
    }

    /// <summary>Where to format.</summary>
    public IBufferWriter<byte> Writer => _buffer;

    /// <summary>Hands the buffer to the stream once it is full enough; call after each event.</summary>
    public void Commit()
    {
        if (_buffer.WrittenCount >= _drainAt) Drain();
    }

    /// <summary>Hands everything to the stream and flushes it.</summary>
    public void Complete()
    {
        Drain();
        _stream.Flush();
    }

    /// <summary>Hands <paramref name="bytes"/> to the stream after what is buffered, without copying them.</summary>
    public void WriteThrough(ReadOnlySpan<byte> bytes)
    {
        Drain();
        _stream.Write(bytes);
    }

    private void Drain()
    {
        if (_buffer.WrittenCount == 0) return;
        _stream.Write(_buffer.WrittenSpan);
        _buffer.ResetWrittenCount();
    }
}
