using System.Diagnostics;
using SharpFuzz;
using Sockscope.Fuzz;
using Sockscope.Fuzz.Afl;

// Coverage-guided fuzzing with afl-fuzz and SharpFuzz, for comparison with the mutation fuzzer on the same seeds,
// checks and instrumentation (tools/Sockscope.Fuzz.Afl/compare.sh runs the comparison).
//   seeds DIR [--real DIR]            write the seeds (at most 1 MiB each, afl-fuzz's limit) to DIR
//   afl [--real DIR] [--work DIR]     the target afl-fuzz runs (persistent mode; afl-fuzz kills it at the end, so
//                                     its work folder, /dev/shm/sockscope-afl-PID unless given, is left behind)
//   mutation --seconds N --seed S [--real DIR] [--one-buffer F] [--failures DIR]
//                                     the mutation fuzzer, counting the edges it reaches every 10 s
//   replay DIR... [--real DIR]        runs every file of the folders once: edges reached, failures by kind
string Arg(string name, string? fallback)
{
    int i = Array.IndexOf(args, name);
    return i >= 0 && i + 1 < args.Length ? args[i + 1] : fallback!;
}
string mode = args.Length > 0 ? args[0] : "afl";
string? real = Arg("--real", null);
string work = Arg("--work", null) ?? Path.Combine(Directory.Exists("/dev/shm") ? "/dev/shm" : Path.GetTempPath(), $"sockscope-afl-{Environment.ProcessId}");
Directory.CreateDirectory(work);
// The seeds are made by instrumented code too: it needs a map before afl-fuzz's is attached.
using var map = new CoverageMap();
var seeds = FuzzSeeds.Make(work, real, maxRealBytes: 1 << 20);
var oneBufferSeeds = seeds.Where(s => s.Buffers is not null).ToList();
try
{
    switch (mode)
    {
        case "seeds":
        {
            Directory.CreateDirectory(args[1]);
            foreach (var s in seeds) File.WriteAllBytes(Path.Combine(args[1], s.Name), s.Bytes);
            Console.WriteLine($"{seeds.Count} seeds written to {args[1]} ({oneBufferSeeds.Count} with a buffer map)");
            return 0;
        }
        case "afl":
        {
            var target = new AflTarget(oneBufferSeeds, work);
            Fuzzer.Run(target.Run);
            return 0;
        }
        case "mutation":
        {
            map.Reset();
            var clock = Stopwatch.StartNew();
            var settings = new FuzzSettings
            {
                Seed = int.Parse(Arg("--seed", "1")),
                Duration = TimeSpan.FromSeconds(double.Parse(Arg("--seconds", "60"))),
                WorkDirectory = work,
                Seeds = seeds,
                ReaderOptions = AflTarget.ReaderOptions,
                FailuresDirectory = Arg("--failures", null),
                OneBufferShare = double.Parse(Arg("--one-buffer", "0.25"), System.Globalization.CultureInfo.InvariantCulture),
            };
            using var done = new ManualResetEventSlim();
            var sampler = new Thread(() =>
            {
                while (!done.Wait(TimeSpan.FromSeconds(10)))
                    Console.Error.WriteLine($"{clock.Elapsed.TotalSeconds:F0} s: {map.Collect()} edges");
            }) { IsBackground = true };
            sampler.Start();
            var result = FuzzEngine.Run(settings);
            done.Set();
            sampler.Join();
            int edges = map.Collect();
            var kinds = result.Failures.Where(f => f.Kind != "one-buffer").Select(f => $"{f.Kind}: {FirstLines(f.Detail)}")
                .Concat(result.OneBufferSignatures.Keys.Select(k => $"one-buffer: {k}")).Distinct().Order().ToList();
            Console.WriteLine($"mutation seed {settings.Seed}: {result.Inputs:N0} inputs in {result.Elapsed.TotalSeconds:N0} s, {edges} edges, " +
                $"{kinds.Count} kinds of failure; one-buffer {result.OneBufferViolations:N0} of {result.OneBufferInputs:N0} violated" +
                (result.FirstOneBufferViolation is { } first ? $", first after {first.TotalSeconds:N1} s" : ""));
            foreach (var k in kinds) Console.WriteLine($"  {k}");
            return 0;
        }
        case "replay":
        {
            map.Reset();
            var target = new AflTarget(oneBufferSeeds, work);
            var kinds = new SortedDictionary<string, (int Count, string First)>(StringComparer.Ordinal);
            int files = 0, oneBuffer = 0;
            foreach (var dir in args.Skip(1).Where((a, i) => !a.StartsWith("--", StringComparison.Ordinal) && !args[i].StartsWith("--", StringComparison.Ordinal)))
            foreach (var file in Directory.EnumerateFiles(dir).Where(f => !f.EndsWith("README.txt")).Order())
            {
                files++;
                var bytes = File.ReadAllBytes(file);
                if (oneBufferSeeds.Any(s => OneBufferCheck.DamagedBuffer(s, bytes) is not null)) oneBuffer++;
                using var stream = new MemoryStream(bytes);
                try { target.Run(stream); }
                catch (Exception e)
                {
                    string kind = e is OneBufferViolationException v ? $"one-buffer: {v.Signature}" : $"{e.GetType().Name}: {FirstLines(e.ToString())}";
                    var (count, firstFile) = kinds.GetValueOrDefault(kind, (0, file));
                    kinds[kind] = (count + 1, firstFile);
                }
            }
            Console.WriteLine($"{files} files ({oneBuffer} of them a seed with one buffer header changed), {map.Collect()} edges, {kinds.Count} kinds of failure");
            foreach (var (kind, (count, firstFile)) in kinds) Console.WriteLine($"  {kind}: {count} (first {Path.GetFileName(firstFile)})");
            return 0;
        }
        default:
            Console.Error.WriteLine($"unknown mode {mode}");
            return 2;
    }
}
finally
{
    try { Directory.Delete(work, recursive: true); } catch (IOException) { }
}

// An exception's type and the frame it was thrown from: what tells one bug from another.
static string FirstLines(string detail)
{
    var lines = detail.Split('\n', StringSplitOptions.TrimEntries);
    string type = lines[0].Split(':')[0];
    string? frame = lines.FirstOrDefault(l => l.StartsWith("at ", StringComparison.Ordinal));
    return frame is null ? type : $"{type} {frame}";
}
