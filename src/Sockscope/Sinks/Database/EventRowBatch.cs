using Sockscope.Analysis;

namespace Sockscope.Sinks.Database;

/// <summary>
/// Rows of <c>events</c> (and the sockets completed meanwhile) made on the analysing thread, to be inserted on the
/// database's: integers in one array, text as UTF-8 slices of one buffer, so a batch costs no allocation once warm.
/// </summary>
internal sealed class EventRowBatch
{
    /// <summary>The integer columns, in <see cref="EventRowWriter"/>'s parameter order.</summary>
    public enum Number { Sequence, TimeNs, ProviderCode, EventId, Version, Opcode, Task, Level, Keywords, ProcessId, ThreadId, SocketId, EnterExit, Status, BufferLength, Count }

    /// <summary>The text columns, in <see cref="EventRowWriter"/>'s parameter order.</summary>
    public enum Text { Endpoint, StatusName, Address, NodeName, Json, Count }

    private const int Numbers = (int)Number.Count, Texts = (int)Text.Count;

    private readonly long[] _numbers;
    private readonly uint[] _nulls;
    private readonly int[] _textStart;
    private readonly int[] _textLength;
    private byte[] _text = new byte[1 << 20];
    private int _textUsed;

    public EventRowBatch(int capacity)
    {
        Capacity = capacity;
        _numbers = new long[capacity * Numbers];
        _nulls = new uint[capacity];
        _textStart = new int[capacity * Texts];
        _textLength = new int[capacity * Texts];
    }

    /// <summary>Rows the batch holds at most.</summary>
    public int Capacity { get; }

    /// <summary>Rows in the batch.</summary>
    public int Count { get; private set; }

    /// <summary>True when no more rows fit.</summary>
    public bool IsFull => Count == Capacity;

    /// <summary>Sockets completed while the batch's events were analysed (inserted with them).</summary>
    public List<SocketRecord> Sockets { get; } = new();

    /// <summary>Empties the batch for reuse.</summary>
    public void Clear()
    {
        Count = 0;
        _textUsed = 0;
        Sockets.Clear();
    }

    /// <summary>Starts a row: every column NULL until set.</summary>
    public void BeginRow() => _nulls[Count] = (1u << Numbers) - 1 | ((1u << Texts) - 1) << Numbers;

    /// <summary>Ends the row begun last.</summary>
    public void EndRow() => Count++;

    public void Set(Number column, long value)
    {
        _numbers[Count * Numbers + (int)column] = value;
        _nulls[Count] &= ~(1u << (int)column);
    }

    public void Set(Text column, ReadOnlySpan<byte> utf8)
    {
        if (_text.Length - _textUsed < utf8.Length) Array.Resize(ref _text, Math.Max(_text.Length * 2, _textUsed + utf8.Length));
        utf8.CopyTo(_text.AsSpan(_textUsed));
        int i = Count * Texts + (int)column;
        _textStart[i] = _textUsed;
        _textLength[i] = utf8.Length;
        _textUsed += utf8.Length;
        _nulls[Count] &= ~(1u << (Numbers + (int)column));
    }

    public bool IsNull(int row, Number column) => (_nulls[row] & 1u << (int)column) != 0;
    public bool IsNull(int row, Text column) => (_nulls[row] & 1u << (Numbers + (int)column)) != 0;
    public long Get(int row, Number column) => _numbers[row * Numbers + (int)column];

    public ReadOnlySpan<byte> Get(int row, Text column)
    {
        int i = row * Texts + (int)column;
        return _text.AsSpan(_textStart[i], _textLength[i]);
    }
}
