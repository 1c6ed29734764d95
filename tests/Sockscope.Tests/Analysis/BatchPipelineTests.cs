using Sockscope.Analysis;

namespace Sockscope.Tests.Analysis;

/// <summary>The two-thread pipeline keeps order, and a failure on either side stops both without a hang.</summary>
public class BatchPipelineTests
{
    [Fact]
    public void Items_arrive_in_the_order_they_were_made()
    {
        int next = 0;
        var seen = new List<int>();
        BatchPipeline.Run<int>(batch =>
        {
            int n = 0;
            while (n < batch.Length && next < 100_000) batch[n++] = next++;
            return n;
        }, (batch, count) => seen.AddRange(batch.AsSpan(0, count).ToArray()), batchSize: 37, depth: 3);
        Assert.Equal(Enumerable.Range(0, 100_000), seen);
    }

    [Fact]
    public void A_producer_failure_reaches_the_caller_after_the_batches_made_before_it()
    {
        int batches = 0, consumed = 0;
        var e = Assert.Throws<IOException>(() => BatchPipeline.Run<int>(batch =>
        {
            if (++batches == 5) throw new IOException("disk gone at offset 1234");
            batch[0] = batches;
            return 1;
        }, (_, count) => consumed += count, batchSize: 1, depth: 2));
        Assert.Equal("disk gone at offset 1234", e.Message);
        Assert.Equal(4, consumed);
    }

    [Fact]
    public void A_consumer_failure_stops_the_producer()
    {
        long made = 0;
        var thrown = Assert.Throws<InvalidOperationException>(() => BatchPipeline.Run<int>(batch =>
        {
            Interlocked.Increment(ref made);
            return batch.Length; // endless
        }, (_, _) => throw new InvalidOperationException("output closed"), batchSize: 8, depth: 2));
        Assert.Equal("output closed", thrown.Message);
        // Run returns only once the producer has ended, so nothing is made after it: no waiting to see.
        long after = Interlocked.Read(ref made);
        Assert.InRange(after, 1, 4);
    }

    [Fact]
    public void The_callers_token_stops_the_producer_and_is_thrown_after_the_batches_published()
    {
        using var cancel = new CancellationTokenSource();
        var seen = new List<int>();
        int made = 0;
        Assert.ThrowsAny<OperationCanceledException>(() => BatchPipeline.Run(() => new List<int>(), b => b.Clear(), batches =>
        {
            while (true) // endless: only the token ends it
            {
                batches.Current.Add(made++);
                batches.Publish();
            }
        }, b =>
        {
            seen.AddRange(b);
            if (seen.Count == 10) cancel.Cancel();
        }, depth: 2, cancel.Token));
        // Every batch published before the stop was consumed, in order, and few were made past it: two batches
        // exist, so the producer can be at most one published and one in hand ahead.
        Assert.Equal(Enumerable.Range(0, seen.Count), seen);
        Assert.InRange(seen.Count, 10, 11);
        Assert.InRange(made, seen.Count, 12);
    }
}
