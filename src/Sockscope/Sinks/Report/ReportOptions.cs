using Sockscope.Analysis;

namespace Sockscope.Sinks.Report;

/// <summary>
/// The caps that keep a report (and the memory that builds it) bounded whatever the trace: a few megabytes for a
/// browser to open, not one row per event of a multi-gigabyte trace.
/// </summary>
public sealed class ReportOptions
{
    /// <summary>Sockets shown, the most interesting first (failures, then the most bytes); the report says how many were left out.</summary>
    public int MaxSockets { get; init; } = 20_000;

    /// <summary>Events kept of each socket: its first ones, with the count of all.</summary>
    public int MaxEventsPerSocket { get; init; } = 100;

    /// <summary>
    /// Events kept in the whole report: the most interesting sockets keep theirs; the rest show their event count
    /// only. About 130 bytes of report each.
    /// </summary>
    public int MaxEvents { get; init; } = 100_000;

    /// <summary>
    /// Memory for the events held while the trace is read (of the sockets still open and of those kept): a trace
    /// that opens sockets without end cannot make the report hold all their events. Past it, sockets count their
    /// events without keeping them.
    /// </summary>
    public long MaxHeldBytes { get; init; } = 128L << 20;

    /// <summary>Findings listed (failures before notices); the counts by kind cover them all.</summary>
    public int MaxFindings { get; init; } = 10_000;

    /// <summary>Remote endpoints listed, the most bytes first.</summary>
    public int MaxRemotes { get; init; } = 50;

    /// <summary>Processes listed, the most bytes first.</summary>
    public int MaxProcesses { get; init; } = 2_000;

    /// <summary>Processes, and remote endpoints, named on the first screen as failing the most.</summary>
    public int TopFailures { get; init; } = 8;

    /// <summary>Time buckets of the activity chart.</summary>
    public int ActivityBuckets { get; init; } = 200;

    /// <summary>Damage problems listed (the count covers them all).</summary>
    public int MaxProblems { get; init; } = 100;

    /// <summary>What the analysis under the report keeps (the findings it lists are chosen from those it keeps); its totals count everything whatever these are.</summary>
    public AnalysisLimits Analysis { get; init; } = AnalysisLimits.Default;

    /// <summary>Throws when a cap is not positive.</summary>
    internal void Validate()
    {
        Analysis.Validate();
        if (MaxSockets < 1 || MaxEventsPerSocket < 1 || MaxEvents < 0 || MaxHeldBytes < 0 || MaxFindings < 0 || MaxRemotes < 0 ||
            MaxProcesses < 0 || TopFailures < 0 || ActivityBuckets < 1 || MaxProblems < 0)
            throw new ArgumentException("report caps must be positive");
    }
}
