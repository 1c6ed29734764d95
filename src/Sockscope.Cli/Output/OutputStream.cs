namespace Sockscope.Cli.Output;

/// <summary>
/// The stream a command writes its output through (the standard output, or an output file): a write or flush that
/// fails throws <see cref="OutputFailedException"/> naming the output, so however deep in a writer it happens, it is
/// told apart from a problem of the input and ends the command with one line. After a failure every further write
/// and flush does nothing: the writers being disposed while the failure travels up would only fail again.
/// </summary>
internal sealed class OutputStream(Stream inner, string target, bool standardOutput = false) : Stream
{
    /// <summary>How error lines name the standard output.</summary>
    public const string StandardOutputName = "standard output";

    private OutputFailedException? _failure;

    /// <summary>What is written: a path, or <see cref="StandardOutputName"/>.</summary>
    public string Target => target;

    /// <summary>The stream written to.</summary>
    public Stream Inner => inner;

    /// <summary>True once a write or flush has failed.</summary>
    public bool Failed => _failure is not null;

    public override bool CanRead => false;
    public override bool CanSeek => inner.CanSeek;
    public override bool CanWrite => true;
    public override long Length => inner.Length;

    public override long Position
    {
        get => inner.Position;
        set => Guard(() => inner.Position = value);
    }

    public override void Write(byte[] buffer, int offset, int count) => Write(buffer.AsSpan(offset, count));

    public override void Write(ReadOnlySpan<byte> buffer)
    {
        if (_failure is not null) return;
        try
        {
            inner.Write(buffer);
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            throw Fail(e);
        }
    }

    public override void WriteByte(byte value) => Write([value]);

    public override void Flush()
    {
        if (_failure is not null) return;
        Guard(inner.Flush);
    }

    public override long Seek(long offset, SeekOrigin origin)
    {
        long position = 0;
        Guard(() => position = inner.Seek(offset, origin));
        return position;
    }

    public override void SetLength(long value) => Guard(() => inner.SetLength(value));

    public override int Read(byte[] buffer, int offset, int count) => throw new NotSupportedException();

    private void Guard(Action action)
    {
        try
        {
            action();
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            throw Fail(e);
        }
    }

    // A write fails with an IOException (a full disk, a closed pipe) or, on a descriptor that is closed or not open
    // for writing, an UnauthorizedAccessException.
    private OutputFailedException Fail(Exception e) =>
        _failure = new OutputFailedException(target, e, readerGone: standardOutput && e is IOException io && IsClosedPipe(io));

    /// <summary>
    /// True for the error of writing to a pipe nobody reads any more: EPIPE (32 on Linux and macOS; a
    /// <see cref="System.IO.Pipes.PipeStream"/> reports it as a socket shut down), or on Windows ERROR_BROKEN_PIPE and
    /// ERROR_NO_DATA.
    /// </summary>
    public static bool IsClosedPipe(IOException e) => OperatingSystem.IsWindows()
        ? e.HResult is unchecked((int)0x8007006D) or unchecked((int)0x800700E8)
        : e.HResult == 32 || e.InnerException is System.Net.Sockets.SocketException { SocketErrorCode: System.Net.Sockets.SocketError.Shutdown };

    protected override void Dispose(bool disposing)
    {
        if (!disposing) return;
        try
        {
            inner.Dispose();
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException && _failure is not null)
        {
            // What it still held could not be written either: the failure is already on its way.
        }
        base.Dispose(disposing);
    }
}
