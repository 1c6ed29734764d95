using Sockscope.Etl;
using Sockscope.Fuzz;
using Sockscope.Tests.Support;
using Xunit.Abstractions;

namespace Sockscope.Tests.Fuzz;

/// <summary>
/// The fuzzer's one-buffer check: damaging one buffer header costs at most that buffer's events. Its parts (the
/// seeds' buffer maps, the damage, the reference, the comparison) are tested here; the check itself runs over a fixed
/// seed and count.
/// </summary>
public class OneBufferCheckTests(ITestOutputHelper output)
{
    private static readonly Guid Winsock = new("bde46aea-2357-51fe-7367-d5296f530bd1");
    private static readonly Guid Other = new("e53c6823-7bb8-44bb-90dc-3f86090d48a6");

    private static List<FuzzSeed> Seeds(TempDir dir)
    {
        string work = dir.File("work");
        Directory.CreateDirectory(work);
        return FuzzSeeds.Make(work, realTraces: null);
    }

    [Fact]
    public void Every_synthesized_trace_seed_has_a_map_of_contiguous_buffers_holding_all_its_events()
    {
        using var dir = new TempDir();
        var seeds = Seeds(dir);
        Assert.Null(seeds.Single(s => s.Name.EndsWith(".jsonl")).Buffers);
        var traces = seeds.Where(s => s.Name.EndsWith(".etl")).ToList();
        Assert.Equal(9, traces.Count);
        foreach (var seed in traces)
        {
            var map = Assert.IsType<SeedBuffers>(seed.Buffers);
            Assert.Equal(0, map.Buffers[0].Offset);
            for (int i = 1; i < map.Buffers.Count; i++)
                Assert.Equal(map.Buffers[i - 1].Offset + map.Buffers[i - 1].Size, map.Buffers[i].Offset);
            Assert.Equal(seed.Bytes.Length, map.Buffers[^1].Offset + map.Buffers[^1].Size);
            Assert.Equal(map.Total.Sum, map.Buffers.Sum(b => b.Events.Values.Sum()));
            Assert.True(map.Total.Sum > 0);
            // The compressed seeds: every buffer but the first (the logfile header's) is compressed.
            bool compressed = seed.Name.Contains("-x");
            Assert.False(map.Buffers[0].Compressed);
            Assert.All(map.Buffers.Skip(1), b => Assert.Equal(compressed, b.Compressed));
        }
    }

    [Fact]
    public void The_reference_for_a_buffer_is_the_seed_less_that_buffers_events()
    {
        // Read from the file with the buffer cut out; it must agree with the seed's own count less the buffer's, or
        // the reference (and so the check) would be wrong.
        using var dir = new TempDir();
        string work = dir.File("work");
        int compared = 0;
        foreach (var seed in Seeds(dir).Where(s => s.Buffers is not null))
        {
            var map = seed.Buffers!;
            for (int k = 0; k < map.Buffers.Count; k++)
            {
                var without = map.Without(k, seed.Bytes, work);
                var expected = map.Total.Clone();
                foreach (var (id, n) in map.Buffers[k].Events) expected.Add(id, -n);
                foreach (var id in map.Total.Providers)
                    Assert.True(expected[id] == without[id], $"{seed.Name} without buffer {k}: {without[id]} events of {id}, expected {expected[id]}");
                compared++;
            }
        }
        Assert.True(compared > 100, $"{compared} buffers");
    }

    [Fact]
    public void The_damage_changes_one_buffer_header_and_nothing_else()
    {
        using var dir = new TempDir();
        var seeds = Seeds(dir).Where(s => s.Buffers is not null).ToList();
        var rng = new Random(11);
        var damage = new OneBufferDamage(rng);
        var kinds = new HashSet<string>();
        var buffers = new HashSet<string>();
        for (int i = 0; i < 600; i++)
        {
            var seed = seeds[rng.Next(seeds.Count)];
            var bytes = damage.Damage(seed, out var d).ToArray();
            var buffer = seed.Buffers!.Buffers[d.Buffer];
            Assert.Equal(seed.Bytes.Length, bytes.Length);
            for (int at = 0; at < bytes.Length; at++)
                if (bytes[at] != seed.Bytes[at])
                    Assert.True(at >= buffer.Offset && at < buffer.Offset + WmiBufferHeader.Size,
                        $"{seed.Name}: byte {at} changed, outside buffer {d.Buffer}'s header at {buffer.Offset} ({string.Join("; ", damage.Steps)})");
            // What the coverage-guided harness uses to find such inputs finds the same buffer.
            if (!bytes.AsSpan().SequenceEqual(seed.Bytes)) Assert.Equal(d.Buffer, OneBufferCheck.DamagedBuffer(seed, bytes)?.Index);
            kinds.Add(d.Kind[(d.Kind.IndexOf(", ") + 2)..].Split('=')[0]);
            buffers.Add(d.Kind[..d.Kind.IndexOf(", ")]);
        }
        Assert.Equal(["compressed buffer", "first buffer", "plain buffer"], buffers.Order());
        foreach (var field in new[] { "BufferSize", "SavedOffset", "FilledBytes", "CurrentOffset", "ProcessorIndex", "BufferFlag", "BufferType", "header zeroed", "header randomised" })
            Assert.Contains(field, kinds);
    }

