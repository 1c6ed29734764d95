using System.Text;
using Sockscope.Cli.Commands;
using Sockscope.Tests.Support;

namespace Sockscope.Tests.Cli;

/// <summary>Runs the command line in-process with memory for the standard output and error.</summary>
internal static class CliRunner
{
    public sealed record Result(int ExitCode, byte[] OutputBytes, string Error)
    {
        public string Output => Encoding.UTF8.GetString(OutputBytes);

        /// <summary>Output lines without the empty one after the last line feed.</summary>
        public string[] OutputLines => Output.Split('\n') is var lines && lines.Length > 0 && lines[^1] == "" ? lines[..^1] : Output.Split('\n');

        public string[] ErrorLines => Error.Split('\n', StringSplitOptions.RemoveEmptyEntries).Select(l => l.TrimEnd('\r')).ToArray();
    }

    public static Result Run(params string[] args) => RunWithInput(Stream.Null, args);

    /// <summary>Runs with <paramref name="input"/> as the standard input (read for the input "-"), read as a pipe is: once, forward only.</summary>
    public static Result RunWithInput(byte[] input, params string[] args) => RunWithInput(ForwardOnlyStream.Chunked(input), args);

    public static Result RunWithInput(Stream input, params string[] args)
    {
        using var output = new MemoryStream();
        using var error = new StringWriter();
        int code = Sockscope.Cli.Commands.Cli.Run(args, new CliConsole(output, error, input: input));
        return new Result(code, output.ToArray(), error.ToString());
    }
}
