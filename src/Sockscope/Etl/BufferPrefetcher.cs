using System.Buffers;
using System.Runtime.ExceptionServices;

namespace Sockscope.Etl;

/// <summary>
/// Decompresses a merge window's compressed buffers on a worker thread ahead of the reading thread, in the order the
/// merge will load them (<see cref="LoadOrder"/>), so that XPRESS decoding overlaps the framing, the merge and
/// whatever the caller does with each record.
/// </summary>
/// <remarks>
/// <para>
/// Every scheduled buffer is decompressed once, by whichever side claims it first: the worker (pending, then
/// decompressing, then ready in a slot), or the reading thread when it needs a buffer the worker has not reached
/// (pending, then taken), which it then decompresses itself. When the worker is on the very buffer the reading
/// thread needs, the worker is the slower of the two: rather than wait, the reading thread decompresses the next
/// pending buffer into a free slot, as the worker would, and so the two share the decompression. With no slot free
/// it spins a few microseconds for the worker to finish, and then takes the buffer back (decompressing, then
/// taken) and decompresses it itself; the worker drops its result when it is done. So the reading thread never
/// blocks on the worker: a worker thread the system has set aside (two cores shared by three threads) costs one
/// buffer's work twice, not a scheduling quantum.
/// </para>
/// <para>
/// The worker is a thread of its own, not the thread pool's: a host that keeps every pool thread busy (a test runner
/// does) would otherwise starve it. It sleeps when every slot holds a result or the window has nothing left for it,
/// is woken once a quarter of the slots are free again or a new window starts, and ends after a second of idleness, so a
/// reader that is never disposed leaves no thread behind for long. Disposal ends it at once.
/// </para>
/// <para>
/// A simpler design (a worker filling slots that go round a channel, the reading thread blocking for each in turn)
/// was measured against this one and was slower in every median of paired runs (BENCHMARKS.md, issue 14): the help and
/// the take-back are what this class is for.
/// </para>
/// <para>
/// A result is what happened (bytes read, how the stream ended, or the exception thrown); the reading thread
/// accounts for it as if it had done the work itself, so <see cref="EtlReader.Diagnostics"/> and
/// <see cref="EtlReader.BytesProcessed"/> do not depend on which thread decompressed what.
/// </para>
/// </remarks>
internal sealed class BufferPrefetcher : IDisposable
{
    /// <summary>
    /// Memory the decompressed buffers waiting to be taken may hold: 4 MiB, and at least two buffers whatever their
    /// size (so 32 MiB for pktmon's 16 MiB buffers). With ETW's usual 64 KiB buffers that is 64 buffers, a millisecond
    /// or two of reading: the worker is woken when a quarter of them have been taken, and the rest must last until it
    /// runs again, which on a loaded machine can take that long. Fewer let the reading thread run dry and do the work
    /// itself (measured on 2 cores: 4 slots left it a sixth of the buffers).
    /// </summary>
    public const int LookaheadBytes = 4 << 20;

    /// <summary>Most buffers waiting, however small they are.</summary>
    public const int MaximumSlots = 256;

    /// <summary>
    /// A window with fewer compressed buffers is decompressed on the reading thread alone: handing work to another
    /// thread costs more than it saves for a few buffers.
    /// </summary>
    public const int MinimumBuffers = 8;

    /// <summary>How long the worker thread waits for work before it ends (a later window starts another).</summary>
    private const int IdleMilliseconds = 1000;

    // States of a scheduled buffer; a value of 0 or more is the slot that holds its result.
    private const int Pending = -1;
    private const int Decompressing = -2;
    private const int Taken = -3;

    /// <summary>One decompressed buffer waiting for the reading thread, or room for one.</summary>
    private sealed class Slot
    {
        public byte[] Data = [];
        public BufferDecompression Result;
        public ExceptionDispatchInfo? Error;
        /// <summary>1 from when a thread claims the slot to fill it until the reading thread takes the result.</summary>
        public int Busy;
    }

    private readonly TraceBytes _file;
    private readonly object _gate = new();
    private Slot[] _slots = [];
    private int _slotCount;
    private int _freeSlots;
    private int _wakeAt;
    private int _nextSlot; // where the search for a free slot starts; either thread may move it, a stale value only costs a longer search