    [Fact]
    public void The_comparison_flags_events_lost_from_other_buffers_and_events_gained()
    {
        var original = Counts((Winsock, 100), (Other, 50), (Guid.Empty, 3));
        var reference = Counts((Winsock, 80), (Other, 50), (Guid.Empty, 3));
        // Between the file without the buffer and the whole file: kept.
        Assert.Null(OneBufferCheck.Compare(Counts((Winsock, 80), (Other, 50), (Guid.Empty, 3)), false, reference, original));
        Assert.Null(OneBufferCheck.Compare(Counts((Winsock, 100), (Other, 50), (Guid.Empty, 3)), false, reference, original));
        // One event of another buffer lost.
        string? lost = OneBufferCheck.Compare(Counts((Winsock, 80), (Other, 49), (Guid.Empty, 3)), false, reference, original);
        Assert.Equal($"events of other buffers lost for 1 providers ({Other:B}: 49 events, 50 without the damaged buffer)", lost);
        // A provider the file does not have, or more of one than it has.
        string? gained = OneBufferCheck.Compare(Counts((Winsock, 101), (Other, 50), (Guid.Empty, 3), (Guid.Parse("00000000-0000-0000-0000-000000000001"), 1)), false, reference, original);
        Assert.Equal("more events than the file has for 2 providers ({00000000-0000-0000-0000-000000000001}: 1 events, 0 in the undamaged file; " +
            $"{Winsock:B}: 101 events, 100 in the undamaged file)", gained);
        // Refused whole.
        string? refused = OneBufferCheck.Compare(new ProviderCounts(), true, reference, original);
        Assert.StartsWith("refused as no ETL file; events of other buffers lost for 3 providers (kernel records (no provider GUID): 0 events, 3 without", refused);
    }

    [Fact]
    public void A_run_of_one_buffer_inputs_holds_each_to_the_check_and_tallies_it_by_kind()
    {
        using var dir = new TempDir();
        var result = FuzzEngine.Run(new FuzzSettings
        {
            Seed = 5,
            MaxInputs = 120,
            Duration = TimeSpan.MaxValue,
            WorkDirectory = dir.File("work"),
            HangAfter = TimeSpan.FromMinutes(2),
            CountAllThreads = false,
            OneBufferShare = 1,
        });
        output.WriteLine($"{result.OneBufferViolations} of {result.OneBufferInputs} violated");
        Assert.Equal(120, result.Inputs);
        Assert.Equal(120, result.OneBufferInputs);
        Assert.Equal(120, result.OneBufferKinds.Values.Sum(k => k.Inputs));
        Assert.Equal(result.OneBufferViolations, result.OneBufferKinds.Values.Sum(k => k.Violations));
        Assert.Equal(result.OneBufferViolations, result.OneBufferSignatures.Values.Sum());
        // At most five inputs kept per kind of violation; crashes and the rest are failures as ever.
        Assert.Equal(result.OneBufferSignatures.Values.Sum(n => Math.Min(n, 5)), result.Failures.Count(f => f.Kind == "one-buffer"));
        Assert.DoesNotContain(result.Failures, f => f.Kind != "one-buffer");
    }

    /// <summary>
    /// The check itself, over a fixed seed and count. Today's reader fails it (a compressed trace whose buffer 1
    /// BufferSize is 0x48 loses every later buffer; a damaged first buffer header refuses the whole file): enabled
    /// once the reader's fix is merged.
    /// </summary>
    [Fact]
    public void Damaging_one_buffer_header_never_costs_the_events_of_the_other_buffers()
    {
        using var dir = new TempDir();
        const int seed = 20261203;
        string failures = Path.Combine(Path.GetTempPath(), "sockscope-fuzz-failures", $"one-buffer-{seed}");
        var result = FuzzEngine.Run(new FuzzSettings
        {
            Seed = seed,
            MaxInputs = 500,
            Duration = TimeSpan.MaxValue,
            FailuresDirectory = failures,
            WorkDirectory = dir.File("work"),
            RealTraces = SharedSamples.Directory,
            HangAfter = TimeSpan.FromMinutes(2),
            CountAllThreads = false,
            OneBufferShare = 1,
        });
        foreach (var (kind, (inputs, violations)) in result.OneBufferKinds.Where(k => k.Value.Violations > 0))
            output.WriteLine($"{kind}: {violations} of {inputs} violated");
        foreach (var f in result.Failures.Take(10)) output.WriteLine(f.ToString());
        Assert.Equal(500, result.OneBufferInputs);
        Assert.True(result.Failures.Count == 0,
            $"{result.OneBufferViolations} of {result.OneBufferInputs} one-buffer inputs violated, {result.Failures.Count(f => f.Kind != "one-buffer")} other failures " +
            $"(inputs kept in {failures}); first: {result.Failures.FirstOrDefault()}");
        // Every kind of buffer was damaged, the first included.
        Assert.Equal(3, result.OneBufferKinds.Keys.Select(k => k[..k.IndexOf(", ")]).Distinct().Count());
    }

    private static ProviderCounts Counts(params (Guid Id, long N)[] counts)
    {
        var c = new ProviderCounts();
        foreach (var (id, n) in counts) c.Add(id, n);
        return c;
    }
}
