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
