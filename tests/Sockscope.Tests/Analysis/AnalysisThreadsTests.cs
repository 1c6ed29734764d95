using Sockscope.Analysis;
using Sockscope.Tests.Support;

namespace Sockscope.Tests.Analysis;

/// <summary>Left to choose, the analysis reads on a second thread only for traces large enough to gain by it.</summary>
public class AnalysisThreadsTests
{
    [Fact]
    public void Traces_from_the_threshold_up_and_of_unknown_size_are_read_on_a_second_thread()
    {
        using var dir = new TempDir();
        string small = dir.File("small.etl"), large = dir.File("large.etl"), below = dir.File("below.etl");
        File.WriteAllBytes(small, new byte[4096]);
        // Sparse files: the size is what counts.
        using (var f = File.Create(large)) f.SetLength(TraceAnalysis.ParallelFromBytes);
        using (var f = File.Create(below)) f.SetLength(TraceAnalysis.ParallelFromBytes - 1);
        Assert.False(TraceAnalysis.IsLarge(small));
        Assert.False(TraceAnalysis.IsLarge(below));
        Assert.True(TraceAnalysis.IsLarge(large));
        Assert.True(TraceAnalysis.IsLarge(dir.File("not-there.etl")));
        Assert.True(TraceAnalysis.IsLarge(""));
    }
}
