namespace Sockscope.Tests.Cli;

/// <summary>
/// Every number a command line takes: a value that is no number, or one out of range, is exit code 2 and one sentence
/// naming the option, never a stack trace or a .NET type name.
/// </summary>
public sealed class OptionValueTests
{
    // Every numeric option of every command, with the rest of a command line that is otherwise right. The file need
    // not exist: the command line is checked before anything is opened.
    public static TheoryData<string, string> NumericOptions() => new()
    {
        { "dump trace.etl", "--event-id" },
        { "dump trace.etl", "--pid" },
        { "dump trace.etl", "--limit" },
        { "dump trace.etl", "--threads" },
        { "sockets trace.etl", "--pid" },
        { "report trace.etl", "--max-sockets" },
        { "report trace.etl", "--events-per-socket" },
        { "report trace.etl", "--max-events" },
        { "catalog", "--event" },
        { "synth -s mixed -o out.etl", "--events" },
        { "synth -s mixed -o out.etl", "--build" },
        { "synth -s mixed -o out.etl", "--seed" },
    };

    [Theory]
    [MemberData(nameof(NumericOptions))]
    public void A_value_that_is_no_number_is_one_sentence_and_exit_2(string commandLine, string option)
    {
        var result = CliRunner.Run([.. commandLine.Split(' '), option, "abc"]);
        Assert.Equal(2, result.ExitCode);
        Assert.Empty(result.OutputBytes);
        Assert.Equal($"sockscope: error: {option}: 'abc' is not a number", result.ErrorLines[0]);
        Assert.DoesNotContain("System.", result.Error);
        Assert.DoesNotContain(" at ", result.Error);
    }

    [Theory]
    [InlineData("dump trace.etl", "--threads", "0", "use 1 to 256")]
    [InlineData("dump trace.etl", "--threads", "-1", "use 1 to 256")]
    [InlineData("dump trace.etl", "--limit", "-5", "use 0 or more")]
    [InlineData("dump trace.etl", "--event-id", "65536", "use 0 to 65535")]
    [InlineData("dump trace.etl", "--pid", "-1", "use 0 to 4294967295")]
    [InlineData("sockets trace.etl", "--pid", "4294967296", "use 0 to 4294967295")]
    [InlineData("report trace.etl", "--max-sockets", "0", "use 1 or more")]
    [InlineData("report trace.etl", "--events-per-socket", "-3", "use 1 or more")]
    [InlineData("report trace.etl", "--max-events", "-1", "use 0 or more")]
    [InlineData("report trace.etl", "--max-events", "99999999999", "use 0 or more")]
    [InlineData("catalog", "--event", "99999999999", "use 0 to 65535")]
    [InlineData("synth -s mixed -o out.etl", "--events", "-5", "use 1 or more")]
    public void A_number_out_of_range_is_one_sentence_and_exit_2(string commandLine, string option, string value, string range)
    {
        var result = CliRunner.Run([.. commandLine.Split(' '), option, value]);
        Assert.Equal(2, result.ExitCode);
        Assert.Empty(result.OutputBytes);
        Assert.Equal($"sockscope: error: {option}: {value} is out of range; {range}", result.ErrorLines[0]);
        Assert.DoesNotContain("System.", result.Error);
    }

    [Theory]
    [InlineData("summary trace.etl --time mars", "sockscope: error: --time: Argument 'mars' not recognized. Must be one of: 'utc', 'local'")]
    [InlineData("sockets trace.etl --format xml", "sockscope: error: --format: Argument 'xml' not recognized. Must be one of: 'jsonl', 'csv', 'table'")]
    [InlineData("frob", "sockscope: error: Unrecognized command or argument 'frob'.")]
    public void A_value_the_parser_refuses_is_one_line_in_the_form_of_every_error(string commandLine, string expected)
    {
        var result = CliRunner.Run(commandLine.Split(' '));
        Assert.Equal(2, result.ExitCode);
        Assert.Empty(result.OutputBytes);
        Assert.Equal(expected, result.ErrorLines[0]);
        Assert.StartsWith("Run 'sockscope", result.ErrorLines[1]);
        Assert.Equal(2, result.ErrorLines.Length);
    }
}