    // The window's schedule: set by BeginWindow while the worker is halted, read by both threads while it runs.
    private List<BufferEntry> _window = [];
    private int[] _order = [];
    private int[] _state = [];
    private int[] _positionOf = [];
    private int _count;
    private int _windowCount;

    private int _cursor;         // the worker's: no position before it is pending
    private byte[] _packed = []; // the worker's: the compressed bytes of the buffer in hand
    private byte[] _helperPacked = []; // the reading thread's, when it fills a slot

    private Thread? _thread;     // under _gate: the worker thread while it lives
    private bool _running;       // under _gate: the worker is using the schedule, the slots and the file
    private volatile bool _idle = true; // the worker sleeps or has ended: the reading thread must wake it
    private volatile bool _halted = true;
    private volatile bool _faulted;
    private bool _disposed;
    private Exception? _fault;

    public BufferPrefetcher(TraceBytes file) => _file = file;

    /// <summary>Buffers whose decompression the reading thread took ready (or waited for), for tests and benchmarks.</summary>
    internal long Prefetched { get; private set; }
    /// <summary>Scheduled buffers the reading thread decompressed itself because the worker had not reached them.</summary>
    internal long DecompressedInline { get; private set; }
    /// <summary>Buffers the reading thread decompressed into a slot while the worker was on the one it needed.</summary>
    internal long Helped { get; private set; }
    /// <summary>Buffers the reading thread took back from the worker and decompressed itself, the worker being slow to finish.</summary>
    internal long TakenBack { get; private set; }

    /// <summary>True while the worker sleeps (every slot full, or nothing left to do) or has ended, for tests.</summary>
    internal bool Idle => _idle;

    /// <summary>What stopped the worker for good, if anything did (only a bug can), for tests.</summary>
    internal Exception? Fault => _fault;

    /// <summary>True when the worker's result for window buffer <paramref name="index"/> waits to be taken, for tests.</summary>
    internal bool HasResultFor(int index) =>
        (uint)index < (uint)_windowCount && _positionOf[index] >= 0 && Volatile.Read(ref _state[_positionOf[index]]) >= 0;

    /// <summary>True when the worker thread has ended and every pooled array has been returned (after Dispose), for tests.</summary>
    internal bool Released
    {
        get
        {
            lock (_gate)
                return _thread is null && !_running && _packed.Length == 0 && _helperPacked.Length == 0 &&
                       _state.Length == 0 && _order.Length == 0 &&
                       _positionOf.Length == 0 && _slots.All(slot => slot is null || slot.Data.Length == 0);
        }
    }

    /// <summary>
    /// Schedules the compressed buffers of a new window and sets the worker on them. The window's entries must not
    /// change until <see cref="Halt"/>.
    /// </summary>
    /// <param name="window">The window's buffers.</param>
    /// <param name="streams">Each stream's buffers as indices into <paramref name="window"/>, the streams in rank order.</param>
    public void BeginWindow(List<BufferEntry> window, IReadOnlyList<List<int>> streams)
    {
        ObjectDisposedException.ThrowIf(_disposed, this);
        Halt();
        Reserve(ref _order, window.Count);
        Reserve(ref _state, window.Count);
        Reserve(ref _positionOf, window.Count);
        _window = window;
        _windowCount = window.Count;
        _count = LoadOrder.Build(window, streams, _order, _positionOf);
        _state.AsSpan(0, _count).Fill(Pending);
        _cursor = 0;

        int largest = WmiBufferHeader.Size;
        for (int p = 0; p < _count; p++) largest = Math.Max(largest, window[_order[p]].MemorySize);
        int slots = Math.Clamp(LookaheadBytes / largest, 2, MaximumSlots);
        PrepareSlots(Math.Min(slots, Math.Max(_count, 1)));

        lock (_gate)
        {
            _halted = false;
            Wake();
        }
    }

    /// <summary>Stops the worker and waits for it to put down the buffer in hand (at most one buffer's work).</summary>
    public void Halt()
    {
        lock (_gate)
        {
            _halted = true;
            while (_running) Monitor.Wait(_gate);
        }
    }

