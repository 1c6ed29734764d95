using Microsoft.Win32.SafeHandles;

namespace Sockscope.Etl;

/// <summary>A trace in a file: any offset, any thread (positional reads share no file position).</summary>
internal sealed class FileTraceBytes : TraceBytes
{
    private readonly long _length;

    public FileTraceBytes(SafeFileHandle handle, long length)
    {
        Handle = handle;
        _length = length;
    }

    public SafeFileHandle Handle { get; }

    public override long? Length => _length;

    public override bool IsRandomAccess => true;

    public override int Read(Span<byte> destination, long offset)
    {
        if (offset >= _length) return 0;
        int total = 0;
        while (total < destination.Length)
        {
            int n = RandomAccess.Read(Handle, destination[total..], offset + total);
            if (n == 0) break;
            total += n;
        }
        return total;
    }

    public override long DataFrom(long offset) => FileHoles.NextData(Handle, offset, _length);

    public override long Available(long offset, long want) => Math.Clamp(_length - offset, 0, want);

    public override void Dispose() => Handle.Dispose();
}
