using Sockscope.Analysis;
using Sockscope.Etl;
using Sockscope.Sources;

namespace Sockscope.Sinks.Report;

/// <summary>
/// The HTML report of a trace: one self-contained page (script, styles and data inline, nothing loaded from the
/// network) with an overview, a timeline of sockets per process, activity over time, the top remote endpoints, the
/// findings, and a socket table whose rows open their events.
/// </summary>
/// <example>
/// <code>
/// using var reader = EtlReader.Open("trace.etl");
/// using var file = File.Create("report.html");
/// HtmlReport.Write(reader, "trace.etl", file);
/// </code>
/// </example>
public static class HtmlReport
{
    /// <summary>
    /// Reads and analyses every record of <paramref name="reader"/> (a large trace read and decoded on one thread, analysed on another, gathered on this one; each event is seen with its
    /// socket) and gathers what the report shows, within <paramref name="options"/>' caps.
    /// </summary>
    /// <param name="reader">The trace, not yet read.</param>
    /// <param name="file">The file's name as the report shows it.</param>
    /// <param name="options">The caps; the defaults when null.</param>
    /// <param name="parallel">Whether to read and decode, and analyse, on threads of their own; null for a trace of <see cref="TraceAnalysis.ParallelFromBytes"/> or more.</param>
    internal static ReportData Collect(IEventSource reader, string file, ReportOptions? options = null, bool? parallel = null)
    {
        ArgumentNullException.ThrowIfNull(reader);
        options ??= new ReportOptions();
        options.Validate();
        var collector = new ReportCollector(reader, options);
        // Read and decoded, and analysed, on threads of their own for a large trace: the collector sees copies of the events, in the same order, with the same sockets.
        var summary = TraceAnalysis.Run(collector.Source, collector.OnSocket, options.Analysis, parallel ?? TraceAnalysis.IsLarge(EventSources.Length(reader)),
            collector.OnEvent, SocketEventLog.MaxPayload, collector.OnFinding);
        return collector.Build(file, summary);
    }

    /// <summary>Writes the page: the template with the data embedded as JSON that cannot end its script element.</summary>
    internal static void Write(Stream output, ReportData data) => ReportPage.Write(output, data);

    /// <summary>
    /// Reads and analyses every record of <paramref name="reader"/> and writes the page of what it found to
    /// <paramref name="output"/>. Memory is bounded by <paramref name="options"/>' caps, not by the trace.
    /// </summary>
    /// <param name="reader">The trace, not yet read.</param>
    /// <param name="file">The file's name as the report shows it.</param>
    /// <param name="output">Where the page goes.</param>
    /// <param name="options">The caps; the defaults when null.</param>
    public static void Write(IEventSource reader, string file, Stream output, ReportOptions? options = null)
    {
        ArgumentNullException.ThrowIfNull(output);
        Write(output, Collect(reader, file, options));
    }
}
