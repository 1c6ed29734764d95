using System.Buffers;
using System.Text.Encodings.Web;
using System.Text.Json;
using Sockscope.Analysis;

namespace Sockscope.Sinks.Database;

/// <summary>
/// The export's JSON-text columns (a socket's <c>peers</c>, <c>options</c> and <c>peer_names</c>, a process's
/// <c>findings_by_kind</c>), written once for both the SQLite and the Parquet export so the two hold the same text.
/// Each method's span is valid until the next call.
/// </summary>
internal sealed class ColumnJson : IDisposable
{
    private readonly ArrayBufferWriter<byte> _buffer = new(256);
    private readonly Utf8JsonWriter _json;

    public ColumnJson() =>
        _json = new Utf8JsonWriter(_buffer, new JsonWriterOptions { Encoder = JavaScriptEncoder.UnsafeRelaxedJsonEscaping });

    /// <summary><c>peers</c>: the socket's remote endpoints as text, in the order met.</summary>
    public ReadOnlySpan<byte> Peers(SocketRecord s)
    {
        Start();
        Span<byte> text = stackalloc byte[EndpointText.MaxLength];
        _json.WriteStartArray();
        foreach (var p in s.Peers) _json.WriteStringValue(text[..EndpointText.Format(p, text)]);
        _json.WriteEndArray();
        return Done();
    }

    /// <summary><c>options</c>: each option the socket set, by name, with its last value.</summary>
    public ReadOnlySpan<byte> Options(SocketRecord s)
    {
        Start();
        _json.WriteStartObject();
        foreach (var (name, value) in s.Options) _json.WriteNumber(name, value);
        _json.WriteEndObject();
        return Done();
    }

    /// <summary><c>peer_names</c>: the name each peer was resolved from, or null, in the order of <c>peers</c>.</summary>
    public ReadOnlySpan<byte> PeerNames(SocketRecord s)
    {
        Start();
        _json.WriteStartArray();
        foreach (var p in s.PeerTraffic)
        {
            if (p.Name is null) _json.WriteNullValue();
            else _json.WriteStringValue(p.Name);
        }
        _json.WriteEndArray();
        return Done();
    }

    /// <summary><c>findings_by_kind</c>: sorted by kind, so two exports of one trace hold the same text.</summary>
    public ReadOnlySpan<byte> FindingsByKind(ProcessTotals p)
    {
        Start();
        _json.WriteStartObject();
        foreach (var (kind, count) in p.Findings.OrderBy(k => k.Key, StringComparer.Ordinal)) _json.WriteNumber(kind, count);
        _json.WriteEndObject();
        return Done();
    }

    private void Start()
    {
        _buffer.ResetWrittenCount();
        _json.Reset();
    }

    private ReadOnlySpan<byte> Done()
    {
        _json.Flush();
        return _buffer.WrittenSpan;
    }

    public void Dispose() => _json.Dispose();
}
