using Sockscope.Cli.Commands;
using Sockscope.Synthesis;
using Sockscope.Tests.Support;

namespace Sockscope.Tests.Cli;

/// <summary>
/// Every command that writes fails with one line and exit 2 when its output cannot be written, whether the standard
/// output or a file; a closed pipe on the standard output ends it quietly.
/// </summary>
public sealed class WriteFailureTests : IDisposable
{
    private readonly TempDir _dir = new();
    private readonly string _trace;

    public WriteFailureTests()
    {
        _trace = _dir.File("mixed.etl");
        ScenarioSynthesizer.Write(_trace, new ScenarioOptions { Scenario = "mixed" });
    }

    public void Dispose() => _dir.Dispose();

    /// <summary>Every command line that writes to the standard output (TRACE stands for the trace).</summary>
    public static TheoryData<string> ToStandardOutput => new()
    {
        "dump TRACE", "dump TRACE --all --format csv", "dump TRACE --format table", "dump TRACE --threads 2",
        "sockets TRACE", "sockets TRACE --format table", "summary TRACE", "summary TRACE --json", "info TRACE",
        "info TRACE --json", "report TRACE", "catalog", "catalog afd --format json", "dump --help",
    };

    /// <summary>Every command line that writes a file (OUT stands for it).</summary>
    public static TheoryData<string> ToFile => new()
    {
        "dump TRACE -o OUT", "dump TRACE --threads 2 -o OUT", "sockets TRACE -o OUT", "report TRACE -o OUT",
        "catalog -o OUT", "synth --scenario mixed -o OUT",
    };

    private string[] Args(string line, string output = "") =>
        line.Split(' ').Select(a => a == "TRACE" ? _trace : a == "OUT" ? output : a).ToArray();

    private static (int Code, string[] Errors) Run(string[] args, Stream output)
    {
        var error = new StringWriter();
        int code = Sockscope.Cli.Commands.Cli.Run(args, new CliConsole(output, error));
        return (code, error.ToString().Split('\n', StringSplitOptions.RemoveEmptyEntries));
    }

    [Theory]
    [MemberData(nameof(ToStandardOutput))]
    public void A_full_standard_output_is_one_line_and_exit_2(string line)
    {
        var (code, errors) = Run(Args(line), new FailingStream(() => new IOException("No space left on device", 28)));
        Assert.Equal(2, code);
        Assert.Equal("sockscope: error: standard output: No space left on device", Assert.Single(errors));
    }

    [Theory]
    [InlineData("info TRACE")]
    [InlineData("sockets TRACE")]
    public void A_closed_standard_output_is_one_line_and_exit_2(string line)
    {
        // What .NET throws for a write to a closed descriptor (`>&-`): EBADF.
        var (code, errors) = Run(Args(line), new FailingStream(() => new UnauthorizedAccessException("Access to the path is denied.")));
        Assert.Equal(2, code);
        Assert.Equal("sockscope: error: standard output: not open for writing", Assert.Single(errors));
    }

    [LinuxTheory]
    [MemberData(nameof(ToStandardOutput))]
    public void The_standard_output_on_dev_full_is_one_line_and_exit_2(string line)
    {
        using var full = new FileStream("/dev/full", FileMode.Open, FileAccess.Write, FileShare.ReadWrite, bufferSize: 0);
        var (code, errors) = Run(Args(line), full);
        Assert.Equal(2, code);
        Assert.Equal("sockscope: error: standard output: No space left on device", Assert.Single(errors));
    }

    [LinuxTheory]
    [MemberData(nameof(ToFile))]
    public void An_output_file_on_dev_full_is_one_line_and_exit_2_and_the_device_stays(string line)
    {
        var (code, errors) = Run(Args(line, "/dev/full"), new MemoryStream());
        Assert.Equal(2, code);
        Assert.Equal("sockscope: error: /dev/full: No space left on device", Assert.Single(errors));
        // Still the device (not a file renamed over it): writing to it still fails.
        using var device = new FileStream("/dev/full", FileMode.Open, FileAccess.Write, FileShare.ReadWrite, bufferSize: 0);
        Assert.Throws<IOException>(() => device.Write(new byte[1]));
    }

