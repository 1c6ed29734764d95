using Sockscope.Etl;
using Sockscope.Fuzz;
using Sockscope.Sources;
using Sockscope.Tests.Support;
using Xunit.Abstractions;

namespace Sockscope.Tests.Fuzz;

/// <summary>
/// A bounded run of the mutation fuzzer (tools/Sockscope.Fuzz) over traces and JSON lines: no input may crash, hang
/// or allocate without bound; and the regressions it found.
/// </summary>
public class FuzzTests(ITestOutputHelper output)
{
    /// <summary>The inputs of the fixed run: a few thousand, well under a minute on a loaded 2-core machine.</summary>
    private const int Inputs = 1500;

    [Fact]
    public void A_fixed_run_of_mutated_inputs_never_crashes_hangs_or_allocates_without_bound()
    {
        using var dir = new TempDir();
        // The real traces join the seeds when ../shared is there; the run needs no more than the project's own.
        string? real = SharedSamples.Directory;
        // A fixed seed and a fixed number of inputs: the verdict is the same on any machine at any load. The long
        // random run, new seeds each time, is `dotnet run -c Release --project tools/Sockscope.Fuzz -- --seconds N`.
        const int seed = 20261203;
        string failures = Path.Combine(Path.GetTempPath(), "sockscope-fuzz-failures", seed.ToString());
        var result = FuzzEngine.Run(new FuzzSettings
        {
            Seed = seed,
            MaxInputs = Inputs,
            Duration = TimeSpan.MaxValue,
            FailuresDirectory = failures,
            WorkDirectory = dir.File("work"),
            RealTraces = real,
            // Counted in time the process ran (HangWatch), and far beyond the slowest input seen (0.3 s alone): an
            // input is hung only when it really loops, not because the machine is busy.
            HangAfter = TimeSpan.FromMinutes(2),
            // Other tests run in this process meanwhile: only the input's own thread's allocation is the input's.
            CountAllThreads = false,
        });
        output.WriteLine($"{result.Inputs} inputs from {result.Seeds} seeds, {result.Refused} refused, {result.Damaged} damaged, " +
            $"{result.Events} events, slowest {result.Slowest.TotalMilliseconds:N0} ms, most allocated {result.MostAllocated:N0} bytes");
        foreach (var f in result.Failures.Take(10)) output.WriteLine(f.ToString());
        Assert.True(result.Failures.Count == 0,
            $"seed {seed}: {result.Failures.Count} failures (inputs kept in {failures}); first: {result.Failures.FirstOrDefault()}");
        // All of them ran, and they reached the paths they are for: damage found and reported, unusable inputs refused.
        Assert.Equal(Inputs, result.Inputs);
        Assert.True(result.Seeds >= 9);
        Assert.True(result.Damaged > result.Inputs / 10, $"{result.Damaged} damaged");
        Assert.True(result.Refused > 0);
        Assert.True(result.Events > 100_000, $"{result.Events} events");
    }

    [Fact]
    public void The_same_seed_makes_the_same_inputs()
    {
        using var dir = new TempDir();
        FuzzResult Run(string work) => FuzzEngine.Run(new FuzzSettings
        {
            Seed = 7,
            MaxInputs = 150,
            Duration = TimeSpan.MaxValue,
            WorkDirectory = dir.File(work),
            HangAfter = TimeSpan.FromMinutes(2),
            CountAllThreads = false,
            OneBufferShare = 0.5,
        });
        var first = Run("a");
        var second = Run("b");
        Assert.Equal(150, first.Inputs);
        Assert.Equal((first.Events, first.Damaged, first.Refused, first.OneBufferInputs, first.OneBufferViolations),
            (second.Events, second.Damaged, second.Refused, second.OneBufferInputs, second.OneBufferViolations));
        Assert.Equal(first.OneBufferKinds, second.OneBufferKinds);
        Assert.True(first.Events > 0 && first.OneBufferInputs > 0);
    }

    [Fact]
    public void A_json_line_with_text_that_is_not_utf8_is_reported_and_the_rest_read()
    {
        // Found by the fuzzer: System.Text.Json will not make a string of invalid UTF-8, and threw out of the source.
        using var dir = new TempDir();
        string path = dir.File("bad-utf8.jsonl");
        var good = "{\"system\":{\"provider\":\"Microsoft-Windows-Winsock-Sockets\",\"guid\":\"{BDE46AEA-2357-51FE-7367-D5296F530BD1}\",\"event_id\":2,\"version\":0,\"level\":4,\"task\":1000,\"opcode\":2,\"keywords\":\"0x0\",\"time_created\":\"2026-06-02T04:00:00.000+00:00\",\"execution\":{\"process_id\":42,\"thread_id\":7}},\"event_data\":{\"ErrorCode\":\"00000000\",\"Socket\":\"0x6DC\",\"AddressFamily\":2,\"SocketType\":1,\"Protocol\":6},\"message\":\"SockCreate\"}\n"u8.ToArray();
        var bad = good.ToArray();
        int at = Array.IndexOf(bad, (byte)'W');
        bad[at] = 0xB0; // inside the provider's name
        File.WriteAllBytes(path, [.. good, .. bad, .. good]);
        using var source = (JsonEventSource)EventSources.Open(path);
        int events = 0;
        while (source.TryRead(out _)) events++;
        Assert.Equal(2, events);
        Assert.Equal(1, source.BadLines);
        var problem = Assert.Single(source.Diagnostics.Problems);
        Assert.Equal(good.Length, problem.Offset);
    }

    [Fact]
    public void The_seeds_include_a_trace_whose_buffers_the_reader_decompresses_ahead()
    {
        using var dir = new TempDir();
        string work = dir.File("work");
        Directory.CreateDirectory(work);
        var seed = FuzzSeeds.Make(work, realTraces: null).Single(s => s.Name == "seed-busy-x.etl");
        string path = dir.File("busy-x.etl");
        File.WriteAllBytes(path, seed.Bytes);
        using var reader = EtlReader.Open(path);
        var compressed = new HashSet<long>();
        bool ahead = false;
        while (reader.TryRead(out var r))
        {
            if (r.InCompressedBuffer) compressed.Add(r.BufferOffset);
            ahead |= reader.Prefetcher is not null;
        }
        Assert.True(compressed.Count >= BufferPrefetcher.MinimumBuffers, $"{compressed.Count} compressed buffers");
        // The second thread is used only where there is a second core.
        Assert.Equal(Environment.ProcessorCount > 1, ahead);
        // And the size fields of each of those buffers' headers are among the places mutations aim at.
        Assert.All(compressed, offset => Assert.Contains((int)offset, seed.FieldOffsets));
    }
}
