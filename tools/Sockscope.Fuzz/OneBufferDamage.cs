using System.Buffers.Binary;
using Sockscope.Etl;

namespace Sockscope.Fuzz;

/// <summary>Which buffer of a seed an input damaged, and how, in a few words that group alike inputs.</summary>
/// <param name="Buffer">The buffer's index in the seed.</param>
/// <param name="Kind">The buffer's kind and the damage, e.g. "compressed buffer, BufferSize=0x48".</param>
public readonly record struct BufferDamage(int Buffer, string Kind);

/// <summary>
/// Damages exactly one buffer header of a seed trace and nothing else: one of its fields (the sizes and offsets most
/// often) set to an edge value (0, 1, 0x48, 0x7FFFFFFF, all ones, the old value ± 1, twice it, random; a flag bit
/// flipped), two or three fields at once, or the whole header zeroed or randomised. The first buffer, which holds
/// the logfile header, is picked one time in eight, any other with equal chance.
/// </summary>
/// <remarks>
/// Mutations blind to the file's structure almost never hit exactly one header field of one buffer with a value that
/// a reader has to doubt; this one aims only there, for <see cref="OneBufferCheck"/>.
/// </remarks>
public sealed class OneBufferDamage(Random rng)
{
    /// <summary>A field of WMI_BUFFER_HEADER: its name, offset and width in bytes.</summary>
    private readonly record struct Field(string Name, int Offset, int Width);

    /// <summary>The fields, the sizes and offsets a reader trusts most listed more than once so they are picked more often.</summary>
    private static readonly Field[] Fields =
    [
        new("BufferSize", 0x00, 4), new("BufferSize", 0x00, 4), new("BufferSize", 0x00, 4),
        new("SavedOffset", 0x04, 4), new("SavedOffset", 0x04, 4),
        new("FilledBytes", 0x30, 4), new("FilledBytes", 0x30, 4),
        new("CurrentOffset", 0x08, 4), new("TimeStamp", 0x10, 8), new("SequenceNumber", 0x18, 8),
        new("ProcessorIndex", 0x28, 2), new("LoggerId", 0x2A, 2), new("State", 0x2C, 4),
        new("BufferFlag", 0x34, 2), new("BufferFlag", 0x34, 2), new("BufferType", 0x36, 2),
    ];

    private byte[] _data = [];

    /// <summary>What the last call did, for a failure's report.</summary>
    public List<string> Steps { get; } = new();

    /// <summary>
    /// A copy of <paramref name="seed"/> (which must have <see cref="FuzzSeed.Buffers"/>) with one buffer header
    /// damaged, in this object's own buffer: valid until the next call.
    /// </summary>
    public ReadOnlyMemory<byte> Damage(FuzzSeed seed, out BufferDamage damage)
    {
        var buffers = seed.Buffers!.Buffers;
        Steps.Clear();
        if (_data.Length < seed.Bytes.Length) _data = new byte[Math.Max(seed.Bytes.Length, _data.Length * 2)];
        seed.Bytes.CopyTo(_data, 0);
        int index = buffers.Count == 1 || rng.Next(8) == 0 ? 0 : 1 + rng.Next(buffers.Count - 1);
        var buffer = buffers[index];
        var header = _data.AsSpan(buffer.Offset, WmiBufferHeader.Size);
        string kind = index == 0 ? "first buffer" : buffer.Compressed ? "compressed buffer" : "plain buffer";
        Steps.Add($"buffer {index} of {buffers.Count} ({kind}, {buffer.Size} bytes at {buffer.Offset})");
        string what;
        switch (rng.Next(10))
        {
            case 0:
                header.Clear();
                what = "header zeroed";
                Steps.Add(what);
                break;
            case 1:
                rng.NextBytes(header);
                what = "header randomised";
                Steps.Add(what);
                break;
            case 2:
            {
                int count = 2 + rng.Next(2);
                for (int i = 0; i < count; i++) SetField(header, Fields[rng.Next(Fields.Length)]);
                what = $"{count} fields";
                break;
            }
            default:
                what = SetField(header, Fields[rng.Next(Fields.Length)]);
                break;
        }
        damage = new BufferDamage(index, $"{kind}, {what}");
        return _data.AsMemory(0, seed.Bytes.Length);
    }

    /// <summary>Sets one field to an edge value; returns the field and the kind of value, e.g. "FilledBytes=was+1".</summary>
    private string SetField(Span<byte> header, Field field)
    {
        var at = header.Slice(field.Offset, field.Width);
        ulong old = field.Width switch
        {
            2 => BinaryPrimitives.ReadUInt16LittleEndian(at),
            4 => BinaryPrimitives.ReadUInt32LittleEndian(at),
            _ => BinaryPrimitives.ReadUInt64LittleEndian(at),
        };
        ulong max = field.Width == 8 ? ulong.MaxValue : (1UL << (8 * field.Width)) - 1;
        (string name, ulong value) = field.Name == "BufferFlag" && rng.Next(2) == 0
            ? FlagBit(old)
            : rng.Next(10) switch
            {
                0 => ("0", 0UL),
                1 => ("1", 1UL),
                2 => ("0x48", (ulong)WmiBufferHeader.Size),
                3 => ("0x7F..", max >> 1),
                4 => ("0xFF..", max),
                5 => ("was-1", old - 1),
                6 => ("was+1", old + 1),
                7 => ("was*2", old * 2),
                _ => ("random", (ulong)rng.NextInt64() ^ ((ulong)rng.Next() << 63)),
            };
        value &= max;
        Span<byte> bytes = stackalloc byte[8];
        BinaryPrimitives.WriteUInt64LittleEndian(bytes, value);
        bytes[..field.Width].CopyTo(at);
        Steps.Add($"{field.Name} (0x{field.Offset:X2}) {old:X} -> {value:X}");
        return $"{field.Name}={name}";
    }

    /// <summary>One of the flags Windows writes (the low byte), turned on or off.</summary>
    private (string, ulong) FlagBit(ulong old)
    {
        int bit = rng.Next(8);
        return ($"bit 0x{1 << bit:X2} flipped", old ^ (1UL << bit));
    }
}
