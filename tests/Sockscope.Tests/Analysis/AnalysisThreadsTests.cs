using System.Text;
using Sockscope.Analysis;
using Sockscope.Sources;
using Sockscope.Tests.Support;

namespace Sockscope.Tests.Analysis;

/// <summary>Left to choose, the analysis reads on a second thread only for traces large enough to gain by it.</summary>
public class AnalysisThreadsTests
{
    [Fact]
    public void Traces_from_the_threshold_up_and_of_unknown_size_are_read_on_a_second_thread()
    {
        Assert.False(TraceAnalysis.IsLarge(4096));
        Assert.False(TraceAnalysis.IsLarge(TraceAnalysis.ParallelFromBytes - 1));
        Assert.True(TraceAnalysis.IsLarge(TraceAnalysis.ParallelFromBytes));
        Assert.True(TraceAnalysis.IsLarge(null));
    }

    [Fact]
    public void A_file_has_its_length_and_a_stream_read_once_has_none()
    {
        using var dir = new TempDir();
        string path = dir.File("one.jsonl");
        const string line = "{\"system\": {\"provider\": \"Microsoft-Windows-Winsock-AFD\", \"event_id\": 1, \"time_created\": \"2024-01-01T00:00:00Z\"}, \"event_data\": {}}\n";
        File.WriteAllText(path, line);
        using (var file = EventSources.Open(path)) Assert.Equal(line.Length, EventSources.Length(file));
        using (var stream = EventSources.Open(new MemoryStream(Encoding.UTF8.GetBytes(line)), "-")) Assert.Null(EventSources.Length(stream));
    }
}
