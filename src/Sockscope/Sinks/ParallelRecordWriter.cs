using System.Buffers;
using System.Runtime.ExceptionServices;
using Sockscope.Analysis;
using Sockscope.Etl;
using Sockscope.Events;

namespace Sockscope.Sinks;

/// <summary>Formats a batch of records into the output the worker was made with.</summary>
/// <param name="records">The records, in trace order.</param>
internal delegate void RecordBatchFormatter(EtlRecordBatch records);

/// <summary>Takes formatted bytes, in the order of the records they came from.</summary>
internal delegate void FormattedOutput(ReadOnlySpan<byte> bytes);

/// <summary>
/// Formats records on several threads while the caller reads them, and hands the output on in the records' order:
/// the caller copies each record in with <see cref="Add"/> (a batch at a time goes to a worker), each worker decodes
/// and formats whole batches into memory of its own, and the caller's thread writes finished batches in turn. A fixed
/// ring of batches goes round, so memory does not grow with the trace; when every batch is busy the caller waits.
/// </summary>
/// <remarks>
/// Provider names the trace teaches as it goes (<see cref="ProviderNames.Learn"/> on the caller's thread) reach each
/// batch as they were when its records were read: a batch ends where the names change, and a worker takes the
/// batch's copy of them before formatting it. So the output is the same, byte for byte, as formatting every record on
/// one thread. A worker's exception stops the writer and is thrown to the caller from <see cref="Add"/> or
/// <see cref="Complete"/>, after the batches before it were written.
/// </remarks>
internal sealed class ParallelRecordWriter : IDisposable
{
    private sealed class Slot(int records, int bytes, int outputBytes)
    {
        public readonly EtlRecordBatch Records = new(records, bytes);
        public readonly ArrayBufferWriter<byte> Output = new(outputBytes);
        public readonly ManualResetEventSlim Done = new(false);
        public ProviderNames Names = null!;
        public ExceptionDispatchInfo? Failure;
    }

    /// <summary>An output a worker's formatter is made with, pointed at each batch's memory in turn.</summary>
    private sealed class Redirect : IBufferWriter<byte>
    {
        public ArrayBufferWriter<byte> Target = null!;
        public void Advance(int count) => Target.Advance(count);
        public Memory<byte> GetMemory(int sizeHint = 0) => Target.GetMemory(sizeHint);
        public Span<byte> GetSpan(int sizeHint = 0) => Target.GetSpan(sizeHint);
    }

    private readonly Slot[] _ring;
    private readonly HandOff<Slot> _work; // filled slots, in ring order, to whichever worker is free
    private readonly Thread[] _workers;
    private readonly ProviderNames _names;
    private readonly FormattedOutput _write;
    private ProviderNames _snapshot;
    private long _filled; // batches handed to workers
    private long _written; // batches written
    private bool _completed;
    private bool _slotReady; // the slot at _filled is written, cleared and has its names

