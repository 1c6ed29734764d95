using System.Buffers.Binary;

namespace Sockscope.Fuzz;

/// <summary>
/// Mutations of a seed: bit flips, interesting bytes, size and count fields set to edge values (where the seed's
/// buffer and record headers have them, and anywhere), truncation, splices from other seeds, chunks duplicated and
/// removed. One to four of them per input.
/// </summary>
/// <remarks>
/// The input is built in one buffer the mutator keeps and reuses (seeds are up to a few MiB: a new array, or a
/// <see cref="List{T}"/> of bytes, per input cost more than running the smaller inputs did).
/// </remarks>
public sealed class Mutator(Random rng)
{
    private static readonly ulong[] Edges =
    [
        0, 1, 2, 7, 8, 0x0F, 0x10, 0x3F, 0x40, 0x47, 0x48, 0x7F, 0x80, 0xFF, 0x100, 0x1000, 0x7FFF, 0x8000, 0xFFFF, 0x10000,
        0x7FFF_FFFF, 0x8000_0000, 0xFFFF_FFFF, 0x1_0000_0000, long.MaxValue, ulong.MaxValue,
    ];

    private byte[] _data = [];
    private int _count;
    private readonly byte[] _chunk = new byte[2048];

    /// <summary>What the last call did, for a failure's report.</summary>
    public List<string> Steps { get; } = new();

    /// <summary>
    /// A mutated copy of <paramref name="seed"/>, in the mutator's own buffer: valid until the next call (copy it to keep it).
    /// </summary>
    public ReadOnlyMemory<byte> Mutate(FuzzSeed seed, IReadOnlyList<FuzzSeed> all)
    {
        Steps.Clear();
        Reserve(seed.Bytes.Length);
        seed.Bytes.CopyTo(_data, 0);
        _count = seed.Bytes.Length;
        int count = 1 + rng.Next(4);
        for (int i = 0; i < count && _count > 0; i++)
        {
            switch (rng.Next(10))
            {
                case 0 or 1:
                {
                    int at = rng.Next(_count);
                    int bit = rng.Next(8);
                    _data[at] ^= (byte)(1 << bit);
                    Steps.Add($"flip bit {bit} at {at}");
                    break;
                }
                case 2:
                {
                    int at = rng.Next(_count);
                    byte value = (byte)Edges[rng.Next(Edges.Length)];
                    _data[at] = value;
                    Steps.Add($"byte {value} at {at}");
                    break;
                }
                case 3 or 4 or 5:
                {
                    // A size or count field: in a header the seed has there, mostly; anywhere otherwise.
                    int at = seed.FieldOffsets.Length > 0 && rng.Next(4) != 0 ? seed.FieldOffsets[rng.Next(seed.FieldOffsets.Length)] : rng.Next(_count);
                    int width = rng.Next(3) switch { 0 => 2, 1 => 4, _ => 8 };
                    if (at + width > _count) break;
                    ulong value = rng.Next(3) == 0 ? (ulong)_count + (ulong)(rng.Next(33) - 16) : Edges[rng.Next(Edges.Length)];
                    Span<byte> bytes = stackalloc byte[8];
                    BinaryPrimitives.WriteUInt64LittleEndian(bytes, value);
                    bytes[..width].CopyTo(_data.AsSpan(at));
                    Steps.Add($"{width}-byte field {value:X} at {at}");
                    break;
                }
                case 6:
                {
                    int keep = rng.Next(_count);
                    _count = keep;
                    Steps.Add($"truncate to {keep}");
                    break;
                }
                case 7:
                {
                    var other = all[rng.Next(all.Count)].Bytes;
                    int from = rng.Next(other.Length);
                    int length = Math.Min(rng.Next(1, 4096), other.Length - from);
                    int at = rng.Next(_count);
                    int replace = Math.Min(length, _count - at);
                    Remove(at, replace);
                    // Seeds' bytes are never this buffer, so the source cannot move under the insertion.
                    Insert(at, other.AsSpan(from, length));
                    Steps.Add($"splice {length} bytes of another seed from {from} at {at}");
                    break;
                }
                case 8:
                {
                    int from = rng.Next(_count);
                    int length = Math.Min(rng.Next(1, 2048), _count - from);
                    int at = rng.Next(_count);
                    // The chunk as it was before the insertion moves it.
                    _data.AsSpan(from, length).CopyTo(_chunk);
                    Insert(at, _chunk.AsSpan(0, length));
                    Steps.Add($"duplicate {length} bytes from {from} at {at}");
                    break;
                }
                default:
                {
                    int at = rng.Next(_count);
                    int length = Math.Min(rng.Next(1, 2048), _count - at);
                    Remove(at, length);
                    Steps.Add($"remove {length} bytes at {at}");
                    break;
                }
            }
        }
        return _data.AsMemory(0, _count);
    }

    private void Reserve(int count)
    {
        if (count <= _data.Length) return;
        var larger = new byte[Math.Max(count, _data.Length * 2)];
        _data.AsSpan(0, _count).CopyTo(larger);
        _data = larger;
    }

    private void Remove(int at, int length)
    {
        _data.AsSpan(at + length, _count - at - length).CopyTo(_data.AsSpan(at));
        _count -= length;
    }

    private void Insert(int at, ReadOnlySpan<byte> bytes)
    {
        Reserve(_count + bytes.Length);
        _data.AsSpan(at, _count - at).CopyTo(_data.AsSpan(at + bytes.Length));
        bytes.CopyTo(_data.AsSpan(at));
        _count += bytes.Length;
    }
}
