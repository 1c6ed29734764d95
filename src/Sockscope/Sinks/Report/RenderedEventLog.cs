using System.Collections;

namespace Sockscope.Sinks.Report;

/// <summary>
/// A kept socket's events as the report lists them, rendered one by one as they are read (as the page is written)
/// rather than all at once when the report is built: only the raw events are held, never every message at once.
/// </summary>
internal sealed class RenderedEventLog(SocketEventLog log, int[] kinds, ReportEventRenderer renderer) : IReadOnlyList<ReportEvent>
{
    public int Count => log.Count;

    public ReportEvent this[int index] => (uint)index < (uint)log.Count ? renderer.Render(log, index, kinds[index]) : throw new ArgumentOutOfRangeException(nameof(index));

    public IEnumerator<ReportEvent> GetEnumerator()
    {
        for (int i = 0; i < log.Count; i++) yield return renderer.Render(log, i, kinds[i]);
    }

    IEnumerator IEnumerable.GetEnumerator() => GetEnumerator();

    /// <summary>Writes event <paramref name="index"/> as the page lists it, without making it a <see cref="ReportEvent"/>.</summary>
    public void Write(System.Text.Json.Utf8JsonWriter j, int index, Json.JsonTime time) => renderer.Write(j, log, index, kinds[index], time);
}
