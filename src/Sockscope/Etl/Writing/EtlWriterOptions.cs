namespace Sockscope.Etl.Writing;

/// <summary>Settings of <see cref="EtlWriter"/>: what the file says of the machine and session that recorded it.</summary>
internal sealed record EtlWriterOptions
{
    /// <summary>Pointer size of the recording kernel (4 or 8): the logfile header's layout and PointerSize.</summary>
    public int PointerSize { get; init; } = 8;
    /// <summary>Processors of the recording machine; events may be written for processors 0 … ProcessorCount−1.</summary>
    public int ProcessorCount { get; init; } = 2;
    /// <summary>Session buffer size in bytes (a multiple of 8; ETW's sizes are whole KiB).</summary>
    public int BufferSize { get; init; } = 64 * 1024;
    /// <summary>Write XPRESS-compressed buffers, as relogged and pktmon files are.</summary>
    public bool Compress { get; init; }
    /// <summary>The session clock.</summary>
    public ClockType Clock { get; init; } = ClockType.QueryPerformanceCounter;
    /// <summary>QPC ticks per second.</summary>
    public long PerfFreq { get; init; } = 10_000_000;
    /// <summary>CPU speed in MHz (the cycle-counter clock's rate).</summary>
    public uint CpuSpeedMHz { get; init; } = 3000;
    /// <summary>Session start (UTC), the instant of <see cref="StartTimestamp"/>.</summary>
    public DateTime StartTime { get; init; } = new(2026, 6, 2, 4, 0, 0, DateTimeKind.Utc);
    /// <summary>Raw clock value at the session start (the logfile header record's stamp).</summary>
    public long StartTimestamp { get; init; } = 1_000_000_000;
    /// <summary>Windows major version.</summary>
    public byte MajorVersion { get; init; } = 10;
    /// <summary>Windows minor version.</summary>
    public byte MinorVersion { get; init; }
    /// <summary>Windows build number.</summary>
    public uint Build { get; init; } = 19045;
    /// <summary>Session name.</summary>
    public string LoggerName { get; init; } = "Sockscope";
    /// <summary>The file name the logfile header records.</summary>
    public string LogFileName { get; init; } = @"C:\Windows\Temp\sockscope.etl";
    /// <summary>Events the session reports lost in the logfile header.</summary>
    public uint EventsLost { get; init; }
    /// <summary>Buffers the session reports lost in the logfile header.</summary>
    public uint BuffersLost { get; init; }
    /// <summary>Process id stamped on the logfile header record.</summary>
    public uint HeaderProcessId { get; init; } = 4;
    /// <summary>Thread id stamped on the logfile header record.</summary>
    public uint HeaderThreadId { get; init; } = 8;
}
