using System.Buffers.Binary;
using System.Security.Cryptography;
using Sockscope.Etl;

namespace Sockscope.Tests.Support;

/// <summary>
/// Damages traces the way the tests of damaged input need: the buffers of a clean file, a field patched, a buffer
/// cut out; and what a reader delivers, as one key per record, to compare a damaged file with its undamaged twin.
/// </summary>
public static class TraceSurgery
{
    /// <summary>One buffer of a clean file.</summary>
    public sealed record PlacedBuffer(long Offset, uint Size);

    /// <summary>What a reader delivered: one key per record, the records of each buffer, and the problems.</summary>
    public sealed record Reading(List<string> Keys, Dictionary<long, List<string>> ByBuffer, EtlDiagnostics Diagnostics, long BuffersFound);

    /// <summary>The buffers of an undamaged file, walked by their sizes.</summary>
    public static List<PlacedBuffer> Buffers(string path)
    {
        var bytes = File.ReadAllBytes(path);
        var list = new List<PlacedBuffer>();
        for (long at = 0; at + WmiBufferHeader.Size <= bytes.Length;)
        {
            uint size = BinaryPrimitives.ReadUInt32LittleEndian(bytes.AsSpan((int)at));
            Assert.True(size >= WmiBufferHeader.Size, $"{path}: the clean file has a buffer of {size} bytes at {at}");
            list.Add(new PlacedBuffer(at, size));
            at += size;
        }
        return list;
    }

    /// <summary>Writes <paramref name="bytes"/> at <paramref name="offset"/> of the file.</summary>
    public static void Patch(string path, long offset, ReadOnlySpan<byte> bytes)
    {
        using var f = new FileStream(path, FileMode.Open, FileAccess.Write);
        f.Position = offset;
        f.Write(bytes);
    }

    public static byte[] U32(uint v) { var b = new byte[4]; BinaryPrimitives.WriteUInt32LittleEndian(b, v); return b; }
    public static byte[] U16(ushort v) { var b = new byte[2]; BinaryPrimitives.WriteUInt16LittleEndian(b, v); return b; }

    /// <summary>A copy of <paramref name="path"/> at <paramref name="to"/> without the bytes of <paramref name="cut"/>.</summary>
    public static string Without(string path, PlacedBuffer cut, string to)
    {
        var bytes = File.ReadAllBytes(path);
        File.WriteAllBytes(to, [.. bytes.AsSpan(0, (int)cut.Offset), .. bytes.AsSpan((int)(cut.Offset + cut.Size))]);
        return to;
    }

    /// <summary>Reads every record of a file in <paramref name="order"/>.</summary>
    public static Reading Read(string path, RecordOrder order = RecordOrder.Time)
    {
        var keys = new List<string>();
        var byBuffer = new Dictionary<long, List<string>>();
        using var reader = EtlReader.Open(path, new EtlReaderOptions { Order = order });
        while (reader.TryRead(out var r))
        {
            string key = Key(r);
            keys.Add(key);
            if (!byBuffer.TryGetValue(r.BufferOffset, out var list)) byBuffer[r.BufferOffset] = list = [];
            list.Add(key);
        }
        return new Reading(keys, byBuffer, reader.Diagnostics, reader.BuffersFound);
    }

    /// <summary>
    /// What identifies a record: provider, header kind, event id, time stamp, size and payload (not the processor,
    /// which a damaged buffer header may misstate).
    /// </summary>
    public static string Key(in EtlRecord r) =>
        $"{r.ProviderId}|{r.HeaderType}|{r.Id}|{r.Timestamp}|{r.Size}|{Convert.ToHexString(SHA256.HashData(r.UserData), 0, 8)}";

    /// <summary>
    /// Every record of <paramref name="expected"/> (the file without the damaged buffer) was delivered, per provider,
    /// and anything more is one of <paramref name="victim"/>'s own records (none when <paramref name="exact"/>).
    /// </summary>
    public static void AssertOthersIntact(Reading got, Reading expected, IReadOnlyCollection<string> victim, bool exact, string what)
    {
        var missing = Subtract(expected.Keys, got.Keys);
        var extra = Subtract(got.Keys, expected.Keys);
        Assert.True(missing.Count == 0,
            $"{what}: {missing.Count} records of intact buffers were lost ({PerProvider(missing)}); problems: {string.Join(" | ", got.Diagnostics.Problems)}");
        var madeUp = Subtract(extra, victim);
        Assert.True(madeUp.Count == 0, $"{what}: {madeUp.Count} records that no buffer holds were delivered ({PerProvider(madeUp)})");
        if (exact) Assert.True(extra.Count == 0, $"{what}: {extra.Count} records of the damaged buffer were delivered");
    }

    /// <summary>The keys of <paramref name="from"/> less one of each in <paramref name="take"/> (a multiset difference).</summary>
    public static List<string> Subtract(IEnumerable<string> from, IEnumerable<string> take)
    {
        var counts = new Dictionary<string, int>();
        foreach (var k in take) counts[k] = counts.GetValueOrDefault(k) + 1;
        var rest = new List<string>();
        foreach (var k in from)
        {
            if (counts.GetValueOrDefault(k) > 0) counts[k]--;
            else rest.Add(k);
        }
        return rest;
    }

    private static string PerProvider(List<string> keys) =>
        string.Join(", ", keys.GroupBy(k => k[..k.IndexOf('|')]).Select(g => $"{g.Key}: {g.Count()}"));
}
