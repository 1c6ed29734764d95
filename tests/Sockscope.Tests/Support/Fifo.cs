using System.Runtime.InteropServices;

namespace Sockscope.Tests.Support;

/// <summary>
/// A named pipe (made as <c>mkfifo</c> does) that a thread of its own writes, as a producer writes to one a user made:
/// it can be opened and read once. Not on Windows.
/// </summary>
public sealed class Fifo : IDisposable
{
    private const int ReadOnly = 0, WriteOnly = 1, NonBlocking = 0x800;
    private readonly Thread _writer;
    private volatile bool _wroteAll;

    [DllImport("libc", EntryPoint = "mkfifo", SetLastError = true)]
    private static extern int MakeFifo(string path, uint mode);

    [DllImport("libc", EntryPoint = "open", SetLastError = true)]
    private static extern int OpenFile(string path, int flags);

    [DllImport("libc", EntryPoint = "close")]
    private static extern int CloseFile(int fd);

    /// <summary>Makes the pipe at <paramref name="path"/> and starts writing <paramref name="content"/> to it.</summary>
    public Fifo(string path, byte[] content)
    {
        Path = path;
        if (MakeFifo(path, Convert.ToUInt32("600", 8)) != 0) throw new IOException($"mkfifo {path}: error {Marshal.GetLastPInvokeError()}");
        _writer = new Thread(() =>
        {
            try
            {
                // Opening waits for a reader; writing waits for it to read.
                using var pipe = new FileStream(path, FileMode.Open, FileAccess.Write, FileShare.ReadWrite, bufferSize: 0);
                pipe.Write(content);
                pipe.Flush();
                _wroteAll = true;
            }
            catch (IOException)
            {
                // The reader went away before the end: what it did with that is the test's to judge.
            }
        }) { IsBackground = true, Name = "fifo writer" };
        _writer.Start();
    }

    /// <summary>The pipe's path.</summary>
    public string Path { get; }

    /// <summary>
    /// Waits up to <paramref name="patience"/> for the writer's thread to end, and says whether it wrote every byte
    /// (false when the reader closed the pipe before the end). The reader finishing does not mean the writer's thread
    /// has ended yet: on a busy machine it may still be returning from its last write, so this waits instead of peeking.
    /// </summary>
    public bool WroteAll(TimeSpan patience) => _writer.Join(patience) && _wroteAll;

    /// <summary>
    /// Runs <paramref name="read"/>, which reads the pipe. A reader that opens it a second time waits for a writer
    /// forever: after <paramref name="patience"/>, each such wait is ended (an empty write end opened and closed)
    /// and the test fails, instead of the suite hanging.
    /// </summary>
    public T ReadWith<T>(Func<T> read, TimeSpan patience)
    {
        var task = Task.Run(read);
        if (task.Wait(patience)) return task.Result;
        for (int i = 0; i < 20 && !task.IsCompleted; i++)
        {
            int fd = OpenFile(Path, WriteOnly | NonBlocking);
            if (fd >= 0) CloseFile(fd);
            task.Wait(TimeSpan.FromSeconds(1));
        }
        Assert.Fail($"reading {Path} did not finish in {patience.TotalSeconds:0} s: it waited for a writer that was gone");
        return default!;
    }

    /// <summary>Ends a writer still waiting for a reader (one that never came), then waits for it.</summary>
    public void Dispose()
    {
        if (_writer.IsAlive)
        {
            int fd = OpenFile(Path, ReadOnly | NonBlocking);
            if (fd >= 0) CloseFile(fd);
        }
        _writer.Join();
        File.Delete(Path);
    }
}
