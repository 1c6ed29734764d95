namespace Sockscope.Synthesis;

/// <summary>What <see cref="ScenarioSynthesizer.Write(string, ScenarioOptions)"/> writes: which scenario, for which Windows, in what file layout.</summary>
internal sealed class ScenarioOptions
{
    /// <summary>The scenario, one of <see cref="ScenarioSynthesizer.Names"/>.</summary>
    public string Scenario { get; set; } = "mixed";
    /// <summary>busy-host only: how many event records to write (the logfile header record not counted); at least 1,000.</summary>
    public long Events { get; set; } = 1_000_000;
    /// <summary>Pointer size of the recording kernel: 8 (64-bit Windows, WOW64 processes log 32-bit user-mode events) or 4 (32-bit Windows).</summary>
    public int PointerSize { get; set; } = 8;
    /// <summary>Write XPRESS-compressed buffers.</summary>
    public bool Compress { get; set; }
    /// <summary>
    /// The Windows build: 7600 or 7601 write Windows 7's AFD events 1–41 only; 10240 and later the 1000-series, with
    /// Winsock-NameResolution (10240+) and Winsock-Sockets (22000+). The "legacy" scenario is always 7601.
    /// </summary>
    public int Build { get; set; } = 26100;
    /// <summary>Seed of every random choice: the same options write the same file.</summary>
    public int Seed { get; set; } = 1;
    /// <summary>When the session started (UTC): the instant of the logfile header's time stamp.</summary>
    public DateTime Start { get; set; } = new(2026, 6, 2, 4, 0, 0, DateTimeKind.Utc);
    /// <summary>Processors of the recording machine (events go to a processor chosen by thread).</summary>
    public int Processors { get; set; } = 4;
    /// <summary>Session buffer size in bytes.</summary>
    public int BufferSize { get; set; } = 64 * 1024;
}
