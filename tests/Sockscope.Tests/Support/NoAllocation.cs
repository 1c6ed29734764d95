namespace Sockscope.Tests.Support;

/// <summary>Checks that code allocates nothing on the calling thread once warm.</summary>
public static class NoAllocation
{
    /// <summary>
    /// Runs <paramref name="round"/> until a run allocates nothing on this thread (at most five runs), and fails if
    /// the last still allocated or more than one did. The runtime may allocate once on the thread while it swaps in
    /// optimised code (when depends on timing: it shows on a loaded machine); an allocation of the code's own shows in
    /// every round.
    /// </summary>
    public static void Assert(Action round) => AssertMeasured(() =>
    {
        long before = GC.GetAllocatedBytesForCurrentThread();
        round();
        return GC.GetAllocatedBytesForCurrentThread() - before;
    });

    /// <summary>
    /// As <see cref="Assert(Action)"/>, for a round that measures its own allocation (of the parts that count) and
    /// returns it. (A name of its own: a lambda that returns a number would otherwise choose this overload unasked.)
    /// </summary>
    public static void AssertMeasured(Func<long> allocatedInRound)
    {
        var rounds = new List<long>();
        for (int i = 0; i < 5; i++)
        {
            rounds.Add(allocatedInRound());
            if (rounds[^1] == 0) break;
        }
        Xunit.Assert.True(rounds[^1] == 0 && rounds.Count(r => r != 0) <= 1, $"allocated in rounds: {string.Join(", ", rounds)}");
    }
}
