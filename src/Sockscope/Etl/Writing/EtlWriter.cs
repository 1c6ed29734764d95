using Sockscope.Etl.Xpress;

namespace Sockscope.Etl.Writing;

/// <summary>
/// Writes ETL files as an ETW session does: a logfile header buffer, then per-processor buffers of records flushed
/// as they fill, XPRESS-compressed when asked. Any record of any header kind can be written; the typed methods lay
/// them out with <see cref="TraceRecordEncoder"/>. The logfile header is completed when the writer is disposed.
/// </summary>
internal sealed class EtlWriter : IDisposable
{
    private const int CompressedHeaderBufferSize = 0x400;

    private readonly Stream _out;
    private readonly bool _ownsStream;
    private readonly EtlWriterOptions _options;
    private readonly ProcessorBuffer[] _buffers;
    private readonly byte[] _record = new byte[TraceRecordEncoder.MaxRecordSize + 8];
    private readonly byte[] _packed;
    private readonly int _headerBufferSize;
    private long _sequence;
    private long _lastTimestamp;
    private bool _disposed;

    /// <summary>Buffers written so far, the header buffer included.</summary>
    public long BuffersWritten { get; private set; }
    /// <summary>Records written so far, the logfile header record included.</summary>
    public long RecordsWritten { get; private set; }
    /// <summary>The settings.</summary>
    public EtlWriterOptions Options => _options;

    private sealed class ProcessorBuffer
    {
        public readonly byte[] Data;
        public int Filled = WmiBufferHeader.Size;
        public WmiBufferFlags Flags;
        public long LastTimestamp;
        public ProcessorBuffer(int size) => Data = new byte[size];
    }

    /// <summary>Creates a writer on a seekable stream (the header is patched at the end).</summary>
    public EtlWriter(Stream output, EtlWriterOptions? options = null, bool leaveOpen = false)
    {
        _options = options ?? new EtlWriterOptions();
        if (!output.CanSeek || !output.CanWrite) throw new ArgumentException("the output must be writable and seekable", nameof(output));
        if (_options.PointerSize is not (4 or 8)) throw new ArgumentException("pointer size must be 4 or 8");
        if (_options.ProcessorCount is < 1 or > 4096) throw new ArgumentException("processor count must be 1 … 4096");
        if (_options.BufferSize < 1024 || _options.BufferSize % 8 != 0 || _options.BufferSize > 16 * 1024 * 1024)
            throw new ArgumentException("buffer size must be a multiple of 8 from 1 KiB to 16 MiB");
        _out = output;
        _ownsStream = !leaveOpen;
        _buffers = new ProcessorBuffer[_options.ProcessorCount];
        for (int i = 0; i < _buffers.Length; i++) _buffers[i] = new ProcessorBuffer(_options.BufferSize);
        _packed = _options.Compress ? new byte[XpressEncoder.MaxCompressedLength(_options.BufferSize) + WmiBufferHeader.Size] : [];
        _headerBufferSize = _options.Compress ? CompressedHeaderBufferSize : _options.BufferSize;
        _lastTimestamp = _options.StartTimestamp;
        WriteHeaderBuffer(endTime: 0, buffersWritten: 1);
    }

    /// <summary>Creates (or overwrites) a file.</summary>
    public static EtlWriter Create(string path, EtlWriterOptions? options = null) =>
        new(new FileStream(path, FileMode.Create, FileAccess.ReadWrite, FileShare.Read, 1 << 20), options);

    /// <summary>Writes an EVENT_HEADER event (manifest, EventSource or TraceLogging).</summary>
    public void WriteEvent(int processor, in EventHeaderValues header, ReadOnlySpan<byte> userData,
        ReadOnlySpan<ExtendedDataItemValue> extendedData = default)
    {
        int size = TraceRecordEncoder.EventHeader(_record, header, userData, extendedData);
        Append(processor, _record.AsSpan(0, size), header.Timestamp);
    }

    /// <summary>Writes a kernel-logger event (SYSTEM, COMPACT or PERFINFO header by <paramref name="type"/>).</summary>
    public void WriteKernelEvent(int processor, TraceHeaderType type, byte group, byte opcode, ushort version,
        uint threadId, uint processId, long timestamp, ReadOnlySpan<byte> data)
    {
        int size = TraceRecordEncoder.Kernel(_record, type, group, opcode, version, threadId, processId, timestamp, data);
        Append(processor, _record.AsSpan(0, size), timestamp);
    }

