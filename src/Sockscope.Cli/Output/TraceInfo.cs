using Sockscope.Etl;
using Sockscope.Sinks;

namespace Sockscope.Cli.Output;

/// <summary>
/// What <c>sockscope info</c> reports about one file, gathered from the reader (header, buffers, damage) and the
/// one-pass <see cref="TraceSummary"/>, so the JSON and the human view show the same numbers.
/// </summary>
internal sealed record TraceInfo
{
    public required string File { get; init; }
    public required long FileSize { get; init; }
    public required long Events { get; init; }
    public required long Buffers { get; init; }
    public required long CompressedBuffers { get; init; }
    public required int PointerSize { get; init; }
    public required TraceLogfileHeader Header { get; init; }
    public required DateTime StartTime { get; init; }
    public required DateTime? EndTime { get; init; }
    public required DateTime? FirstEvent { get; init; }
    public required DateTime? LastEvent { get; init; }
    public required DateTime? BootTime { get; init; }
    public required long BuffersWithLostEvents { get; init; }
    public required long BuffersFlaggedLost { get; init; }
    public required IReadOnlyList<KeyValuePair<string, long>> HeaderTypes { get; init; }
    public required IReadOnlyList<TraceSummary.ProviderEvents> Providers { get; init; }
    public required IReadOnlyList<EtlProblem> Problems { get; init; }
    public required long ProblemCount { get; init; }
    public required long DamagedBuffers { get; init; }
    public required long BytesSkipped { get; init; }

    /// <summary>The Windows version, "major.minor".</summary>
    public string OsVersion => $"{Header.MajorVersion}.{Header.MinorVersion}";

    /// <summary>The clock's short name.</summary>
    public string Clock => Header.Clock switch
    {
        ClockType.QueryPerformanceCounter => "QPC",
        ClockType.SystemTime => "SystemTime",
        ClockType.CpuCycleCounter => "CpuCycle",
        _ => "Unknown",
    };

    /// <summary>Gathers the numbers once the reader has read every record into <paramref name="summary"/>.</summary>
    public static TraceInfo From(string file, EtlReader reader, TraceSummary summary)
    {
        var header = reader.Header;
        DateTime? first = summary.FirstTimestamp is { } f ? reader.Clock.ToUtc(f) : null;
        DateTime? last = summary.LastTimestamp is { } l ? reader.Clock.ToUtc(l) : null;
        return new TraceInfo
        {
            File = file,
            FileSize = reader.FileLength,
            Events = summary.Events,
            Buffers = reader.BuffersFound,
            CompressedBuffers = reader.CompressedBuffers,
            PointerSize = reader.PointerSize,
            Header = header,
            StartTime = EtlClock.FromFileTime(header.StartTime),
            // Sessions that did not close the file leave EndTime 0: the last event is the best end there is.
            EndTime = header.EndTime != 0 ? EtlClock.FromFileTime(header.EndTime) : last,
            FirstEvent = first,
            LastEvent = last,
            BootTime = header.BootTime != 0 ? EtlClock.FromFileTime(header.BootTime) : null,
            BuffersWithLostEvents = reader.BuffersWithEventsLost,
            BuffersFlaggedLost = reader.BuffersFlaggedLost,
            HeaderTypes = summary.HeaderTypes,
            Providers = summary.Providers,
            Problems = reader.Diagnostics.Problems,
            ProblemCount = reader.Diagnostics.ProblemCount,
            DamagedBuffers = reader.Diagnostics.DamagedBuffers,
            BytesSkipped = reader.Diagnostics.BytesSkipped,
        };
    }

    /// <summary>ISO 8601 UTC with 7 fractional digits, as everywhere in the output.</summary>
    public static string Iso(DateTime utc) => utc.ToString("yyyy-MM-dd'T'HH:mm:ss.fffffff'Z'");
}