    /// <summary>
    /// Takes the decompressed window buffer <paramref name="index"/>: swaps the result's array with
    /// <paramref name="data"/> and gives what happened. False when the reading thread is to decompress the buffer
    /// itself (no window set, not scheduled, not reached by the worker, or taken back from it). Rethrows what the worker's read threw.
    /// </summary>
    public bool TryTake(int index, ref byte[] data, out BufferDecompression result)
    {
        result = default;
        // Halted: set on no window (too few compressed buffers), or disposed; the reading thread does it all.
        if (_halted || (uint)index >= (uint)_windowCount) return false;
        int p = _positionOf[index];
        if (p < 0) return false;
        while (true)
        {
            int state = Volatile.Read(ref _state[p]);
            if (state >= 0) return TakeFrom(p, _slots[state], ref data, out result);
            if (state == Taken) return false;
            if (state == Decompressing)
            {
                if (Help(p) || WorkerFinishes(p)) continue;
                if (Interlocked.CompareExchange(ref _state[p], Taken, Decompressing) == Decompressing)
                {
                    TakenBack++;
                    return false;
                }
            }
            else if (Interlocked.CompareExchange(ref _state[p], Taken, Pending) == Pending)
            {
                DecompressedInline++;
                return false;
            }
        }
    }

    private bool TakeFrom(int p, Slot slot, ref byte[] data, out BufferDecompression result)
    {
        _state[p] = Taken;
        (data, slot.Data) = (slot.Data, data);
        result = slot.Result;
        var error = slot.Error;
        slot.Error = null;
        Volatile.Write(ref slot.Busy, 0);
        Prefetched++;
        // The count is a full fence before the look at _idle; the worker sets _idle before it looks at the count.
        if (Interlocked.Increment(ref _freeSlots) >= _wakeAt && _idle)
        {
            lock (_gate) Wake();
        }
        error?.Throw();
        return true;
    }

    /// <summary>
    /// Decompresses the first pending buffer after position <paramref name="p"/> into a free slot; false when there
    /// is no such buffer within the lookahead or no free slot.
    /// </summary>
    private bool Help(int p)
    {
        int end = Math.Min(_count, p + 1 + _slotCount);
        for (int q = p + 1; q < end; q++)
        {
            if (Volatile.Read(ref _state[q]) != Pending) continue;
            int s = TryClaimSlot();
            if (s < 0) return false;
            if (Interlocked.CompareExchange(ref _state[q], Decompressing, Pending) != Pending)
            {
                ReleaseSlot(s);
                continue;
            }
            Fill(_slots[s], _window[_order[q]], ref _helperPacked);
            Interlocked.Exchange(ref _state[q], s);
            Helped++;
            return true;
        }
        return false;
    }

    /// <summary>
    /// Spins a few microseconds (less than a buffer's decompression) for the worker to finish position
    /// <paramref name="p"/>; false when it has not.
    /// </summary>
    private bool WorkerFinishes(int p)
    {
        var spin = new SpinWait();
        while (!spin.NextSpinWillYield)
        {
            spin.SpinOnce();
            if (Volatile.Read(ref _state[p]) != Decompressing) return true;
        }
        return false;
    }

    /// <summary>Under <see cref="_gate"/>: wakes the worker, or starts a thread when it has ended.</summary>
    private void Wake()
    {
        if (_faulted || _halted || _disposed) return;
        if (_thread is null)
        {
            _idle = false;
            _thread = new Thread(Run) { IsBackground = true, Name = "sockscope decompression" };
            _thread.Start();
            return;
        }
        // Busy from now: the reading thread need not wake it again before it has looked for work and found none.
        _idle = false;
        Monitor.PulseAll(_gate);
    }

    private bool HasWork() => !_halted && !_faulted && _cursor < _count && Volatile.Read(ref _freeSlots) > 0;

    private void Run()
    {
        while (true)
        {
            lock (_gate)
            {
                while (true)
                {
                    if (_disposed) return;
                    // Say so before looking for work: the reading thread frees a slot and then looks at _idle.
                    _idle = true;
                    Interlocked.MemoryBarrier();
                    if (HasWork()) break;
                    if (!Monitor.Wait(_gate, IdleMilliseconds) && !HasWork())
                    {
                        _thread = null;
                        return;
                    }
                }
                _idle = false;
                _running = true;
            }
            try
            {
                Work();
            }
            catch (Exception e)
            {
                // Only a bug gets here (a buffer's own failures are its result). Stop prefetching; the reading thread
                // takes back a buffer left half done, as it would from a slow worker.
                _fault = e;
                _faulted = true;
            }
            finally
            {
                lock (_gate)
                {
                    _running = false;
                    Monitor.PulseAll(_gate);
                }
            }
        }
    }

