using Sockscope.Cli.Commands;
using Sockscope.Synthesis;
using Sockscope.Tests.Support;

namespace Sockscope.Tests.Cli;

/// <summary>
/// Files written with <c>-o</c> appear under their name only whole: written under a temporary name in the same folder,
/// renamed once complete, removed when writing fails (here: a disk that fills after some bytes).
/// </summary>
public sealed class OutputFileTests : IDisposable
{
    private readonly TempDir _inputs = new();
    private readonly TempDir _dir = new();
    private readonly string _trace;

    public OutputFileTests()
    {
        _trace = _inputs.File("mixed.etl");
        ScenarioSynthesizer.Write(_trace, new ScenarioOptions { Scenario = "mixed" });
    }

    public void Dispose()
    {
        _dir.Dispose();
        _inputs.Dispose();
    }

    public static TheoryData<string> ToFile => new()
    {
        "dump TRACE -o OUT", "dump TRACE --threads 2 --all -o OUT", "dump TRACE --format table -o OUT", "sockets TRACE -o OUT",
        "report TRACE -o OUT", "catalog -o OUT", "synth --scenario mixed -o OUT",
    };

    private string[] Args(string line, string output) => line.Split(' ').Select(a => a == "TRACE" ? _trace : a == "OUT" ? output : a).ToArray();

    private static (int Code, string[] Errors) Run(string[] args, Func<string, Stream>? create = null)
    {
        var error = new StringWriter();
        int code = Sockscope.Cli.Commands.Cli.Run(args, new CliConsole(new MemoryStream(), error) { CreateFile = create });
        return (code, error.ToString().Split('\n', StringSplitOptions.RemoveEmptyEntries));
    }

    /// <summary>A new file whose disk is full after <paramref name="room"/> bytes.</summary>
    private static Func<string, Stream> FullAfter(long room) => path => new FillingStream(new FileStream(path, FileMode.CreateNew, FileAccess.ReadWrite), room);

    [Theory]
    [MemberData(nameof(ToFile))]
    public void A_complete_output_is_under_its_name_and_nothing_else_is_left(string line)
    {
        string output = _dir.File("out");
        var (code, _) = Run(Args(line, output));
        Assert.True(code is 0 or 1, $"exit {code}");
        Assert.Equal(["out"], Directory.GetFiles(_dir.Path).Select(Path.GetFileName));
        // Whole: what the command writes to standard output without -o (synth, which needs a file: the input trace,
        // written by the synthesiser with the same options).
        byte[] expected = line.StartsWith("synth")
            ? File.ReadAllBytes(_trace)
            : CliRunner.Run(Args(line.Replace(" -o OUT", ""), output)).OutputBytes;
        Assert.NotEmpty(expected);
        Assert.Equal(expected, File.ReadAllBytes(output));
    }

    [Theory]
    [MemberData(nameof(ToFile))]
    public void A_disk_that_fills_leaves_no_file_under_the_output_name(string line)
    {
        string output = _dir.File("out");
        var (code, errors) = Run(Args(line, output), FullAfter(300));
        Assert.Equal(2, code);
        Assert.Equal($"sockscope: error: {output}: No space left on device", Assert.Single(errors));
        Assert.Empty(Directory.GetFileSystemEntries(_dir.Path));
    }

    [Theory]
    [MemberData(nameof(ToFile))]
    public void A_failed_write_leaves_the_file_that_was_there_as_it_was(string line)
    {
        string output = _dir.File("out");
        File.WriteAllText(output, "what was there before\n");
        var (code, _) = Run(Args(line, output), FullAfter(300));
        Assert.Equal(2, code);
        Assert.Equal("what was there before\n", File.ReadAllText(output));
        Assert.Equal(["out"], Directory.GetFiles(_dir.Path).Select(Path.GetFileName));
    }

    [Fact]
    public void An_input_that_cannot_be_read_creates_no_output()
    {
        string output = _dir.File("out.jsonl");
        var (code, errors) = Run(["dump", _inputs.File("missing.etl"), "-o", output]);
        Assert.Equal(2, code);
        Assert.Contains("no such file", Assert.Single(errors));
        Assert.Empty(Directory.GetFileSystemEntries(_dir.Path));
    }

    [Fact]
    public void An_output_in_a_missing_folder_or_on_a_directory_is_one_line_naming_it()
    {
        string missing = Path.Combine(_dir.Path, "no", "such", "out.html");
        var (code, errors) = Run(["report", _trace, "-o", missing]);
        Assert.Equal(2, code);
        Assert.Equal($"sockscope: error: {missing}: no such folder", Assert.Single(errors));

        var (onDirectory, directoryErrors) = Run(["sockets", _trace, "-o", _dir.Path]);
        Assert.Equal(2, onDirectory);
        Assert.Equal($"sockscope: error: {_dir.Path}: is a directory", Assert.Single(directoryErrors));
    }

    [Fact]
    public void A_file_replaced_keeps_its_permissions()
    {
        if (OperatingSystem.IsWindows()) return;
        string output = _dir.File("sockets.jsonl");
        File.WriteAllText(output, "old\n");
        File.SetUnixFileMode(output, UnixFileMode.UserRead | UnixFileMode.UserWrite);
        var (code, _) = Run(["sockets", _trace, "-o", output]);
        Assert.Equal(0, code);
        Assert.NotEqual("old\n", File.ReadAllText(output));
        Assert.Equal(UnixFileMode.UserRead | UnixFileMode.UserWrite, File.GetUnixFileMode(output));
    }

    [Fact]
    public void Through_a_link_the_file_it_names_is_replaced_and_the_link_stays()
    {
        if (OperatingSystem.IsWindows()) return;
        string target = _dir.File("target.jsonl"), link = _dir.File("link.jsonl");
        File.WriteAllText(target, "old\n");
        File.CreateSymbolicLink(link, target);
        var (code, _) = Run(["sockets", _trace, "-o", link]);
        Assert.Equal(0, code);
        Assert.Equal(target, new FileInfo(link).LinkTarget);
        Assert.StartsWith("{", File.ReadAllText(target));
    }

    /// <summary>A file whose disk fills: writes past <paramref name="room"/> bytes write what fits, then fail with ENOSPC.</summary>
    private sealed class FillingStream(FileStream file, long room) : Stream
    {
        public override bool CanRead => false;
        public override bool CanSeek => true;
        public override bool CanWrite => true;
        public override long Length => file.Length;
        public override long Position { get => file.Position; set => file.Position = value; }
        public override void Flush() => file.Flush();
        public override int Read(byte[] buffer, int offset, int count) => throw new NotSupportedException();
        public override long Seek(long offset, SeekOrigin origin) => file.Seek(offset, origin);
        public override void SetLength(long value) => file.SetLength(value);
        public override void Write(byte[] buffer, int offset, int count) => Write(buffer.AsSpan(offset, count));

        public override void Write(ReadOnlySpan<byte> buffer)
        {
            long end = Math.Max(file.Position + buffer.Length, file.Length);
            if (end <= room)
            {
                file.Write(buffer);
                return;
            }
            int fits = (int)Math.Clamp(room - file.Position, 0, buffer.Length);
            file.Write(buffer[..fits]);
            file.Flush();
            throw new IOException("No space left on device", 28);
        }

        protected override void Dispose(bool disposing)
        {
            if (disposing) file.Dispose();
            base.Dispose(disposing);
        }
    }
}
