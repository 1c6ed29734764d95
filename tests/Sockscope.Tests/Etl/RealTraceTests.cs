using System.IO.Compression;
using System.Text.Json;
using Sockscope.Etl;
using Sockscope.Tests.Support;

namespace Sockscope.Tests.Etl;

/// <summary>
/// Reads every real trace in ../shared/etl-samples and compares, record by record in file order, with what the peer
/// parser (dissect.etl) read: header kind, provider, event id, process and thread ids, raw time stamp and size.
/// </summary>
public class RealTraceTests
{
    private sealed record PeerRecord(string Kind, string? Provider, int? Id, long? Version, int? Opcode, int? Group,
        long? Pid, long? Tid, long RawTime, int Size);

    public static IEnumerable<object[]> Names() => SharedSamples.TraceNames();

    [SharedSamplesTheory]
    [MemberData(nameof(Names))]
    public void Records_match_the_peer_reference_one_by_one(string name)
    {
        var peer = ReadPeerRecords(name);
        using var reader = EtlReader.Open(SharedSamples.PathOf(name + ".etl"), new EtlReaderOptions { Order = RecordOrder.File });
        int i = 0;
        while (reader.TryRead(out var r))
        {
            Assert.True(i < peer.Count, $"{name}: more records than the peer's {peer.Count}");
            var p = peer[i];
            string where = $"{name} record {i}";
            Assert.Equal(p.Kind, PeerKind(r.Family));
            Assert.Equal(p.RawTime, r.Timestamp);
            Assert.Equal(p.Size, r.Size);
            switch (r.Family)
            {
                case TraceHeaderFamily.EventHeader:
                    Assert.Equal(p.Provider, r.ProviderId.ToString());
                    Assert.Equal(p.Id, r.Id);
                    Assert.Equal(p.Version, r.Version);
                    Assert.Equal(p.Opcode, r.Opcode);
                    Assert.Equal(p.Pid, r.ProcessId);
                    Assert.Equal(p.Tid, r.ThreadId);
                    break;
                case TraceHeaderFamily.FullHeader:
                case TraceHeaderFamily.Instance:
                    Assert.Equal(p.Provider, r.ProviderId.ToString());
                    Assert.Equal(p.Version, r.Opcode | (long)r.Level << 8 | (long)r.Version << 16);
                    Assert.Equal(p.Pid, r.ProcessId);
                    Assert.Equal(p.Tid, r.ThreadId);
                    break;
                case TraceHeaderFamily.PerfInfo:
                    Assert.Equal(p.Group, r.Group);
                    Assert.Equal(p.Opcode, r.Opcode);
                    Assert.Null(p.Pid);
                    Assert.False(r.HasProcessInfo, where);
                    break;
                default:
                    Assert.Equal(p.Group, r.Group);
                    Assert.Equal(p.Opcode, r.Opcode);
                    Assert.Equal(p.Pid, r.ProcessId);
                    Assert.Equal(p.Tid, r.ThreadId);
                    break;
            }
            i++;
        }
        Assert.Equal(peer.Count, i);
        Assert.Equal(0, reader.Diagnostics.ProblemCount);
    }

    [SharedSamplesTheory]
    [MemberData(nameof(Names))]
    public void Counts_per_kind_provider_and_event_match_the_summary(string name)
    {
        using var summary = JsonDocument.Parse(File.ReadAllText(Path.Combine(SharedSamples.Directory!, "reference", name + ".summary.json")));
        var expected = new Dictionary<string, long>();
        foreach (var row in summary.RootElement.GetProperty("by_kind_provider_event").EnumerateArray())
        {
            string key = $"{row.GetProperty("kind").GetString()}|{row.GetProperty("provider")}|{row.GetProperty("id")}";
            expected[key] = row.GetProperty("count").GetInt64();
        }
        var actual = new Dictionary<string, long>();
        long events = 0;
        using var reader = EtlReader.Open(SharedSamples.PathOf(name + ".etl"));
        long previous = long.MinValue;
        while (reader.TryRead(out var r))
        {
            events++;
            string provider = r.Family.IsKernelKind() ? "" : r.ProviderId.ToString();
            string id = r.Family switch
            {
                TraceHeaderFamily.FullHeader or TraceHeaderFamily.Instance => "",
                _ => r.Id.ToString(),
            };
            string key = $"{PeerKind(r.Family)}|{provider}|{id}";
            actual[key] = actual.GetValueOrDefault(key) + 1;
            Assert.True(r.Timestamp >= previous, $"{name}: record {events} at {r.Timestamp} comes after one at {previous}");
            previous = r.Timestamp;
        }
        Assert.Equal(summary.RootElement.GetProperty("events").GetInt64(), events);
        Assert.Equal(summary.RootElement.GetProperty("buffers").GetInt64(), reader.BuffersFound);
        Assert.Equal(summary.RootElement.GetProperty("pointer_size").GetInt32(), reader.PointerSize);
        Assert.Equal(expected.OrderBy(kv => kv.Key), actual.OrderBy(kv => kv.Key));
    }

