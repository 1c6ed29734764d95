namespace Sockscope.Sources;

/// <summary>
/// Cuts a stream read once into blocks of whole lines, front to back: each block ends at a newline (the input's
/// last may not), and the part of a line a read leaves is carried to the next block. A line of
/// <see cref="JsonEventSource.MaxLineBytes"/> or more is not kept: its block holds no lines and says where it starts,
/// and its bytes are dropped as they are read, so memory stays bounded.
/// </summary>
internal sealed class JsonLineBlockReader(Stream stream, int blockBytes = JsonLineBlockReader.BlockBytes)
{
    /// <summary>Bytes a block is read into at first, unless told; it grows only to hold a longer line.</summary>
    public const int BlockBytes = 256 << 10;

    private byte[] _carry = new byte[4096];
    private int _carryLength;
    private long _offset;
    private bool _eof;

    /// <summary>Bytes of the input cut into blocks so far.</summary>
    public long Offset => _offset;

    /// <summary>Fills <paramref name="block"/> with the next lines; false at the end of the input.</summary>
    public bool Read(JsonLineBlock block)
    {
        block.Offset = _offset;
        block.TooLongAt = -1;
        block.Length = 0;
        if (_eof && _carryLength == 0) return false;
        // A block grown for a long line goes back to the usual size; one a long carried part fills grows.
        int size = Math.Min(Math.Max(blockBytes, 2 * _carryLength), JsonEventSource.MaxLineBytes);
        if (block.Bytes.Length != size) block.Bytes = new byte[size];
        var buffer = block.Bytes;
        _carry.AsSpan(0, _carryLength).CopyTo(buffer);
        int filled = _carryLength;
        _carryLength = 0;
        while (true)
        {
            if (_eof)
            {
                block.Length = filled;
                _offset += filled;
                return filled > 0;
            }
            if (filled == buffer.Length)
            {
                if (buffer.Length >= JsonEventSource.MaxLineBytes)
                {
                    // One line fills the largest block.
                    block.TooLongAt = _offset;
                    _offset += filled;
                    SkipLongLine(buffer);
                    return true;
                }
                Array.Resize(ref buffer, Math.Min(buffer.Length * 2, JsonEventSource.MaxLineBytes));
                block.Bytes = buffer;
            }
            int read = stream.Read(buffer, filled, buffer.Length - filled);
            if (read == 0)
            {
                _eof = true;
                continue;
            }
            int last = buffer.AsSpan(filled, read).LastIndexOf((byte)'\n');
            filled += read;
            if (last < 0) continue;
            int end = filled - read + last + 1;
            Carry(buffer.AsSpan(end, filled - end));
            block.Length = end;
            _offset += end;
            return true;
        }
    }

    /// <summary>Drops bytes up to the next newline, reading a block at a time; what follows it is carried.</summary>
    private void SkipLongLine(byte[] buffer)
    {
        while (true)
        {
            int read = stream.Read(buffer, 0, Math.Min(buffer.Length, blockBytes));
            if (read == 0)
            {
                _eof = true;
                return;
            }
            int nl = buffer.AsSpan(0, read).IndexOf((byte)'\n');
            if (nl >= 0)
            {
                _offset += nl + 1;
                Carry(buffer.AsSpan(nl + 1, read - nl - 1));
                return;
            }
            _offset += read;
        }
    }

    private void Carry(ReadOnlySpan<byte> rest)
    {
        if (_carry.Length < rest.Length) _carry = new byte[Math.Max(rest.Length, 2 * _carry.Length)];
        rest.CopyTo(_carry);
        _carryLength = rest.Length;
    }
}
