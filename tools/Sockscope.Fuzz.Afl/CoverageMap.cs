using System.Runtime.InteropServices;

namespace Sockscope.Fuzz.Afl;

/// <summary>
/// The edge bitmap SharpFuzz's instrumentation writes to (64 KiB, AFL's map size), owned by this process when no
/// afl-fuzz gives one: so the mutation fuzzer, and a replay of any fuzzer's inputs, count edges the way afl-fuzz
/// counts its "edges found" (map entries hit at least once).
/// </summary>
internal sealed unsafe class CoverageMap : IDisposable
{
    public const int Size = 1 << 16;
    private readonly byte* _map;
    private readonly bool[] _seen = new bool[Size];

    public CoverageMap()
    {
        _map = (byte*)NativeMemory.AllocZeroed(Size);
        SharpFuzz.Common.Trace.SharedMem = _map;
    }

    /// <summary>Entries hit since the last <see cref="Reset"/>, added to what <see cref="Edges"/> counts.</summary>
    public int Collect()
    {
        for (int i = 0; i < Size; i++)
            if (_map[i] != 0) _seen[i] = true;
        return Edges;
    }

    /// <summary>Entries hit at least once, as of the last <see cref="Collect"/>.</summary>
    public int Edges => _seen.Count(s => s);

    /// <summary>Forgets everything hit so far (what setting up the seeds hit, say).</summary>
    public void Reset()
    {
        new Span<byte>(_map, Size).Clear();
        Array.Clear(_seen);
        SharpFuzz.Common.Trace.PrevLocation = 0;
    }

    public void Dispose()
    {
        // Instrumented code may still run on another thread: point it at a map that stays.
        SharpFuzz.Common.Trace.SharedMem = (byte*)NativeMemory.AllocZeroed(Size);
        NativeMemory.Free(_map);
    }
}
