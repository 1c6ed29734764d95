using Sockscope.Analysis;

namespace Sockscope.Synthesis;

/// <summary>A small, fast, seeded generator (xoshiro256**): the same seed gives the same trace on every runtime.</summary>
internal sealed class SimRandom
{
    private ulong _s0, _s1, _s2, _s3;

    public SimRandom(int seed)
    {
        ulong x = (ulong)(uint)seed + 0x9E3779B97F4A7C15UL;
        _s0 = Mix(ref x); _s1 = Mix(ref x); _s2 = Mix(ref x); _s3 = Mix(ref x);
    }

    private static ulong Mix(ref ulong x)
    {
        ulong z = x += 0x9E3779B97F4A7C15UL;
        z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9UL;
        z = (z ^ (z >> 27)) * 0x94D049BB133111EBUL;
        return z ^ (z >> 31);
    }

    public ulong NextUInt64()
    {
        ulong result = ulong.RotateLeft(_s1 * 5, 7) * 9;
        ulong t = _s1 << 17;
        _s2 ^= _s0; _s3 ^= _s1; _s1 ^= _s2; _s0 ^= _s3;
        _s2 ^= t;
        _s3 = ulong.RotateLeft(_s3, 45);
        return result;
    }

    /// <summary>0 … max−1.</summary>
    public int Next(int max) => max <= 1 ? 0 : (int)((NextUInt64() >> 33) % (ulong)max);

    /// <summary>min … max−1.</summary>
    public int Next(int min, int max) => min + Next(max - min);

    /// <summary>True with probability per-thousand / 1000.</summary>
    public bool Chance(int perThousand) => Next(1000) < perThousand;
}

/// <summary>A process of the synthesised machine.</summary>
internal sealed class SimProcess
{
    public required string Name { get; init; }
    public required string CommandLine { get; init; }
    public uint Pid { get; init; }
    public uint ParentId { get; init; }
    public uint Session { get; init; }
    public bool Wow64 { get; init; }
    /// <summary>Started during the trace (a Start event) rather than running when it began (DCStart).</summary>
    public bool StartsLater { get; init; }
    public int Index { get; init; }
    public ulong EProcess { get; init; }
    public ulong DirectoryTableBase { get; init; }
    public required byte[] Sid { get; init; }
    public required uint[] Threads { get; init; }
    public required ProcessTruth Truth { get; init; }
    public uint NextHandle = 0x1F0;
    public int NextBufferSlot;
    public bool Running;

    public uint Thread(int i) => Threads[(uint)i % (uint)Threads.Length];

    /// <summary>A new socket handle: handle values are multiples of 4.</summary>
    public ulong NewHandle() => NextHandle += 4u * (uint)(1 + (NextHandle >> 3) % 5);
}

/// <summary>A socket of the synthesised machine: what it really is, and its truth record.</summary>
internal sealed class SimSocket
{
    public required SimProcess P { get; init; }
    public ulong Endpoint { get; init; }
    public int Family { get; init; }
    public int Type { get; init; }
    public int Protocol { get; init; }
    /// <summary>The application thread that works the socket.</summary>
    public uint Thread { get; set; }
    /// <summary>The user buffer its sends and receives use (sequential operations reuse it, as applications do).</summary>
    public ulong Buffer { get; init; }
    public ulong Handle { get; set; }
    public SimAddress? Local { get; set; }
    public SimAddress? Remote { get; set; }
    /// <summary>Windows 7: listen() logs nothing; the socket is known to listen from its first connection indication.</summary>
    public bool PendingListen { get; set; }
    public bool Seen { get; set; }
    public bool Closed { get; set; }
    public SocketRecord? Record { get; set; }
}
