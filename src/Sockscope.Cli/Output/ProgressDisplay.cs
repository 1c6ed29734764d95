using Sockscope.Etl;
using System.Globalization;
using Spectre.Console;
using Sockscope.Cli.Commands;
using Sockscope.Sources;

namespace Sockscope.Cli.Output;

/// <summary>
/// Progress on the standard error (bytes read of the input) while a command reads. It appears only when a person
/// watches the error but not the output (the output goes to a pipe or a file), and only once a read has run for
/// <see cref="Delay"/>, so short reads print nothing. An input of unknown length (a pipe) shows the bytes read and the
/// speed, with no percentage.
/// </summary>
/// <remarks>
/// The read loops are not touched: a separate thread samples the bytes read (a counter the reader keeps anyway), so
/// one wrapping (<see cref="Watch"/>) serves every command, whichever thread its reading runs on. On a terminal that
/// takes escape codes the thread draws a bar; with <c>TERM=dumb</c> or <c>NO_COLOR</c> set it writes a plain line
/// every <see cref="PlainEvery"/> instead, so no escape code is ever written there. The display is cosmetic: if
/// drawing throws, it stops, the command goes on, and one note says why.
/// </remarks>
internal sealed class ProgressDisplay : IDisposable
{
    /// <summary>How long a read runs before the display appears.</summary>
    public static readonly TimeSpan Delay = TimeSpan.FromMilliseconds(500);

    /// <summary>Time between two plain-text lines (<c>TERM=dumb</c>, <c>NO_COLOR</c>).</summary>
    public static readonly TimeSpan PlainEvery = TimeSpan.FromSeconds(2);

    private readonly CliConsole? _console;
    private readonly string _label;
    private readonly long? _total;
    private readonly Func<long> _bytesRead;
    private readonly bool _plain;
    private readonly ManualResetEventSlim _done = new();
    private readonly Lock _lock = new();
    private readonly ITimer? _timer;
    private Thread? _thread;
    private Exception? _failure;
    private bool _disposed;

    private ProgressDisplay(CliConsole? console, string label, long? total, Func<long> bytesRead, TimeSpan delay, TimeProvider time)
    {
        _console = console;
        _label = label;
        _total = total is { } t ? Math.Max(t, 1) : null;
        _bytesRead = bytesRead;
        if (console is null) return;
        _plain = IsPlain(console);
        if (delay <= TimeSpan.Zero) Start();
        else _timer = time.CreateTimer(_ => Start(), null, delay, Timeout.InfiniteTimeSpan);
    }

    /// <summary>
    /// A display of how much of <paramref name="source"/> has been read, from now until disposed; it stays silent
    /// unless the console asks for one (see <see cref="Create"/>). The delay and clock are the console's.
    /// </summary>
    /// <param name="console">The console.</param>
    /// <param name="source">The input being read.</param>
    /// <param name="toFile">True when the output does not go to the standard output (-o, a database).</param>
    public static ProgressDisplay Watch(CliConsole console, IEventSource source, bool toFile) =>
        Create(console, Path.GetFileName(source.Path), EventSources.Length(source), toFile, () => EventSources.BytesRead(source),
            console.ProgressDelay, console.Time);

    /// <summary>A display of reading <paramref name="total"/> bytes; it stays silent unless the console asks for one.</summary>
    /// <param name="console">The console.</param>
    /// <param name="label">What is read (the file name).</param>
    /// <param name="total">The input's length; null when it is not known (a pipe).</param>
    /// <param name="toFile">True when the output does not go to the standard output, which is then free.</param>
    /// <param name="bytesRead">Bytes read so far; called from the drawing thread.</param>
    /// <param name="delay">How long a read runs before the display appears (<see cref="Delay"/> when null).</param>
    /// <param name="time">The clock that delay is measured on (the system's when null; tests drive their own).</param>
    public static ProgressDisplay Create(CliConsole console, string label, long? total, bool toFile, Func<long> bytesRead,
        TimeSpan? delay = null, TimeProvider? time = null)
    {
        bool wanted = console.ErrorIsTerminal && (!console.OutputIsTerminal || toFile);
        return new ProgressDisplay(wanted ? console : null, label, total, bytesRead, delay ?? Delay, time ?? TimeProvider.System);
    }

