namespace Sockscope.Cli.Commands;

/// <summary>Output formats of <c>dump</c>.</summary>
internal enum DumpFormat
{
    /// <summary>One JSON object per line.</summary>
    Jsonl,
    /// <summary>CSV with a header row.</summary>
    Csv,
    /// <summary>A fixed-width table for a person.</summary>
    Table,
}

/// <summary>Which records <c>dump</c> considers before the filters.</summary>
internal enum DumpScope
{
    /// <summary>Every record (--all).</summary>
    All,
    /// <summary>The default: Winsock activity (see <see cref="RecordFilter"/>).</summary>
    Winsock,
}

/// <summary>What <c>dump</c> was asked to do.</summary>
internal sealed record DumpSettings
{
    public required string File { get; init; }
    /// <summary>What the input is: recognised from the content unless given.</summary>
    public Sockscope.Sources.InputFormat Input { get; init; } = Sockscope.Sources.InputFormat.Auto;
    public DumpScope Scope { get; init; } = DumpScope.Winsock;
    public DumpFormat Format { get; init; } = DumpFormat.Jsonl;
    public string? Provider { get; init; }
    public int? EventId { get; init; }
    public long? ProcessId { get; init; }
    public TimeSpec? From { get; init; }
    public TimeSpec? To { get; init; }
    public long? Limit { get; init; }
    public string? Computer { get; init; }
    public string? OutputFile { get; init; }
    public bool Verbose { get; init; }
    /// <summary>The zone times are shown in (<c>--time</c>); UTC when null. JSON lines stay UTC.</summary>
    public TimeZoneInfo? Zone { get; init; }
    /// <summary>
    /// Threads that decode and format (JSON lines and CSV); 1 does everything on the reading thread; null chooses by
    /// the file's size (<see cref="Sockscope.Analysis.TraceAnalysis.ParallelFromBytes"/>; an input read once counts as large).
    /// </summary>
    public int? Threads { get; init; } = 1;
    /// <summary>Instrumentation manifests whose providers are decoded (and shown without --all) as well.</summary>
    public IReadOnlyList<string> Manifests { get; init; } = [];
}
