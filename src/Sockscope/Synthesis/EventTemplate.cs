using System.Buffers.Binary;
using System.Text;
using Sockscope.Etl.Writing;
using Sockscope.Schema;

namespace Sockscope.Synthesis;

/// <summary>
/// An event of the catalog laid out for writing fast: the descriptor values of its header and, per field, where its
/// value comes from. Lays payloads out as <see cref="PayloadBuilder"/> does (pointers in the record's size, Booleans in
/// 4 bytes, ports in network order, a Binary's length field from its bytes, strings NUL-terminated) without allocating.
/// </summary>
internal sealed class EventTemplate
{
    private readonly SimField[] _ids;
    private readonly InType[] _in;
    private readonly OutType[] _out;
    private readonly int[] _fixed;
    private readonly SimField[] _lengthOf;

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
        _ids = new SimField[n];
        _in = new InType[n];
        _out = new OutType[n];
        _fixed = new int[n];
        _lengthOf = new SimField[n];
        for (int i = 0; i < n; i++)
        {
            var f = schema.Fields[i];
            _ids[i] = Enum.TryParse<SimField>(f.Name, ignoreCase: false, out var id) && id != SimField.Count ? id : SimField.None;
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

    public bool Has(SimField field) => Array.IndexOf(_ids, field) >= 0;

    /// <summary>Writes the payload; returns its length.</summary>
    public int Write(EventData d, Span<byte> dest)
    {
        int o = 0;
        for (int i = 0; i < _ids.Length; i++)
        {
            int id = (int)_ids[i];
            ulong n = d.N[id];
            if (_lengthOf[i] != SimField.None) n = (ulong)(d.B[(int)_lengthOf[i]]?.Length ?? 0);
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
