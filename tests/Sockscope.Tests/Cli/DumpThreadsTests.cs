using Sockscope.Analysis;
using Sockscope.Cli.Commands;

namespace Sockscope.Tests.Cli;

/// <summary>Without --threads, dump decodes on every processor only for files large enough to gain by it.</summary>
public class DumpThreadsTests
{
    [Theory]
    [InlineData(0L, 8, 1)]
    [InlineData(TraceAnalysis.ParallelFromBytes - 1, 8, 1)]
    [InlineData(TraceAnalysis.ParallelFromBytes, 8, 8)]
    [InlineData(TraceAnalysis.ParallelFromBytes, 2, 2)]
    [InlineData(TraceAnalysis.ParallelFromBytes, 1, 1)]
    [InlineData(long.MaxValue, 1000, 256)]
    [InlineData(null, 8, 8)] // read once from a pipe: the length is not known
    public void Default_threads_follow_the_file_size(long? fileLength, int processors, int expected) =>
        Assert.Equal(expected, DumpCommand.DefaultThreads(fileLength, processors));
}
