using System.Threading.Channels;
using Sockscope.Analysis;

namespace Sockscope.Tests.Analysis;

/// <summary>
/// The bounded hand-off the pipelines share: items cross threads in order through a channel smaller than the run, a
/// writer's exception reaches the taker after the items before it, and a cancelled wait ends on either side.
/// </summary>
public class HandOffTests
{
    [Fact]
    public void Items_cross_in_order_through_a_channel_smaller_than_the_run()
    {
        var handOff = new HandOff<int>(3);
        var writer = new Thread(() =>
        {
            for (int i = 0; i < 50_000; i++) handOff.Add(i);
            handOff.Complete();
        });
        writer.Start();
        var seen = new List<int>();
        while (handOff.TryTake(out int item)) seen.Add(item);
        writer.Join();
        Assert.Equal(Enumerable.Range(0, 50_000), seen);
        Assert.False(handOff.TryTake(out _));
    }

    [Fact]
    public void A_writer_failure_reaches_the_taker_after_the_items_before_it()
    {
        var handOff = new HandOff<string>(4);
        var failure = new IOException("disk gone at offset 1234");
        handOff.Add("a");
        handOff.Add("b");
        handOff.Complete(failure);
        Assert.True(handOff.TryTake(out var first));
        Assert.True(handOff.TryTake(out var second));
        Assert.Equal(("a", "b"), (first, second));
        var thrown = Assert.Throws<IOException>(() => handOff.TryTake(out _));
        Assert.Same(failure, thrown);
        // And again: a failure is not forgotten once thrown.
        Assert.Same(failure, Assert.Throws<IOException>(() => handOff.TryTake(out _)));
    }

    [Fact]
    public void Adding_after_the_end_is_refused_and_a_second_end_changes_nothing()
    {
        var handOff = new HandOff<int>(2);
        handOff.Add(7);
        handOff.Complete();
        handOff.Complete(new IOException("late"));
        Assert.Throws<ChannelClosedException>(() => handOff.Add(8));
        Assert.True(handOff.TryTake(out int item));
        Assert.Equal(7, item);
        Assert.False(handOff.TryTake(out _));
    }

    [Fact]
    public void A_writer_waiting_for_room_stops_when_cancelled()
    {
        var handOff = new HandOff<int>(1);
        handOff.Add(1);
        using var stop = new CancellationTokenSource();
        Exception? seen = null;
        var writer = new Thread(() =>
        {
            try
            {
                handOff.Add(2, stop.Token); // full: waits until cancelled (before or during the wait, the same)
            }
            catch (Exception e)
            {
                seen = e;
            }
        });
        writer.Start();
        stop.Cancel();
        writer.Join();
        Assert.IsAssignableFrom<OperationCanceledException>(seen);
        // The item waiting is still there, and the refused one never arrived.
        handOff.Complete();
        Assert.True(handOff.TryTake(out int item));
        Assert.Equal(1, item);
        Assert.False(handOff.TryTake(out _));
    }

    [Fact]
    public void A_taker_waiting_for_an_item_stops_when_cancelled()
    {
        var handOff = new HandOff<int>(1);
        using var stop = new CancellationTokenSource();
        Exception? seen = null;
        var taker = new Thread(() =>
        {
            try
            {
                handOff.TryTake(out _, stop.Token);
            }
            catch (Exception e)
            {
                seen = e;
            }
        });
        taker.Start();
        stop.Cancel();
        taker.Join();
        Assert.IsAssignableFrom<OperationCanceledException>(seen);
    }
}
