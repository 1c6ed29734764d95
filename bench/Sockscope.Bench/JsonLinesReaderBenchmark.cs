using System.Buffers;
using BenchmarkDotNet.Attributes;
using Sockscope.Decoding;
using Sockscope.Etl;
using Sockscope.Events;
using Sockscope.Schema;
using Sockscope.Sinks;
using Sockscope.Sources;
using Sockscope.Synthesis;

namespace Sockscope.Bench;

/// <summary>
/// The JSON-lines reader on the catalog's lines of a busy host (20,000 events, written as <c>sockscope dump</c> writes
/// them): each line read in one reader pass into its record, against the parsed-document path every line took before.
/// Run with <c>bdn --filter *JsonLines*</c>.
/// </summary>
[MemoryDiagnoser]
public class JsonLinesReaderBenchmark
{
    private const int Events = 20_000;
    private string _path = "";

    /// <summary>The parsed-document path for every line, as before the one-pass reader.</summary>
    [Params(false, true)]
    public bool DocumentsOnly { get; set; }

    [GlobalSetup]
    public void Setup()
    {
        string etl = Path.Combine(Path.GetTempPath(), $"sockscope-bench-{Environment.ProcessId}.etl");
        _path = Path.ChangeExtension(etl, ".jsonl");
        ScenarioSynthesizer.Write(etl, new ScenarioOptions { Scenario = "busy-host", Events = Events });
        using (var reader = EtlReader.Open(etl, new EtlReaderOptions { Order = RecordOrder.Time }))
        using (var file = File.Create(_path))
        {
            var decoder = new EventDecoder(SchemaCatalog.Winsock);
            var output = new ArrayBufferWriter<byte>(1 << 20);
            var names = new ProviderNames();
            using var json = new EventJsonWriter(output, reader.Clock, names);
            while (reader.TryRead(out var r))
            {
                names.Learn(r);
                if (!decoder.TryDecode(r, out var d)) continue;
                json.Write(r, d);
                json.Flush();
                output.Write("\n"u8);
                file.Write(output.WrittenSpan);
                output.ResetWrittenCount();
            }
        }
        File.Delete(etl);
    }

    [GlobalCleanup]
    public void Cleanup() => File.Delete(_path);

    /// <summary>Reads every line into its record; returns a checksum so nothing is optimised away.</summary>
    [Benchmark]
    public long ReadLines()
    {
        using var source = (JsonEventSource)EventSources.Open(_path, InputFormat.Jsonl);
        source.DocumentsOnly = DocumentsOnly;
        long sum = 0;
        while (source.TryRead(out var record)) sum += record.Timestamp ^ record.UserData.Length;
        return sum;
    }
}
