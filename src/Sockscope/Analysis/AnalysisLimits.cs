namespace Sockscope.Analysis;

/// <summary>
/// What an analysis keeps for listing, so its memory stays flat whatever the trace. These bound lists, never counts:
/// every socket and every finding is counted in <see cref="TraceTotals"/> whatever they are.
/// </summary>
public sealed record AnalysisLimits
{
    /// <summary>The limits the commands use.</summary>
    public static AnalysisLimits Default { get; } = new();

    /// <summary>Findings kept with their details, the first ones found (<see cref="AnalysisSummary.Findings"/>).</summary>
    public int MaxFindingsKept { get; init; } = 100_000;

    /// <summary>
    /// Processes, and remote endpoints, that get totals of their own (hostile traces can name endless ones; real ones
    /// name thousands). Past it, <see cref="TraceTotals.ProcessesTruncated"/> or <see cref="TraceTotals.RemotesTruncated"/>
    /// says so; the trace's own totals still count everything.
    /// </summary>
    public int MaxTotals { get; init; } = 100_000;

    /// <summary>
    /// Resolved addresses remembered for naming sockets (a process and an address each). Past it, later lookups name
    /// nothing new and <see cref="TraceTotals.NamesDropped"/> counts the addresses not remembered.
    /// </summary>
    public int MaxNames { get; init; } = 100_000;

    /// <summary>Throws when a limit is negative.</summary>
    internal void Validate()
    {
        if (MaxFindingsKept < 0 || MaxTotals < 0 || MaxNames < 0) throw new ArgumentException("analysis limits must not be negative");
    }
}
