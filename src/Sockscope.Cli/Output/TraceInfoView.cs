using System.Globalization;
using Spectre.Console;
using Sockscope.Cli.Commands;

namespace Sockscope.Cli.Output;

/// <summary>Shows <see cref="TraceInfo"/> to a person: a key/value grid, the header layouts, and a providers table.</summary>
internal static class TraceInfoView
{
    /// <summary>Writes the view to the console's output (plain text when it is not a terminal).</summary>
    public static void Write(CliConsole console, TraceInfo info, bool verbose)
    {
        var ansi = AnsiConsole.Create(new AnsiConsoleSettings
        {
            Out = new AnsiConsoleOutput(console.OutputText),
            Ansi = console.OutputIsTerminal ? AnsiSupport.Detect : AnsiSupport.No,
            ColorSystem = console.OutputIsTerminal ? ColorSystemSupport.Detect : ColorSystemSupport.NoColors,
            Interactive = InteractionSupport.No,
        });
        ansi.Profile.Width = console.Width;
        var h = info.Header;

        var grid = new Grid().AddColumn(new GridColumn().NoWrap()).AddColumn();
        void Row(string key, string value) => grid.AddRow(new Markup($"[bold]{Markup.Escape(key)}[/]"), new Text(value));
        Row("File", info.File);
        Row("Size", $"{N(info.FileSize)} bytes");
        Row("Events", N(info.Events));
        Row("Buffers", $"{N(info.Buffers)} ({N(info.CompressedBuffers)} compressed), {N(h.BufferSize)} bytes each");
        Row("Windows", $"{info.OsVersion} build {h.ProviderVersion}, {h.NumberOfProcessors} CPUs, {info.PointerSize * 8}-bit");
        Row("Clock", $"{info.Clock}; performance counter {N(h.PerfFreq)} Hz, CPU {h.CpuSpeedInMHz} MHz");
        Row("Start", TraceInfo.Iso(info.StartTime));
        Row("End", Time(info.EndTime));
        Row("First event", Time(info.FirstEvent));
        Row("Last event", Time(info.LastEvent));
        Row("Session", $"{h.LoggerName} → {h.LogFileName}");
        Row("Lost", $"{N(h.EventsLost)} events, {N(h.BuffersLost)} buffers (session); " +
            $"{N(info.BuffersWithLostEvents)} buffers flagged with lost events, {N(info.BuffersFlaggedLost)} flagged lost");
        Row("Damage", info.ProblemCount == 0 ? "none"
            : $"{N(info.ProblemCount)} problems, {N(info.DamagedBuffers)} damaged buffers, {N(info.BytesSkipped)} bytes skipped");
        if (verbose)
        {
            Row("Log file mode", $"0x{h.LogFileMode:X8}{(h.IsCompressed ? " (compressed)" : "")}");
            Row("Buffers written", N(h.BuffersWritten));
            Row("Timer resolution", $"{h.TimerResolution} × 100 ns");
            Row("Boot time", Time(info.BootTime));
            Row("Time zone", $"{h.TimeZoneName} (bias {h.TimeZoneBias} min)");
        }
        ansi.Write(grid);
        ansi.WriteLine();

        var layouts = new Table().Border(TableBorder.Simple).AddColumn("Header layout").AddColumn(new TableColumn("Records").RightAligned());
        foreach (var (layout, count) in info.HeaderTypes) layouts.AddRow(layout, N(count));
        ansi.Write(layouts);

        var providers = new Table().Border(TableBorder.Simple)
            .AddColumn(new TableColumn("Records").RightAligned())
            .AddColumn(new TableColumn("GUID").NoWrap())
            .AddColumn("Provider");
        foreach (var p in info.Providers)
            providers.AddRow(new Text(N(p.Events)), new Text(p.Provider.ToString("B").ToUpperInvariant()), new Text(p.Name ?? "?"));
        ansi.Write(providers);
    }

    private static string N(long value) => value.ToString("N0", CultureInfo.InvariantCulture);

    private static string Time(DateTime? utc) => utc is { } t ? TraceInfo.Iso(t) : "-";
}
