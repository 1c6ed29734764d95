using System.Buffers.Binary;
using System.Text;
using Sockscope.Etl.Writing;
using Sockscope.Schema;

namespace Sockscope.Synthesis;

/// <summary>The fields the synthesiser sets, by name: a schema field of another name is written as zero.</summary>
internal enum F : byte
{
    None, EnterExit, Location, Process, Endpoint, AddressFamily, SocketType, Protocol, ProcessId, Status, BufferCount,
    Buffer, BufferLength, AddressLen, Address, AcceptEndpoint, CurrentBacklog, Reason, Option, Value, Backlog, FastPath,
    Port, Error, UserModePid, PacketSize, ListenEndpoint, BytesIndicated, EventMask, SendBacklog, ErrorCode, Socket,
    FailurePoint, IsProviderSocket, SocketAccepted, SocketListening, Level, OptName, OptLen, OptVal, AddressLength,
    NodeName, ServiceName, Flags, Family, Result,
    Count,
}

/// <summary>One event's field values, reused from event to event (numbers, bytes and strings by <see cref="F"/>).</summary>
internal sealed class EventData
{
    public readonly ulong[] N = new ulong[(int)F.Count];
    public readonly byte[]?[] B = new byte[]?[(int)F.Count];
    public readonly string?[] S = new string?[(int)F.Count];

    public EventData Clear()
    {
        Array.Clear(N);
        Array.Clear(B);
        Array.Clear(S);
        return this;
    }

    public EventData Set(F f, ulong value) { N[(int)f] = value; return this; }
    public EventData Set(F f, byte[]? bytes) { B[(int)f] = bytes; return this; }
    public EventData Set(F f, string? text) { S[(int)f] = text; return this; }
}

/// <summary>
/// An event of the catalog laid out for writing fast: the descriptor values of its header and, per field, where its
/// value comes from. Lays payloads out as <see cref="PayloadBuilder"/> does (pointers in the record's size, Booleans in
/// 4 bytes, ports in network order, a Binary's length field from its bytes, strings NUL-terminated) without allocating.
/// </summary>
internal sealed class EventTemplate
{
    private readonly F[] _ids;
    private readonly InType[] _in;
    private readonly OutType[] _out;
    private readonly int[] _fixed;
    private readonly F[] _lengthOf;

    public EventSchema Schema { get; }
    public int PointerSize { get; }
    public bool Is32Bit { get; }
    /// <summary>The header's descriptor values; the writer sets process, thread and time per event.</summary>
    public EventHeaderValues Header;
    /// <summary>Events written with this template.</summary>
    public long Count;

    public EventTemplate(EventSchema schema, int pointerSize, bool is32Bit, byte channel, ulong extraKeywords)
    {
        Schema = schema;
        PointerSize = pointerSize;
        Is32Bit = is32Bit;
        int n = schema.Fields.Count;
        _ids = new F[n];
        _in = new InType[n];
        _out = new OutType[n];
        _fixed = new int[n];
        _lengthOf = new F[n];
        for (int i = 0; i < n; i++)
        {
            var f = schema.Fields[i];
            _ids[i] = Enum.TryParse<F>(f.Name, ignoreCase: false, out var id) && id != F.Count ? id : F.None;
            _in[i] = f.InType;
            _out[i] = f.EffectiveOutType;
            _fixed[i] = f.FixedLength;
        }
        for (int i = 0; i < n; i++)
            if (schema.Fields[i].LengthField >= 0) _lengthOf[schema.Fields[i].LengthField] = _ids[i];
        Header = new EventHeaderValues
        {
            ProviderId = schema.Provider.Guid,
            Id = schema.Id,
            Version = schema.Version,
            Channel = channel,
            Level = (byte)schema.Level.Value,
            Opcode = (byte)schema.Opcode.Value,
            Task = (ushort)schema.Task.Value,
            Keywords = schema.Keywords | extraKeywords,
            Is32Bit = is32Bit,
        };
    }

    public bool Has(F field) => Array.IndexOf(_ids, field) >= 0;

    /// <summary>Writes the payload; returns its length.</summary>
    public int Write(EventData d, Span<byte> dest)
    {
        int o = 0;
        for (int i = 0; i < _ids.Length; i++)
        {
            int id = (int)_ids[i];
            ulong n = d.N[id];
            if (_lengthOf[i] != F.None) n = (ulong)(d.B[(int)_lengthOf[i]]?.Length ?? 0);
            byte[]? bytes = d.B[id];
            switch (_in[i])
            {
                case InType.Int8: case InType.UInt8:
                    dest[o++] = (byte)n;
                    break;
                case InType.Int16: case InType.UInt16:
                    if (_out[i] == OutType.Port) BinaryPrimitives.WriteUInt16BigEndian(dest[o..], (ushort)n);
                    else BinaryPrimitives.WriteUInt16LittleEndian(dest[o..], (ushort)n);
                    o += 2;
                    break;
                case InType.Int32: case InType.UInt32: case InType.HexInt32: case InType.Boolean:
                    if (bytes is { Length: 4 }) bytes.CopyTo(dest[o..]);
                    else BinaryPrimitives.WriteUInt32LittleEndian(dest[o..], (uint)n);
                    o += 4;
                    break;
                case InType.Int64: case InType.UInt64: case InType.HexInt64:
                    BinaryPrimitives.WriteUInt64LittleEndian(dest[o..], n);
                    o += 8;
                    break;
                case InType.Pointer: case InType.SizeT:
                    if (PointerSize == 4) { BinaryPrimitives.WriteUInt32LittleEndian(dest[o..], (uint)n); o += 4; }
                    else { BinaryPrimitives.WriteUInt64LittleEndian(dest[o..], n); o += 8; }
                    break;
                case InType.Guid:
                    dest.Slice(o, 16).Clear();
                    bytes?.AsSpan(0, Math.Min(16, bytes.Length)).CopyTo(dest[o..]);
                    o += 16;
                    break;
                case InType.Binary:
                    if (_fixed[i] >= 0)
                    {
                        dest.Slice(o, _fixed[i]).Clear();
                        bytes?.AsSpan(0, Math.Min(_fixed[i], bytes.Length)).CopyTo(dest[o..]);
                        o += _fixed[i];
                    }
                    else if (bytes is not null)
                    {
                        bytes.CopyTo(dest[o..]);
                        o += bytes.Length;
                    }
                    break;
                case InType.UnicodeString:
                    o += Encoding.Unicode.GetBytes(d.S[id] ?? "", dest[o..]);
                    dest[o++] = 0;
                    dest[o++] = 0;
                    break;
                case InType.AnsiString:
                    o += Encoding.ASCII.GetBytes(d.S[id] ?? "", dest[o..]);
                    dest[o++] = 0;
                    break;
                default:
                    throw new NotSupportedException($"{Schema.Provider.Name} event {Schema.Id}: field {Schema.Fields[i].Name} ({_in[i]}) cannot be synthesised");
            }
        }
        return o;
    }
}
