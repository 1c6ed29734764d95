using Sockscope.Cli.Commands;

namespace Sockscope.Tests.Cli;

/// <summary>
/// Without --threads, dump decodes on every processor only for files large enough to gain by it. The expected counts
/// are the README's rule written out by hand, not the code's constant: "one per processor for files of 64 MiB or
/// more, one below that", an input read once (length unknown) counts as large, and a thread count is "1 to 256".
/// </summary>
public class DumpThreadsTests
{
    private const long SixtyFourMiB = 67_108_864;

    [Theory]
    [InlineData(0L, 8, 1)]
    [InlineData(4_096L, 8, 1)]
    [InlineData(SixtyFourMiB - 1, 8, 1)]
    [InlineData(SixtyFourMiB - 1, 1, 1)]
    [InlineData(SixtyFourMiB, 8, 8)]
    [InlineData(SixtyFourMiB, 2, 2)]
    [InlineData(SixtyFourMiB, 1, 1)]
    [InlineData(SixtyFourMiB + 1, 3, 3)]
    [InlineData(1L << 40, 256, 256)]
    [InlineData(1L << 40, 257, 256)]
    [InlineData(long.MaxValue, 1000, 256)]
    [InlineData(null, 8, 8)] // read once from a pipe: the length is not known
    [InlineData(null, 1, 1)]
    [InlineData(null, 4096, 256)]
    public void Default_threads_follow_the_file_size(long? fileLength, int processors, int expected) =>
        Assert.Equal(expected, DumpCommand.DefaultThreads(fileLength, processors));
}
