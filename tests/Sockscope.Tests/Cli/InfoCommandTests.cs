using System.Text.Json;
using Sockscope.Tests.Support;

namespace Sockscope.Tests.Cli;

/// <summary><c>sockscope info</c> on real traces: the numbers against the file's documentation and the peer reference.</summary>
public class InfoCommandTests
{
    public static IEnumerable<object[]> Names() => SharedSamples.TraceNames();

    private static JsonElement InfoJson(string file, out CliRunner.Result result)
    {
        result = CliRunner.Run("info", SharedSamples.PathOf(file), "--json");
        Assert.True(result.ExitCode == 0, result.Error);
        Assert.Equal("", result.Error);
        return JsonDocument.Parse(result.Output).RootElement;
    }

    [SharedSamplesFact]
    public void Small_32_bit_compressed_trace_reports_its_header()
    {
        var info = InfoJson("perfview_smallEtlFile.etl", out _);
        Assert.Equal(SharedSamples.PathOf("perfview_smallEtlFile.etl"), info.GetProperty("file").GetString());
        Assert.Equal(1061, info.GetProperty("file_size").GetInt64());
        Assert.Equal(2, info.GetProperty("records").GetInt64());
        Assert.Equal(4, info.GetProperty("pointer_size").GetInt32());
        Assert.Equal(2, info.GetProperty("buffers").GetInt64());
        Assert.Equal(1, info.GetProperty("compressed_buffers").GetInt64());
        Assert.True(info.GetProperty("compressed").GetBoolean());
        Assert.Equal(10586, info.GetProperty("os_build").GetInt32());
        Assert.Equal("10.0", info.GetProperty("os_version").GetString());
        Assert.Equal(4, info.GetProperty("cpu_count").GetInt32());
        Assert.Equal("QPC", info.GetProperty("clock").GetString());
        Assert.Equal(3117777, info.GetProperty("perf_freq").GetInt64());
        Assert.Equal("PerfWatsonGCHeapETLSession688", info.GetProperty("logger_name").GetString());
        Assert.Equal("ReloggedFile.ETL", info.GetProperty("log_file_name").GetString());
        Assert.Equal("0x04011001", info.GetProperty("log_file_mode").GetString());
        Assert.Equal("2016-08-17T23:30:22.0379266Z", info.GetProperty("start_time").GetString());
        Assert.Equal("2016-08-17T23:30:22.0379266Z", info.GetProperty("first_event").GetString());
        Assert.Equal(1, info.GetProperty("header_types").GetProperty("SystemHeader").GetInt64());
        Assert.Equal(1, info.GetProperty("header_types").GetProperty("EventHeader").GetInt64());
        Assert.Equal(0, info.GetProperty("problems").GetArrayLength());
        Assert.Equal(0, info.GetProperty("damaged_buffers").GetInt64());
        Assert.Equal(0, info.GetProperty("bytes_skipped").GetInt64());
        var providers = info.GetProperty("providers").EnumerateArray().ToList();
        Assert.Equal(2, providers.Count);
        Assert.Contains(providers, p => p.GetProperty("guid").GetString() == "{A669021C-C450-4609-A035-5AF59AF4DF18}"
            && p.GetProperty("records").GetInt64() == 1);
    }

    [SharedSamplesFact]
    public void Amsi_trace_reports_lost_events_and_the_learned_provider_name()
    {
        var info = InfoJson("airbus_AMSITrace.etl", out _);
        Assert.Equal(21, info.GetProperty("records").GetInt64());
        Assert.Equal(3, info.GetProperty("events_lost").GetInt64());
        Assert.Equal(0, info.GetProperty("buffers_lost").GetInt64());
        Assert.Equal(8, info.GetProperty("pointer_size").GetInt32());
        Assert.Equal(18362, info.GetProperty("os_build").GetInt32());
        Assert.False(info.GetProperty("compressed").GetBoolean());
        var first = info.GetProperty("providers")[0];
        Assert.Equal("{8E805EB3-6A8F-4A1E-90FA-A831D94E54A1}", first.GetProperty("guid").GetString());
        Assert.Equal("AmsiTrace", first.GetProperty("name").GetString());
        Assert.Equal(19, first.GetProperty("records").GetInt64());
        // The session closed the file: the header's end time, which is after the last event.
        Assert.Equal("2020-02-17T12:50:00.0260662Z", info.GetProperty("end_time").GetString());
        Assert.Equal("2020-02-17T12:49:50.4024329Z", info.GetProperty("last_event").GetString());
    }