    private void Work()
    {
        int[] state = _state;
        int[] order = _order;
        List<BufferEntry> window = _window;
        int count = _count;
        int p = _cursor;
        while (!_halted)
        {
            while (p < count && Volatile.Read(ref state[p]) != Pending) p++;
            _cursor = p;
            if (p >= count) return;
            int s = TryClaimSlot();
            if (s < 0) return;
            if (Interlocked.CompareExchange(ref state[p], Decompressing, Pending) != Pending)
            {
                ReleaseSlot(s);
                continue;
            }
            Fill(_slots[s], window[order[p]], ref _packed);
            // The reading thread may have taken the buffer back meanwhile: then the result is not wanted.
            if (Interlocked.CompareExchange(ref state[p], s, Decompressing) != Decompressing) ReleaseSlot(s);
            p++;
        }
    }

    /// <summary>Claims a free slot for the calling thread to fill; -1 when every slot is busy.</summary>
    private int TryClaimSlot()
    {
        if (Volatile.Read(ref _freeSlots) == 0) return -1;
        // Slots are taken back in about the order they were filled: the one after the last claimed is likely free.
        int start = _nextSlot;
        for (int k = 0; k < _slotCount; k++)
        {
            int i = start + k < _slotCount ? start + k : start + k - _slotCount;
            if (Interlocked.CompareExchange(ref _slots[i].Busy, 1, 0) == 0)
            {
                Interlocked.Decrement(ref _freeSlots);
                _nextSlot = i + 1 < _slotCount ? i + 1 : 0;
                return i;
            }
        }
        return -1;
    }

    private void ReleaseSlot(int s)
    {
        Volatile.Write(ref _slots[s].Busy, 0);
        Interlocked.Increment(ref _freeSlots);
    }

    private void Fill(Slot slot, in BufferEntry entry, ref byte[] packed)
    {
        try
        {
            Reserve(ref slot.Data, entry.MemorySize);
            Reserve(ref packed, entry.Size);
            slot.Result = BufferDecompression.Run(_file, entry, packed, slot.Data);
            slot.Error = null;
        }
        catch (Exception e)
        {
            slot.Result = default;
            slot.Error = ExceptionDispatchInfo.Capture(e);
        }
    }

    private void PrepareSlots(int count)
    {
        if (_slots.Length < count) Array.Resize(ref _slots, count);
        for (int i = 0; i < _slots.Length; i++)
        {
            _slots[i] ??= new Slot();
            var slot = _slots[i];
            slot.Busy = 0;
            slot.Error = null;
            if (i >= count) Release(ref slot.Data);
        }
        _slotCount = count;
        _freeSlots = count;
        _nextSlot = 0;
        _wakeAt = Math.Max(1, count / 4);
    }

    private static void Reserve<T>(ref T[] array, int size)
    {
        if (array.Length >= size) return;
        Release(ref array);
        array = ArrayPool<T>.Shared.Rent(size);
    }

    private static void Release<T>(ref T[] array)
    {
        if (array.Length > 0) ArrayPool<T>.Shared.Return(array);
        array = [];
    }

    /// <summary>Ends the worker thread (after the buffer in hand, if any) and returns every pooled array.</summary>
    public void Dispose()
    {
        Thread? thread;
        lock (_gate)
        {
            if (_disposed) return;
            _disposed = true;
            _halted = true;
            Monitor.PulseAll(_gate);
            while (_running) Monitor.Wait(_gate);
            thread = _thread;
            _thread = null;
        }
        // It has nothing left but to see _disposed and return.
        thread?.Join();
        foreach (var slot in _slots)
            if (slot is not null) Release(ref slot.Data);
        Release(ref _packed);
        Release(ref _helperPacked);
        Release(ref _order);
        Release(ref _state);
        Release(ref _positionOf);
        _windowCount = 0;
        _count = 0;
    }
}