    /// <summary>
    /// PerfView's baselines give event times in milliseconds from the trace start: every one of them must be the
    /// time of one of our records, to the microsecond (checks the clock conversion on real files).
    /// </summary>
    [SharedSamplesTheory]
    [InlineData("perfview_primitive-types")]
    [InlineData("perfview_gcevents")]
    [InlineData("perfview_net.4.5.2.x64")]
    public void Event_times_agree_with_perfview_baselines(string name)
    {
        var ours = new HashSet<long>();
        using (var reader = EtlReader.Open(SharedSamples.PathOf(name + ".etl")))
        {
            long start = reader.Clock.ToFileTime(reader.HeaderTimestamp);
            while (reader.TryRead(out var r)) ours.Add((reader.Clock.ToFileTime(r.Timestamp) - start) / 10); // microseconds
        }
        int checkedTimes = 0;
        foreach (var line in File.ReadLines(SharedSamples.PathOf(name + ".baseline.txt")))
        {
            if (!line.StartsWith("EVENT ")) continue;
            string ms = line[6..line.IndexOf(':')].Replace(",", "");
            long micros = (long)Math.Round(decimal.Parse(ms, System.Globalization.CultureInfo.InvariantCulture) * 1000m);
            Assert.True(ours.Contains(micros) || ours.Contains(micros - 1) || ours.Contains(micros + 1),
                $"{name}: no record at {ms} ms from the start");
            checkedTimes++;
        }
        Assert.True(checkedTimes >= 5, $"{name}: only {checkedTimes} baseline events");
    }

    private static string PeerKind(TraceHeaderFamily family) => family switch
    {
        TraceHeaderFamily.System or TraceHeaderFamily.Compact => "SystemHeader",
        TraceHeaderFamily.PerfInfo => "PerfinfoTraceHeader",
        TraceHeaderFamily.FullHeader or TraceHeaderFamily.Instance => "EventTraceHeader",
        TraceHeaderFamily.EventHeader => "EventHeader",
        _ => "MessageTraceHeader",
    };

    private static List<PeerRecord> ReadPeerRecords(string name)
    {
        var list = new List<PeerRecord>();
        using var gz = new GZipStream(File.OpenRead(Path.Combine(SharedSamples.Directory!, "reference", name + ".records.jsonl.gz")), CompressionMode.Decompress);
        using var text = new StreamReader(gz);
        while (text.ReadLine() is { } line)
        {
            using var doc = JsonDocument.Parse(line);
            var e = doc.RootElement;
            list.Add(new PeerRecord(
                e.GetProperty("kind").GetString()!,
                e.GetProperty("provider").ValueKind == JsonValueKind.Null ? null : e.GetProperty("provider").GetString(),
                Int(e, "id"), Long(e, "version"), Int(e, "opcode"), Int(e, "group"), Long(e, "pid"), Long(e, "tid"),
                e.GetProperty("raw_time").GetInt64(), e.GetProperty("size").GetInt32()));
        }
        return list;
    }

    private static int? Int(JsonElement e, string name) => e.GetProperty(name).ValueKind == JsonValueKind.Null ? null : e.GetProperty(name).GetInt32();
    private static long? Long(JsonElement e, string name) => e.GetProperty(name).ValueKind == JsonValueKind.Null ? null : e.GetProperty(name).GetInt64();
}