    [SharedSamplesTheory]
    [MemberData(nameof(Names))]
    public void Counts_agree_with_the_peer_reference(string name)
    {
        using var summary = JsonDocument.Parse(File.ReadAllText(Path.Combine(SharedSamples.Directory!, "reference", name + ".summary.json")));
        var expected = summary.RootElement;
        var info = InfoJson(name + ".etl", out _);
        long events = info.GetProperty("records").GetInt64();
        Assert.Equal(expected.GetProperty("events").GetInt64(), events);
        Assert.Equal(expected.GetProperty("buffers").GetInt64(), info.GetProperty("buffers").GetInt64());
        Assert.Equal(expected.GetProperty("pointer_size").GetInt32(), info.GetProperty("pointer_size").GetInt32());
        Assert.Equal(events, info.GetProperty("header_types").EnumerateObject().Sum(p => p.Value.GetInt64()));
        var counts = info.GetProperty("providers").EnumerateArray().Select(p => p.GetProperty("records").GetInt64()).ToList();
        Assert.Equal(events, counts.Sum());
        Assert.Equal(counts.OrderByDescending(c => c), counts);
        // The peer counts EventHeader records per provider GUID: ours must agree provider by provider.
        var peerEventHeader = expected.GetProperty("by_kind_provider_event").EnumerateArray()
            .Where(r => r.GetProperty("kind").GetString() == "EventHeader")
            .GroupBy(r => r.GetProperty("provider").GetString()!)
            .ToDictionary(g => "{" + g.Key.ToUpperInvariant() + "}", g => g.Sum(r => r.GetProperty("count").GetInt64()));
        foreach (var (guid, count) in peerEventHeader)
        {
            var ours = info.GetProperty("providers").EnumerateArray().Single(p => p.GetProperty("guid").GetString() == guid);
            Assert.True(ours.GetProperty("records").GetInt64() >= count, $"{name}: {guid} has fewer records than the peer's {count}");
        }
        Assert.True(string.CompareOrdinal(info.GetProperty("first_event").GetString(), info.GetProperty("last_event").GetString()) <= 0);
    }

    /// <summary>
    /// The kernel and CLR trace's records per header kind, as the peer parser counted them (reference
    /// perfview_net.4.5.2.x64.summary.json, by_kind_provider_event summed per kind; it folds compact headers into
    /// SystemHeader and instance headers into EventTraceHeader, and this trace has neither).
    /// </summary>
    [SharedSamplesFact]
    public void Header_types_count_every_kind_of_the_kernel_and_clr_trace()
    {
        var info = InfoJson("perfview_net.4.5.2.x64.etl", out _);
        var kinds = info.GetProperty("header_types").EnumerateObject().ToDictionary(p => p.Name, p => p.Value.GetInt64());
        Assert.Equal(new Dictionary<string, long>
        {
            ["SystemHeader"] = 3_191,
            ["PerfinfoTraceHeader"] = 100_157,
            ["EventTraceHeader"] = 7_983,
            ["EventHeader"] = 68_143,
        }, kinds);
        Assert.Equal(179_474, info.GetProperty("records").GetInt64());
    }

    [Fact]
    public void The_view_for_a_person_is_plain_text_when_the_output_is_not_a_terminal()
    {
        // The shipped sample: the mixed scenario's 602 events and the logfile header, 5 events lost, 456 of them AFD's.
        var result = CliRunner.Run("info", ShippedSample.Path);
        Assert.Equal(0, result.ExitCode);
        Assert.Equal("", result.Error);
        Assert.DoesNotContain('\u001b', result.Output);
        var lines = result.OutputLines.Select(l => l.TrimEnd()).ToList();
        Assert.Contains(lines, l => l.StartsWith("Events") && l.EndsWith(" 603"));
        Assert.Contains(lines, l => l.StartsWith("Lost") && l.Contains("5 events"));
        Assert.Contains(lines, l => l.Contains("{E53C6823-7BB8-44BB-90DC-3F86090D48A6}") && l.Contains("Microsoft-Windows-Winsock-AFD") && l.TrimStart().StartsWith("456 "));
        // The Winsock providers' 456 + 116 + 10 events have EVENT_HEADERs; the 20 process events and the logfile header SYSTEM ones.
        Assert.Contains(lines, l => l.Contains("EventHeader") && l.EndsWith(" 582"));
        Assert.Contains(lines, l => l.Contains("SystemHeader") && l.EndsWith(" 21"));
    }
}
