namespace Sockscope.Etl;

/// <summary>The session clock that stamps events (TRACE_LOGFILE_HEADER.ReservedFlags, WNODE_HEADER.ClientContext).</summary>
public enum ClockType
{
    /// <summary>Not recorded; treated as QPC.</summary>
    Unknown = 0,
    /// <summary>QueryPerformanceCounter ticks at <c>PerfFreq</c> per second.</summary>
    QueryPerformanceCounter = 1,
    /// <summary>System time: FILETIME (100 ns since 1601, UTC).</summary>
    SystemTime = 2,
    /// <summary>CPU cycle counter at <c>CpuSpeedInMHz</c> million ticks per second.</summary>
    CpuCycleCounter = 3,
}