    /// <summary>Writes a classic provider's event (EVENT_TRACE_HEADER or EVENT_INSTANCE_GUID_HEADER by <paramref name="type"/>).</summary>
    public void WriteClassicEvent(int processor, TraceHeaderType type, Guid guid, byte eventType, byte level,
        ushort version, uint threadId, uint processId, long timestamp, ReadOnlySpan<byte> data,
        uint instanceId = 0, uint parentInstanceId = 0, Guid parentGuid = default)
    {
        int size = TraceRecordEncoder.Classic(_record, type, guid, eventType, level, version, threadId, processId,
            timestamp, data, instanceId, parentInstanceId, parentGuid);
        Append(processor, _record.AsSpan(0, size), timestamp);
    }

    /// <summary>Writes a WPP message (MESSAGE_TRACE_HEADER).</summary>
    public void WriteMessage(int processor, ushort messageNumber, ushort options, Guid messageGuid, uint sequence,
        long timestamp, uint threadId, uint processId, ReadOnlySpan<byte> data, uint componentId = 0)
    {
        int size = TraceRecordEncoder.Message(_record, messageNumber, options, messageGuid, componentId, sequence,
            timestamp, threadId, processId, data);
        Append(processor, _record.AsSpan(0, size), timestamp);
    }

    /// <summary>Flags the processor's current buffer: events were lost while it was current (WMI_BUFFER_FLAG_EVENTS_LOST).</summary>
    public void MarkEventsLost(int processor) => Buffer(processor).Flags |= WmiBufferFlags.EventsLost;

    /// <summary>Flags the processor's current buffer: a buffer was lost before it (WMI_BUFFER_FLAG_BUFFER_LOST).</summary>
    public void MarkBufferLost(int processor) => Buffer(processor).Flags |= WmiBufferFlags.BufferLost;

    /// <summary>Flushes one processor's buffer now, as a flush timer would.</summary>
    public void Flush(int processor)
    {
        var b = Buffer(processor);
        if (b.Filled > WmiBufferHeader.Size) FlushBuffer(processor, b, WmiBufferFlags.FlushMarker);
    }

    private ProcessorBuffer Buffer(int processor)
    {
        if ((uint)processor >= (uint)_buffers.Length)
            throw new ArgumentOutOfRangeException(nameof(processor), $"processor {processor} is not in 0 … {_buffers.Length - 1}");
        return _buffers[processor];
    }

    private void Append(int processor, ReadOnlySpan<byte> record, long timestamp)
    {
        ObjectDisposedException.ThrowIf(_disposed, this);
        var b = Buffer(processor);
        int aligned = (record.Length + 7) & ~7;
        if (aligned > _options.BufferSize - WmiBufferHeader.Size)
            throw new ArgumentException($"a record of {record.Length} bytes does not fit a {_options.BufferSize}-byte buffer");
        if (b.Filled + aligned > _options.BufferSize) FlushBuffer(processor, b, WmiBufferFlags.None);
        record.CopyTo(b.Data.AsSpan(b.Filled));
        b.Data.AsSpan(b.Filled + record.Length, aligned - record.Length).Clear();
        b.Filled += aligned;
        b.LastTimestamp = timestamp;
        if (timestamp > _lastTimestamp) _lastTimestamp = timestamp;
        RecordsWritten++;
    }

    private void FlushBuffer(int processor, ProcessorBuffer b, WmiBufferFlags extra)
    {
        var flags = b.Flags | extra | WmiBufferFlags.ProcessorIndex;
        int filled = b.Filled;
        var header = new WmiBufferHeader
        {
            TimeStamp = b.LastTimestamp,
            SequenceNumber = ++_sequence,
            ProcessorIndex = (ushort)processor,
            LoggerId = 1,
            FilledBytes = (uint)filled,
        };
        if (_options.Compress)
        {
            int packed = XpressEncoder.Compress(b.Data.AsSpan(WmiBufferHeader.Size, filled - WmiBufferHeader.Size),
                _packed.AsSpan(WmiBufferHeader.Size));
            header = header with
            {
                BufferSize = (uint)(WmiBufferHeader.Size + packed),
                SavedOffset = (uint)filled,
                BufferFlag = flags | WmiBufferFlags.Compressed,
            };
            header.Write(_packed);
            _out.Write(_packed, 0, WmiBufferHeader.Size + packed);
        }
        else
        {
            header = header with { BufferSize = (uint)_options.BufferSize, SavedOffset = (uint)filled, BufferFlag = flags };
            header.Write(b.Data);
            b.Data.AsSpan(filled).Fill(0xFF); // ETW pads a buffer's unused tail with 0xFF
            _out.Write(b.Data, 0, _options.BufferSize);
        }
        BuffersWritten++;
        b.Filled = WmiBufferHeader.Size;
        b.Flags = WmiBufferFlags.None;
    }