    [Theory]
    [MemberData(nameof(ToStandardOutput))]
    public void A_closed_pipe_ends_the_command_quietly(string line)
    {
        var (code, errors) = Run(Args(line), new FailingStream(() => new IOException("Broken pipe", OperatingSystem.IsWindows() ? unchecked((int)0x8007006D) : 32)));
        Assert.Equal(0, code);
        Assert.Empty(errors);
    }

    [Theory]
    [InlineData(false)]
    [InlineData(true)]
    public void A_pipe_whose_reader_went_away_ends_the_command_quietly(bool asDescriptor)
    {
        using var pipe = new System.IO.Pipes.AnonymousPipeServerStream(System.IO.Pipes.PipeDirection.Out);
        pipe.DisposeLocalCopyOfClientHandle();
        pipe.ClientSafePipeHandle.Dispose();
        // As a PipeStream, or as the program holds its standard output: a FileStream over the descriptor.
        using var output = asDescriptor && !OperatingSystem.IsWindows()
            ? new FileStream(new Microsoft.Win32.SafeHandles.SafeFileHandle(pipe.SafePipeHandle.DangerousGetHandle(), ownsHandle: false), FileAccess.Write, 0)
            : (Stream)pipe;
        var (code, errors) = Run(["dump", _trace, "--all"], output);
        Assert.Equal("", string.Join("|", errors));
        Assert.Equal(0, code);
    }

    [Theory]
    [InlineData("info")]
    [InlineData("dump")]
    [InlineData("sockets")]
    [InlineData("summary")]
    public void A_path_that_is_no_path_is_still_the_files_fault(string command)
    {
        var (code, errors) = Run([command, ""], new MemoryStream());
        Assert.Equal(2, code);
        Assert.Equal("sockscope: error: : not a usable path", Assert.Single(errors));
    }

    [Theory]
    [InlineData("sockets TRACE")]
    [InlineData("dump TRACE")]
    [InlineData("dump TRACE --threads 2")]
    [InlineData("summary TRACE --json")]
    [InlineData("summary TRACE")]
    [InlineData("info TRACE --json")]
    [InlineData("report TRACE")]
    [InlineData("catalog")]
    public void A_bug_is_an_internal_error_with_exit_3_and_no_blame_on_the_file(string line)
    {
        // A slicing bug: what System.Memory throws when a span is cut past its end.
        var (code, errors) = Run(Args(line), new FailingStream(() => new ArgumentOutOfRangeException("start")));
        Assert.Equal(3, code);
        Assert.Equal(2, errors.Length);
        Assert.StartsWith("sockscope: internal error: ArgumentOutOfRangeException: ", errors[0]);
        Assert.Contains("a bug in sockscope", errors[1]);
        Assert.Contains("--verbose", errors[1]);
        Assert.DoesNotContain(errors, e => e.Contains(_trace) || e.Contains("usable"));

        var (verboseCode, verbose) = Run([.. Args(line), "--verbose"], new FailingStream(() => new ArgumentOutOfRangeException("start")));
        Assert.Equal(3, verboseCode);
        Assert.Contains(verbose, e => e.TrimStart().StartsWith("at Sockscope.", StringComparison.Ordinal));
    }

    /// <summary>A stream that fails every write with the exception made by <paramref name="failure"/>.</summary>
    private sealed class FailingStream(Func<Exception> failure) : Stream
    {
        public override bool CanRead => false;
        public override bool CanSeek => false;
        public override bool CanWrite => true;
        public override long Length => throw new NotSupportedException();
        public override long Position { get => throw new NotSupportedException(); set => throw new NotSupportedException(); }
        public override void Flush() { }
        public override int Read(byte[] buffer, int offset, int count) => throw new NotSupportedException();
        public override long Seek(long offset, SeekOrigin origin) => throw new NotSupportedException();
        public override void SetLength(long value) => throw new NotSupportedException();
        public override void Write(byte[] buffer, int offset, int count) => throw failure();
        public override void Write(ReadOnlySpan<byte> buffer) => throw failure();
    }
}

/// <summary>A theory that runs on Linux only (it uses /dev/full).</summary>
public sealed class LinuxTheoryAttribute : TheoryAttribute
{
    public LinuxTheoryAttribute()
    {
        if (!OperatingSystem.IsLinux()) Skip = "needs Linux (/dev/full)";
    }
}
