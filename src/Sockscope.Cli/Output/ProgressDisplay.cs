using Spectre.Console;
using Sockscope.Cli.Commands;

namespace Sockscope.Cli.Output;

/// <summary>
/// A progress bar on the standard error (bytes read of the file) for reads that take a while. It appears only when a
/// person watches the error but not the output (the output goes to a pipe or a file), and only once a read has run
/// for <see cref="Delay"/>, so short reads print nothing. An input of unknown length (a pipe) shows the bytes read and
/// the speed, with no percentage. The reading thread only stores a number every few thousand records; a separate
/// thread draws: the bar with its label at once when it starts, then every 100 ms, so a bar that starts is always drawn
/// whole, however soon the read ends after.
/// </summary>
internal sealed class ProgressDisplay : IDisposable
{
    /// <summary>How long a read runs before the bar appears.</summary>
    public static readonly TimeSpan Delay = TimeSpan.FromMilliseconds(500);

    /// <summary>Records between two calls of <see cref="Report"/>: cheap enough to vanish next to reading them.</summary>
    public const int Every = 4096;

    private readonly CliConsole? _console;
    private readonly string _label;
    private readonly long? _total;
    private readonly TimeProvider _time;
    private readonly long _started;
    private readonly ManualResetEventSlim _done = new();
    private readonly TimeSpan _delay;
    private long _bytes;
    private Thread? _thread;
    private bool _disposed;

    private ProgressDisplay(CliConsole? console, string label, long? total, TimeSpan delay, TimeProvider time)
    {
        _console = console;
        _label = label;
        _total = total is { } t ? Math.Max(t, 1) : null;
        _delay = delay;
        _time = time;
        _started = time.GetTimestamp();
    }

    /// <summary>A display for reading <paramref name="total"/> bytes; it stays silent unless the console asks for one.</summary>
    /// <param name="console">The console.</param>
    /// <param name="label">What is read (the file name).</param>
    /// <param name="total">The file's length; null when it is not known (a pipe).</param>
    /// <param name="toFile">True when the output goes to a file (-o), so the standard output is free.</param>
    /// <param name="delay">How long a read runs before the bar appears (<see cref="Delay"/> when null).</param>
    /// <param name="time">The clock that delay is measured on (the system's when null; tests drive their own).</param>
    public static ProgressDisplay Create(CliConsole console, string label, long? total, bool toFile, TimeSpan? delay = null, TimeProvider? time = null)
    {
        bool wanted = console.ErrorIsTerminal && (!console.OutputIsTerminal || toFile);
        return new ProgressDisplay(wanted ? console : null, label, total, delay ?? Delay, time ?? TimeProvider.System);
    }

    /// <summary>True once the bar has been started.</summary>
    public bool Started => _thread is not null;

    /// <summary>Sets the bytes read so far; call it every <see cref="Every"/> records.</summary>
    public void Report(long bytesRead)
    {
        Volatile.Write(ref _bytes, bytesRead);
        if (_thread is null && _console is not null && _time.GetElapsedTime(_started) >= _delay) Start();
    }

    private void Start()
    {
        var console = AnsiConsole.Create(new AnsiConsoleSettings
        {
            Out = new AnsiConsoleOutput(_console!.Error),
            Ansi = AnsiSupport.Yes,
            ColorSystem = ColorSystemSupport.Detect,
            Interactive = InteractionSupport.Yes,
        });
        _thread = new Thread(() => Draw(console)) { IsBackground = true, Name = "sockscope progress" };
        _thread.Start();
        // The bar hides the cursor until it is done; Ctrl+C would end the process with the cursor still hidden.
        Console.CancelKeyPress += ShowCursor;
    }

    private void ShowCursor(object? sender, ConsoleCancelEventArgs e)
    {
        _console!.Error.Write("\u001b[?25h");
        _console.Error.Flush();
    }

    private void Draw(IAnsiConsole console)
    {
        // Drawn here, not on Spectre's own timer, and a finished read not hidden (the whole bar is cleared at the end
        // anyway): a read that ended before the timer's first frame, or before this thread ran, drew a bar without
        // its label.
        ProgressColumn[] columns = _total is null
            ? [new TaskDescriptionColumn(), new ProgressBarColumn(), new BytesReadColumn(), new TransferSpeedColumn(), new ElapsedTimeColumn()]
            : [new TaskDescriptionColumn(), new ProgressBarColumn(), new PercentageColumn(), new TransferSpeedColumn(), new RemainingTimeColumn()];
        console.Progress()
            .AutoRefresh(false)
            .AutoClear(true)
            .HideCompleted(false)
            .Columns(columns)
            .Start(context =>
            {
                var task = context.AddTask(Markup.Escape(_label), maxValue: _total ?? double.MaxValue);
                // A pipe's end is unknown: the bar moves without filling.
                task.IsIndeterminate = _total is null;
                do
                {
                    task.Value = Volatile.Read(ref _bytes);
                    context.Refresh();
                }
                while (!_done.Wait(100));
                task.Value = _total ?? Volatile.Read(ref _bytes);
            });
    }

    /// <summary>Removes the bar (before anything else is written to the error).</summary>
    public void Dispose()
    {
        if (_disposed) return;
        _disposed = true;
        _done.Set();
        if (_thread is not null)
        {
            _thread.Join();
            Console.CancelKeyPress -= ShowCursor;
        }
        _done.Dispose();
    }
}
