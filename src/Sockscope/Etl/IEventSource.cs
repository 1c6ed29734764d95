namespace Sockscope.Etl;

/// <summary>
/// Where raw events come from: an ETL file, or events another collector wrote as JSON, made into the same records.
/// Forward-only; a record is valid until the next read.
/// </summary>
public interface IEventSource : IDisposable
{
    /// <summary>The file read.</summary>
    string Path { get; }

    /// <summary>The clock the records' time stamps are in.</summary>
    EtlClock Clock { get; }

    /// <summary>What was wrong in the input, with byte offsets; every readable event is still delivered.</summary>
    EtlDiagnostics Diagnostics { get; }

    /// <summary>The raw time stamp of the session's start (an ETL file's logfile header), or of the first event.</summary>
    long StartStamp { get; }

    /// <summary>What the collecting session lost, as far as the input says (complete once every record was read).</summary>
    EventLoss Loss { get; }

    /// <summary>The next record, or false at the end.</summary>
    bool TryRead(out EtlRecord record);
}

/// <summary>Events and buffers a session lost, and the time stamp to report them at.</summary>
/// <param name="EventsLost">Events the session counted as lost.</param>
/// <param name="BuffersLost">Buffers lost (counted, or flagged in the file).</param>
/// <param name="BuffersWithEventsLost">Buffers flagged as having lost events.</param>
/// <param name="Stamp">When (a raw time stamp of the source's clock).</param>
public readonly record struct EventLoss(long EventsLost, long BuffersLost, long BuffersWithEventsLost, long Stamp);
