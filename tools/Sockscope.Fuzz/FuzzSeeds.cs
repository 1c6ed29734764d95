using System.Buffers;
using Sockscope.Decoding;
using Sockscope.Etl;
using Sockscope.Events;
using Sockscope.Schema;
using Sockscope.Sinks;
using Sockscope.Synthesis;

namespace Sockscope.Fuzz;

/// <summary>
/// One input to mutate, with the offsets where its size and count fields lie (buffer and record headers) and, for a
/// trace that reads without problems, its buffers (for the one-buffer check).
/// </summary>
public sealed record FuzzSeed(string Name, byte[] Bytes, int[] FieldOffsets, SeedBuffers? Buffers = null);

/// <summary>
/// The inputs mutations start from: traces the project writes (every header kind the synthesizer uses, 32- and 64-bit,
/// XPRESS and not, Windows 7's legacy events, a busy host plain and XPRESS), the JSON lines `dump` writes, and the real
/// traces in ../shared when present.
/// </summary>
public static class FuzzSeeds
{
    /// <summary>Makes the seeds in <paramref name="work"/>; real traces of at most <paramref name="maxRealBytes"/> from <paramref name="realTraces"/>.</summary>
    public static List<FuzzSeed> Make(string work, string? realTraces, long maxRealBytes = 4 << 20)
    {
        var seeds = new List<FuzzSeed>();
        foreach (var (scenario, pointer, compress, build) in new[]
                 {
                     ("browser", 8, false, 26100), ("failures", 8, false, 26100), ("server", 4, true, 26100),
                     ("wow64", 8, false, 26100), ("legacy", 4, false, 7601), ("mixed", 8, true, 26100), ("preexisting", 8, false, 26100),
                 })
        {
            string path = Path.Combine(work, $"seed-{scenario}-{pointer}{(compress ? "-x" : "")}.etl");
            ScenarioSynthesizer.Write(path, new ScenarioOptions { Scenario = scenario, PointerSize = pointer, Compress = compress, Build = build, BufferSize = 8192 });
            seeds.Add(Seed(Path.GetFileName(path), path));
        }
        string busy = Path.Combine(work, "seed-busy.etl");
        ScenarioSynthesizer.Write(busy, new ScenarioOptions { Scenario = "busy-host", Events = 3000, BufferSize = 8192 });
        seeds.Add(Seed("seed-busy.etl", busy));
        // Enough compressed buffers (about 40) for the reader to decompress ahead on a second thread: that path too
        // meets damaged sizes, flags and compressed bytes.
        string busyCompressed = Path.Combine(work, "seed-busy-x.etl");
        ScenarioSynthesizer.Write(busyCompressed, new ScenarioOptions { Scenario = "busy-host", Events = 3000, BufferSize = 8192, Compress = true });
        seeds.Add(Seed("seed-busy-x.etl", busyCompressed));
        seeds.Add(new FuzzSeed("seed-mixed.jsonl", Dump(Path.Combine(work, "seed-mixed-8.etl")), []));
        if (realTraces is not null && Directory.Exists(realTraces))
            foreach (var file in Directory.EnumerateFiles(realTraces, "*.etl").Order())
                if (new FileInfo(file).Length <= maxRealBytes) seeds.Add(Seed(Path.GetFileName(file), file));
        return seeds;
    }

    /// <summary>A trace's bytes, the offsets of its buffer headers' and records' size and count fields, and its buffers.</summary>
    public static FuzzSeed Seed(string name, string path)
    {
        var bytes = File.ReadAllBytes(path);
        var offsets = new HashSet<int>();
        try
        {
            using var reader = EtlReader.Open(path, new EtlReaderOptions { Order = RecordOrder.File });
            while (reader.TryRead(out var r))
            {
                // Each buffer's header: size, saved and current offsets, the processor, the flags.
                for (int k = 0; k < 0x48; k += 4) offsets.Add((int)r.BufferOffset + k);
                if (!r.InCompressedBuffer)
                    for (int k = 0; k < 8; k += 2) offsets.Add((int)r.BufferOffset + r.OffsetInBuffer + k);
            }
        }
        catch (EtlFormatException)
        {
        }
        return new FuzzSeed(name, bytes, offsets.Where(o => o >= 0 && o + 4 <= bytes.Length).Order().ToArray(), SeedBuffers.Find(path, bytes));
    }

    private static byte[] Dump(string etl)
    {
        if (!File.Exists(etl)) ScenarioSynthesizer.Write(etl, new ScenarioOptions { Scenario = "mixed" });
        using var reader = EtlReader.Open(etl);
        var output = new ArrayBufferWriter<byte>();
        var names = new ProviderNames();
        var decoder = new EventDecoder(SchemaCatalog.Winsock);
        using (var json = new EventJsonWriter(output, reader.Clock, names))
        {
            while (reader.TryRead(out var r))
            {
                names.Learn(r);
                if (!decoder.TryDecode(r, out var d)) continue;
                json.Write(r, d);
            }
        }
        return output.WrittenSpan.ToArray();
    }
}
