using System.Threading.Channels;

namespace Sockscope.Analysis;

/// <summary>
/// A bounded channel between threads of the program's own that block: <see cref="Add"/> waits while it is full (the
/// back-pressure that keeps memory fixed), <see cref="TryTake"/> waits while it is empty and, once the writing side
/// has called <see cref="Complete"/>, gives every item added before and then false, or throws the exception the
/// writer completed it with. Both waits end with an <see cref="OperationCanceledException"/> when their token is
/// cancelled.
/// </summary>
/// <remarks>
/// The waiting side is woken on the thread that adds or completes (synchronous continuations), never through the
/// thread pool: a host that keeps every pool thread busy (a test runner does) would otherwise hold up the hand-off.
/// The fast paths (room to add, an item to take) allocate nothing; a wait allocates one task.
/// </remarks>
internal sealed class HandOff<T>
{
    private readonly Channel<T> _channel;

    public HandOff(int capacity) =>
        _channel = Channel.CreateBounded<T>(new BoundedChannelOptions(capacity)
        {
            FullMode = BoundedChannelFullMode.Wait,
            AllowSynchronousContinuations = true,
        });

    /// <summary>Adds an item, waiting for room. Throws <see cref="ChannelClosedException"/> once completed.</summary>
    public void Add(T item, CancellationToken cancellation = default)
    {
        if (_channel.Writer.TryWrite(item)) return;
        _channel.Writer.WriteAsync(item, cancellation).AsTask().GetAwaiter().GetResult();
    }

    /// <summary>
    /// Takes the oldest item, waiting for one; false once the channel is completed and empty. Throws the exception
    /// it was completed with, after the items added before it.
    /// </summary>
    public bool TryTake(out T item, CancellationToken cancellation = default)
    {
        while (!_channel.Reader.TryRead(out item!))
        {
            if (!_channel.Reader.WaitToReadAsync(cancellation).AsTask().GetAwaiter().GetResult()) return false;
        }
        return true;
    }

    /// <summary>No more items: takers get those waiting, then false, or <paramref name="failure"/> thrown.</summary>
    public void Complete(Exception? failure = null) => _channel.Writer.TryComplete(failure); // a second call changes nothing
}
