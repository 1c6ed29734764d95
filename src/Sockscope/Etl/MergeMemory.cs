using System.Buffers;

namespace Sockscope.Etl;

/// <summary>
/// The pooled arrays a stream's merge holds (buffers read ahead, and each processor's loaded buffer), counted, so that
/// the merge reads ahead only while it holds less than its budget.
/// </summary>
internal sealed class MergeMemory
{
    /// <summary>Bytes of the arrays rented and not yet returned.</summary>
    public long Held { get; private set; }

    /// <summary>The most held at once, for tests.</summary>
    public long PeakHeld { get; private set; }

    public byte[] Rent(int size)
    {
        var array = ArrayPool<byte>.Shared.Rent(size);
        Held += array.Length;
        if (Held > PeakHeld) PeakHeld = Held;
        return array;
    }

    /// <summary>Returns <paramref name="array"/> (nothing for an empty one) and leaves <paramref name="array"/> empty.</summary>
    public void Return(ref byte[] array)
    {
        if (array.Length == 0) return;
        Held -= array.Length;
        ArrayPool<byte>.Shared.Return(array);
        array = [];
    }
}