    private void WriteHeaderBuffer(long endTime, long buffersWritten)
    {
        var o = _options;
        var logfile = new TraceLogfileHeader
        {
            BufferSize = (uint)o.BufferSize,
            MajorVersion = o.MajorVersion,
            MinorVersion = o.MinorVersion,
            ProviderVersion = o.Build,
            NumberOfProcessors = (uint)o.ProcessorCount,
            EndTime = endTime,
            TimerResolution = 156250,
            LogFileMode = o.Compress ? TraceLogfileHeader.CompressedMode | 0x1u : 0x1u,
            BuffersWritten = (uint)Math.Min(buffersWritten, uint.MaxValue),
            PointerSize = (uint)o.PointerSize,
            EventsLost = o.EventsLost,
            CpuSpeedInMHz = o.CpuSpeedMHz,
            TimeZoneName = "Coordinated Universal Time",
            BootTime = EtlClock.ToFileTime(o.StartTime) - 36_000_000_000,
            PerfFreq = o.PerfFreq,
            StartTime = EtlClock.ToFileTime(o.StartTime),
            Clock = o.Clock,
            BuffersLost = o.BuffersLost,
            LoggerName = o.LoggerName,
            LogFileName = o.LogFileName,
        };
        var buffer = new byte[_headerBufferSize];
        var payload = new byte[_headerBufferSize];
        int payloadLength = logfile.Write(payload, o.PointerSize);
        var type = o.PointerSize == 4 ? TraceHeaderType.System32 : TraceHeaderType.System64;
        int size = TraceRecordEncoder.Kernel(buffer.AsSpan(WmiBufferHeader.Size), type, 0, 0, 2, o.HeaderThreadId,
            o.HeaderProcessId, o.StartTimestamp, payload.AsSpan(0, payloadLength));
        int filled = WmiBufferHeader.Size + ((size + 7) & ~7);
        if (filled > _headerBufferSize) throw new ArgumentException("the logger and file names are too long for the header buffer");
        new WmiBufferHeader
        {
            BufferSize = (uint)_headerBufferSize,
            SavedOffset = (uint)filled,
            TimeStamp = o.StartTimestamp,
            LoggerId = 1,
            FilledBytes = (uint)filled,
            BufferFlag = WmiBufferFlags.FlushMarker | (o.Compress ? WmiBufferFlags.None : WmiBufferFlags.ProcessorIndex),
            BufferType = 4,
        }.Write(buffer);
        buffer.AsSpan(filled).Fill(0xFF);
        _out.Position = 0;
        _out.Write(buffer);
        if (RecordsWritten == 0) { RecordsWritten = 1; BuffersWritten = 1; }
    }

    /// <summary>Flushes every processor's buffer, completes the logfile header and closes the output.</summary>
    public void Dispose()
    {
        if (_disposed) return;
        for (int i = 0; i < _buffers.Length; i++)
            if (_buffers[i].Filled > WmiBufferHeader.Size || _buffers[i].Flags != WmiBufferFlags.None)
                FlushBuffer(i, _buffers[i], WmiBufferFlags.FlushMarker);
        _disposed = true;
        long end = _out.Position;
        var clock = new EtlClock(_options.Clock, EtlClock.ToFileTime(_options.StartTime), _options.StartTimestamp,
            _options.PerfFreq, _options.CpuSpeedMHz);
        WriteHeaderBuffer(clock.ToFileTime(_lastTimestamp), BuffersWritten);
        _out.Position = end;
        _out.Flush();
        if (_ownsStream) _out.Dispose();
    }
}
