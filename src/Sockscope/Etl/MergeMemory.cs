using System.Buffers;
using System.Numerics;

namespace Sockscope.Etl;

/// <summary>
/// The arrays a stream's merge holds (buffers read ahead, and each processor's loaded buffer), counted, so that the
/// merge reads ahead only while it holds less than its budget; and a few given back, kept for the next buffers.
/// </summary>
/// <remarks>
/// The merge gives back about one array for each it takes, so a small free list of its own serves it without
/// allocating, whatever the shared pool does meanwhile (it lets arrays go when the collector runs). The free list keeps
/// at most <see cref="FreeBytes"/>, or two arrays of the largest size; the rest go to the shared pool.
/// </remarks>
internal sealed class MergeMemory : IDisposable
{
    /// <summary>Bytes of arrays kept for reuse, at least (64 buffers of 64 KiB).</summary>
    public const int FreeBytes = 4 << 20;

    // By size class: arrays of 2^k bytes, as the shared pool makes them.
    private readonly Stack<byte[]>?[] _free = new Stack<byte[]>?[32];
    private long _freeBytes;

    /// <summary>Bytes of the arrays taken and not yet given back.</summary>
    public long Held { get; private set; }

    /// <summary>The most held at once, for tests.</summary>
    public long PeakHeld { get; private set; }

    /// <summary>Bytes of the arrays kept for reuse, for tests.</summary>
    public long Kept => _freeBytes;

    /// <summary>An array of at least <paramref name="size"/> bytes (contents undefined).</summary>
    public byte[] Rent(int size)
    {
        int k = size <= 16 ? 4 : BitOperations.Log2((uint)size - 1) + 1;
        byte[] array;
        if (_free[k] is { Count: > 0 } stack)
        {
            array = stack.Pop();
            _freeBytes -= array.Length;
        }
        else
        {
            array = ArrayPool<byte>.Shared.Rent(size);
        }
        Held += array.Length;
        if (Held > PeakHeld) PeakHeld = Held;
        return array;
    }

    /// <summary>Gives <paramref name="array"/> back (nothing for an empty one) and leaves <paramref name="array"/> empty.</summary>
    public void Return(ref byte[] array)
    {
        if (array.Length == 0) return;
        Held -= array.Length;
        if (BitOperations.IsPow2(array.Length) && _freeBytes + array.Length <= Math.Max(FreeBytes, 2L * array.Length))
        {
            (_free[BitOperations.Log2((uint)array.Length)] ??= new Stack<byte[]>()).Push(array);
            _freeBytes += array.Length;
        }
        else
        {
            ArrayPool<byte>.Shared.Return(array);
        }
        array = [];
    }

    /// <summary>Gives the arrays kept for reuse to the shared pool.</summary>
    public void Dispose()
    {
        foreach (var stack in _free)
            while (stack is { Count: > 0 }) ArrayPool<byte>.Shared.Return(stack.Pop());
        _freeBytes = 0;
    }
}