    /// <summary>True once the display has been started.</summary>
    public bool Started => Volatile.Read(ref _thread) is not null;

    /// <summary>What made drawing stop, if anything did.</summary>
    public Exception? Failure => Volatile.Read(ref _failure);

    /// <summary>A terminal that takes no escape codes: <c>TERM=dumb</c>, or <c>NO_COLOR</c> set to anything.</summary>
    internal static bool IsPlain(CliConsole console) =>
        string.Equals(console.GetEnvironmentVariable("TERM"), "dumb", StringComparison.OrdinalIgnoreCase)
        || !string.IsNullOrEmpty(console.GetEnvironmentVariable("NO_COLOR"));

    private void Start()
    {
        lock (_lock)
        {
            if (_disposed || _thread is not null) return;
            var thread = new Thread(_plain ? DrawPlain : DrawBar) { IsBackground = true, Name = "sockscope progress" };
            // The bar hides the cursor until it is done; Ctrl+C would end the process with the cursor still hidden.
            if (!_plain) Console.CancelKeyPress += ShowCursor;
            Volatile.Write(ref _thread, thread);
            thread.Start();
        }
    }

    private void ShowCursor(object? sender, ConsoleCancelEventArgs e)
    {
        try
        {
            _console!.Error.Write("\u001b[?25h");
            _console.Error.Flush();
        }
        catch (Exception)
        {
            // The process is ending anyway; a cursor left hidden is all that is lost.
        }
    }

    private void DrawBar()
    {
        try
        {
            var console = AnsiConsole.Create(new AnsiConsoleSettings
            {
                Out = new AnsiConsoleOutput(_console!.Error),
                Ansi = AnsiSupport.Yes,
                ColorSystem = ColorSystemSupport.Detect,
                Interactive = InteractionSupport.Yes,
            });
            // Drawn here, not on Spectre's own timer, and a finished read not hidden (the whole bar is cleared at the
            // end anyway): a read that ended before the timer's first frame, or before this thread ran, drew a bar
            // without its label.
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
                        task.Value = Math.Max(task.Value, _bytesRead());
                        context.Refresh();
                    }
                    while (!_done.Wait(100));
                    task.Value = _total ?? _bytesRead();
                });
        }
        catch (Exception e)
        {
            // The bar is cosmetic: the command goes on without it; Dispose says why it went.
            Volatile.Write(ref _failure, e);
        }
    }

    private void DrawPlain()
    {
        try
        {
            do
            {
                _console!.Error.WriteLine($"sockscope: {_label}: {PlainText(_bytesRead(), _total)}");
                _console.Error.Flush();
            }
            while (!_done.Wait(PlainEvery));
        }
        catch (Exception e)
        {
            Volatile.Write(ref _failure, e);
        }
    }

    /// <summary>"42% read (53.1 MB of 126.0 MB)", or "53.1 MB read" when the length is not known.</summary>
    internal static string PlainText(long bytes, long? total) => total is { } t
        ? string.Create(CultureInfo.InvariantCulture, $"{Math.Clamp(bytes * 100 / t, 0, 100)}% read ({BytesReadColumn.Format(bytes)} of {BytesReadColumn.Format(t)})")
        : $"{BytesReadColumn.Format(bytes)} read";

    /// <summary>Removes the display (before anything else is written to the error).</summary>
    public void Dispose()
    {
        Thread? thread;
        lock (_lock)
        {
            if (_disposed) return;
            _disposed = true;
            thread = _thread;
        }
        _timer?.Dispose();
        _done.Set();
        if (thread is not null)
        {
            thread.Join();
            if (!_plain) Console.CancelKeyPress -= ShowCursor;
        }
        _done.Dispose();
        if (_failure is { } failure)
        {
            try
            {
                _console!.Error.WriteLine($"sockscope: note: the progress display stopped: {failure.GetType().Name}: {failure.Message}");
            }
            catch (Exception)
            {
                // The error itself cannot be written to: there is nowhere left to say it.
            }
        }
    }
}
