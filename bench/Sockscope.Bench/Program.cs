using System.Diagnostics;
using Sockscope.Bench;

// Benchmarks over whole files: generate a trace with the project's writer, then time reading it.
// Usage:
//   dotnet run -c Release --project bench/Sockscope.Bench -- generate OUT.etl --mb 1024 [--events N] [--compress] [--cpus 4]
//   dotnet run -c Release --project bench/Sockscope.Bench -- read FILE [--order time|file] [--runs 5] [--prefetch on|off|both] [--source file|stream|both] [--merge-mb N] [--once]
//   cat FILE | dotnet run -c Release --project bench/Sockscope.Bench -- read - [--order time|file] [--merge-mb 64]
//   dotnet run -c Release --project bench/Sockscope.Bench -- stream-window FILE...
//   dotnet run -c Release --project bench/Sockscope.Bench -- generate-winsock OUT.etl --events N [--cpus 2] [--compress]
//   dotnet run -c Release --project bench/Sockscope.Bench -- decode FILE [--runs 5]
//   dotnet run -c Release --project bench/Sockscope.Bench -- sockets FILE [--runs 5] [--prefetch on|off]
//   dotnet run -c Release --project bench/Sockscope.Bench -- json FILE.jsonl [--runs 5] [--paths lines|documents|both]
//   dotnet run -c Release --project bench/Sockscope.Bench -- bdn --filter '*JsonLines*'   (BenchmarkDotNet)
return args.FirstOrDefault() switch
{
    "generate" => TraceGenerator.Run(args[1..]),
    "read" => ReadBenchmark.Run(args[1..]),
    "generate-winsock" => WinsockTraceGenerator.Run(args[1..]),
    "decode" => DecodeBenchmark.Run(args[1..]),
    "sockets" => SocketsBenchmark.Run(args[1..]),
    "stream-window" => StreamWindowBenchmark.Run(args[1..]),
    "json" => JsonLinesBenchmark.Run(args[1..]),
    "bdn" => BenchmarkDotNet.Running.BenchmarkSwitcher.FromAssembly(typeof(JsonLinesReaderBenchmark).Assembly).Run(args[1..]).Any() ? 0 : 1,
    _ => Usage(),
};

static int Usage()
{
    Console.Error.WriteLine("usage: generate OUT.etl --mb N [--events N] [--compress] [--cpus N] | read FILE [--order time|file] [--runs N] [--prefetch on|off|both] [--source file|stream|both] [--merge-mb N] [--once]\n" +
        "       read - [--order time|file] [--merge-mb N] (standard input, as a pipe) | stream-window FILE...\n" +
        "       generate-winsock OUT.etl --events N [--cpus N] [--compress] | decode FILE [--runs N]\n" +
        "       sockets FILE [--runs N] [--prefetch on|off] | json FILE.jsonl [--runs N] [--paths lines|documents|both]\n" +
        "       bdn [BenchmarkDotNet arguments, e.g. --filter *JsonLines*]");
    return 2;
}
