using System.Buffers.Binary;

namespace Sockscope.Fuzz;

/// <summary>
/// Mutations of a seed: bit flips, interesting bytes, size and count fields set to edge values (where the seed's
/// buffer and record headers have them, and anywhere), truncation, splices from other seeds, chunks duplicated and
/// removed. One to four of them per input.
/// </summary>
public sealed class Mutator(Random rng)
{
    private static readonly ulong[] Edges =
    [
        0, 1, 2, 7, 8, 0x0F, 0x10, 0x3F, 0x40, 0x47, 0x48, 0x7F, 0x80, 0xFF, 0x100, 0x1000, 0x7FFF, 0x8000, 0xFFFF, 0x10000,
        0x7FFF_FFFF, 0x8000_0000, 0xFFFF_FFFF, 0x1_0000_0000, long.MaxValue, ulong.MaxValue,
    ];

    /// <summary>What the last call did, for a failure's report.</summary>
    public List<string> Steps { get; } = new();

    /// <summary>A mutated copy of <paramref name="seed"/>.</summary>
    public byte[] Mutate(FuzzSeed seed, IReadOnlyList<FuzzSeed> all)
    {
        Steps.Clear();
        var data = new List<byte>(seed.Bytes);
        int count = 1 + rng.Next(4);
        for (int i = 0; i < count && data.Count > 0; i++)
        {
            switch (rng.Next(10))
            {
                case 0 or 1:
                {
                    int at = rng.Next(data.Count);
                    int bit = rng.Next(8);
                    data[at] ^= (byte)(1 << bit);
                    Steps.Add($"flip bit {bit} at {at}");
                    break;
                }
                case 2:
                {
                    int at = rng.Next(data.Count);
                    byte value = (byte)Edges[rng.Next(Edges.Length)];
                    data[at] = value;
                    Steps.Add($"byte {value} at {at}");
                    break;
                }
                case 3 or 4 or 5:
                {
                    // A size or count field: in a header the seed has there, mostly; anywhere otherwise.
                    int at = seed.FieldOffsets.Length > 0 && rng.Next(4) != 0 ? seed.FieldOffsets[rng.Next(seed.FieldOffsets.Length)] : rng.Next(data.Count);
                    int width = rng.Next(3) switch { 0 => 2, 1 => 4, _ => 8 };
                    if (at + width > data.Count) break;
                    ulong value = rng.Next(3) == 0 ? (ulong)data.Count + (ulong)(rng.Next(33) - 16) : Edges[rng.Next(Edges.Length)];
                    Span<byte> bytes = stackalloc byte[8];
                    BinaryPrimitives.WriteUInt64LittleEndian(bytes, value);
                    for (int k = 0; k < width; k++) data[at + k] = bytes[k];
                    Steps.Add($"{width}-byte field {value:X} at {at}");
                    break;
                }
                case 6:
                {
                    int keep = rng.Next(data.Count);
                    data.RemoveRange(keep, data.Count - keep);
                    Steps.Add($"truncate to {keep}");
                    break;
                }
                case 7:
                {
                    var other = all[rng.Next(all.Count)].Bytes;
                    int from = rng.Next(other.Length);
                    int length = Math.Min(rng.Next(1, 4096), other.Length - from);
                    int at = rng.Next(data.Count);
                    int replace = Math.Min(length, data.Count - at);
                    data.RemoveRange(at, replace);
                    data.InsertRange(at, other.AsSpan(from, length).ToArray());
                    Steps.Add($"splice {length} bytes of another seed from {from} at {at}");
                    break;
                }
                case 8:
                {
                    int from = rng.Next(data.Count);
                    int length = Math.Min(rng.Next(1, 2048), data.Count - from);
                    int at = rng.Next(data.Count);
                    data.InsertRange(at, data.GetRange(from, length));
                    Steps.Add($"duplicate {length} bytes from {from} at {at}");
                    break;
                }
                default:
                {
                    int at = rng.Next(data.Count);
                    int length = Math.Min(rng.Next(1, 2048), data.Count - at);
                    data.RemoveRange(at, length);
                    Steps.Add($"remove {length} bytes at {at}");
                    break;
                }
            }
        }
        return data.ToArray();
    }
}
