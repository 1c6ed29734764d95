using System.CommandLine;
using System.Diagnostics;
using System.Globalization;
using Sockscope.Cli.Output;
using Sockscope.Synthesis;

namespace Sockscope.Cli.Commands;

/// <summary><c>sockscope synth --scenario NAME -o FILE</c>: writes a realistic Winsock trace whose ground truth is known.</summary>
internal static class SynthCommand
{
    /// <summary>The command, its options and its action (it reads no file, so it has no errors of its own to detail).</summary>
    public static Command Create(CliConsole console)
    {
        var scenario = new Option<string>("--scenario", "-s") { Description = "The scenario", Required = true, HelpName = string.Join("|", ScenarioSynthesizer.Names) };
        scenario.AcceptOnlyFromAmong([.. ScenarioSynthesizer.Names]);
        var output = new Option<string>("--output", "-o") { Description = "The .etl file to write", Required = true, HelpName = "FILE" };
        var events = NumberOption.WithDefault("--events", "Events to write (busy-host)", 1_000_000L, 1, long.MaxValue);
        var pointer = new Option<int>("--pointer-size") { Description = "Pointer size of the recording machine", DefaultValueFactory = _ => 8, HelpName = "4|8" };
        pointer.AcceptOnlyFromAmong("4", "8");
        var compress = new Option<bool>("--compress") { Description = "Write XPRESS-compressed buffers" };
        var build = NumberOption.WithDefault("--build", "Windows build (7600/7601: Windows 7 legacy events)", 26100, 0, int.MaxValue);
        var seed = NumberOption.WithDefault("--seed", "Random seed", 1, int.MinValue, int.MaxValue);
        var command = new Command("synth", "Write a realistic Winsock trace of a scenario, with the project's ETL writer");
        foreach (var o in new Option[] { scenario, output, events, pointer, compress, build, seed }) command.Options.Add(o);
        command.SetAction(parse =>
        {
            var options = new ScenarioOptions
            {
                Scenario = parse.GetValue(scenario)!, Events = parse.GetValue(events), PointerSize = parse.GetValue(pointer),
                Compress = parse.GetValue(compress), Build = parse.GetValue(build), Seed = parse.GetValue(seed),
            };
            string path = parse.GetValue(output)!;
            if (ScenarioSynthesizer.Problem(options) is { } problem)
            {
                console.Error.WriteLine($"sockscope: error: {problem}");
                return ExitCodes.Error;
            }
            var clock = Stopwatch.StartNew();
            ScenarioTruth truth;
            long size;
            using (var file = CommandOutput.Open(console, path, inputPath: null, bufferSize: 1 << 20))
            {
                if (!file.Stream.CanSeek)
                {
                    // The writer patches the logfile header once every buffer is written.
                    console.Error.WriteLine($"sockscope: error: {path}: cannot seek (a pipe?); a trace is written to a file");
                    return ExitCodes.Error;
                }
                truth = ScenarioSynthesizer.Write(file.Stream, options);
                size = file.Stream.Length;
                file.Commit();
            }
            console.Error.WriteLine(string.Create(CultureInfo.InvariantCulture,
                $"sockscope: wrote {path}: {truth.Events:N0} events, {truth.SocketCount:N0} sockets, {size:N0} bytes in {clock.Elapsed.TotalSeconds:F1} s"));
            return ExitCodes.Ok;
        });
        return command;
    }
}