    /// <summary>Starts the workers.</summary>
    /// <param name="workers">Formatting threads (at least 1).</param>
    /// <param name="names">The names the caller teaches as it reads (it calls <see cref="ProviderNames.Learn"/> on
    /// each record before <see cref="Add"/>).</param>
    /// <param name="createFormatter">Makes one worker's formatter, given where it writes and the names it reads
    /// (kept up to date with each batch's). What a formatter writes as it is made (a CSV header row) is dropped: the
    /// caller writes such a preamble once, itself.</param>
    /// <param name="write">Takes the output, batch by batch in order, on the caller's thread.</param>
    /// <param name="batchRecords">Records a batch holds at most.</param>
    /// <param name="batchBytes">Bytes of records after which a batch is handed on.</param>
    public ParallelRecordWriter(int workers, ProviderNames names,
        Func<IBufferWriter<byte>, ProviderNames, RecordBatchFormatter> createFormatter, FormattedOutput write,
        int batchRecords = 512, int batchBytes = 1 << 17)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(workers, 1);
        ArgumentNullException.ThrowIfNull(names);
        ArgumentNullException.ThrowIfNull(createFormatter);
        _names = names;
        _write = write ?? throw new ArgumentNullException(nameof(write));
        _snapshot = Copy(names);
        // Two batches a worker: one being formatted while the other waits its turn or is being filled.
        _ring = new Slot[workers * 2 + 1];
        for (int i = 0; i < _ring.Length; i++) _ring[i] = new Slot(batchRecords, batchBytes, batchRecords * 512);
        _work = new HandOff<Slot>(_ring.Length);
        _workers = new Thread[workers];
        for (int i = 0; i < workers; i++)
        {
            var output = new Redirect { Target = new ArrayBufferWriter<byte>() };
            var own = new ProviderNames();
            var format = createFormatter(output, own);
            _workers[i] = new Thread(() => Work(format, output, own)) { IsBackground = true, Name = $"sockscope format {i}" };
            _workers[i].Start();
        }
    }

    private Slot Filling => _ring[_filled % _ring.Length];

    /// <summary>Copies a record in; hands its batch to a worker once full, writing finished batches meanwhile.</summary>
    public void Add(in EtlRecord record)
    {
        ObjectDisposedException.ThrowIf(_completed, this);
        var slot = Filling;
        if (_names.Version != _snapshot.Version)
        {
            if (_slotReady && slot.Records.Count > 0)
            {
                Submit(slot);
                slot = Filling;
            }
            _snapshot = Copy(_names);
            if (_slotReady) slot.Names = _snapshot;
        }
        if (!_slotReady)
        {
            // The slot comes round again: the batch it held a ring ago must be written before it is refilled.
            while (_filled - _written >= _ring.Length) WriteNext();
            slot.Names = _snapshot;
            _slotReady = true;
        }
        slot.Records.Add(record);
        if (slot.Records.IsFull) Submit(slot);
    }

    /// <summary>Hands on the last batch and writes everything, in order; throws a worker's exception.</summary>
    public void Complete()
    {
        if (_completed) return;
        var slot = Filling;
        if (_slotReady && slot.Records.Count > 0) Submit(slot);
        _work.Complete();
        _completed = true;
        while (_written < _filled) WriteNext();
    }

    private void Submit(Slot slot)
    {
        slot.Done.Reset();
        _work.Add(slot);
        _filled++;
        _slotReady = false;
        // Write what is finished already, so output streams out while reading goes on.
        while (_written < _filled && _ring[_written % _ring.Length].Done.IsSet) WriteNext();
    }

    private void WriteNext()
    {
        var slot = _ring[_written % _ring.Length];
        slot.Done.Wait();
        _written++;
        slot.Failure?.Throw();
        _write(slot.Output.WrittenSpan);
        slot.Output.ResetWrittenCount();
        slot.Records.Clear();
    }

    private void Work(RecordBatchFormatter format, Redirect output, ProviderNames own)
    {
        ProviderNames? current = null;
        while (_work.TryTake(out var slot))
        {
            try
            {
                if (!ReferenceEquals(current, slot.Names))
                {
                    own.CopyFrom(slot.Names);
                    current = slot.Names;
                }
                output.Target = slot.Output;
                format(slot.Records);
            }
            catch (Exception e)
            {
                slot.Failure = ExceptionDispatchInfo.Capture(e);
            }
            finally
            {
                slot.Done.Set();
            }
        }
    }

    private static ProviderNames Copy(ProviderNames names)
    {
        var copy = new ProviderNames();
        copy.CopyFrom(names);
        return copy;
    }

    /// <summary>Stops the workers (batches not yet written are dropped) and frees their memory.</summary>
    public void Dispose()
    {
        _completed = true;
        _work.Complete();
        foreach (var t in _workers) t.Join();
        foreach (var slot in _ring) slot.Done.Dispose();
    }
}
