using System.Buffers.Binary;
using System.Globalization;
using System.Runtime.InteropServices;
using System.Text;
using System.Runtime.CompilerServices;
using Sockscope.Decoding;
using Sockscope.Etl;
using Sockscope.Events;
using Sockscope.Schema;

namespace Sockscope.Analysis;

/// <summary>
/// Lifts what the socket analysis reads out of decoded Winsock events (fields found by name, once per schema) and
/// kernel Process events, into <see cref="SocketEvent"/>s. Not thread-safe; one per reading thread.
/// </summary>
internal sealed class SocketEventReader
{
    internal static readonly Guid Afd = new("E53C6823-7BB8-44BB-90DC-3F86090D48A6");
    internal static readonly Guid Sockets = new("BDE46AEA-2357-51FE-7367-D5296F530BD1");
    internal static readonly Guid NameResolution = new("55404E71-4DB9-4DEB-A5F5-8F86E46DDE56");

    private readonly EventRoles _roles = new();
    private readonly Dictionary<int, Known?> _afd = new();
    private readonly Dictionary<int, Known?> _sockets = new();
    // How the catalog lays each lookup result out, by (an asynchronous result or not, version): 0 not looked at yet, then a Lookup value.
    private readonly byte[] _lookupLayouts = new byte[512];

    // The manifests of newer builds dropped these maps; the values are those of the Windows 7 manifest.
    private static readonly Dictionary<ulong, string> DropReasons = Windows7Map("AFD_DGRAM_DROP_ValueMap");
    private static readonly Dictionary<ulong, string> AfdOptions = Windows7Map("AFD_OPTION_ValueMap");
    private static readonly Dictionary<ulong, string> AbortReasons = Windows7Map("AFD_ABORT_ValueMap");

    /// <summary>
    /// The schema of the AFD or Winsock-Sockets event the last successful <see cref="TryRead(in EtlRecord, EventDecoder, ref SocketEvent)"/>
    /// read; null after a name lookup (its schema is the decoder's to tell).
    /// </summary>
    public EventSchema? LastSchema { get; private set; }

    private static Dictionary<ulong, string> Windows7Map(string name) =>
        Schema.SchemaCatalog.Winsock.Find(Afd)!.Maps.GetValueOrDefault(name)?.Entries.ToDictionary(e => e.Key, e => e.Value) ?? new();

    /// <summary>
    /// Fills <paramref name="e"/> from a decoded event; false (and <paramref name="e"/> left as it was) when the
    /// event is from neither Winsock-AFD nor Winsock-Sockets, nor a Winsock-NameResolution lookup result.
    /// </summary>
    public bool TryRead(in EtlRecord record, in DecodedEvent decoded, ref SocketEvent e)
    {
        if (IsLookupResult(decoded.Schema.Provider.Guid, record.Id)) return ReadLookup(record, decoded, ref e);
        if (SourceOf(decoded.Schema, record.Id) is not { } source) return false;
        var r = new RoleReader(decoded, _roles.Of(decoded.Schema));
        Fill(record, source, ref r, ref e);
        return true;
    }

    /// <summary>
    /// Fills <paramref name="e"/> from a record, reading the fields the analysis needs straight from the payload
    /// where they lie at fixed offsets, and decoding it with <paramref name="decoder"/> otherwise; false (and
    /// <paramref name="e"/> left as it was) when the record is no Winsock-AFD or Winsock-Sockets event (or
    /// Winsock-NameResolution lookup result) the decoder's catalog knows.
    /// </summary>
    public bool TryRead(in EtlRecord record, EventDecoder decoder, ref SocketEvent e)
    {
        if (record.Family != TraceHeaderFamily.EventHeader) return false;
        var provider = record.ProviderId;
        Dictionary<int, Known?> known;
        if (provider == Afd) known = _afd;
        else if (provider == Sockets) known = _sockets;
        else
        {
            LastSchema = null;
            return IsLookupResult(provider, record.Id) && ReadLookup(record, decoder, ref e);
        }
        int key = record.Id << 8 | (byte)record.Version;
        if (!known.TryGetValue(key, out var k))
        {
            if (decoder.SchemaOf(record) is { } schema && SourceOf(schema, record.Id) is { } source) k = new Known(schema, source, _roles.Of(schema));
            if (known.Count < 65_536) known[key] = k;
        }
        if (k is null) return false;
        LastSchema = k.Schema;
        var payload = record.UserData;
        if (k.Layout(record.PointerSize) is { } layout && payload.Length >= layout.Needed && layout.TryAddress(payload, out var address, out int addressEnd))
        {
            var fixedReader = new FixedRoleReader(payload, layout, address, addressEnd);
            Fill(record, k.Source, ref fixedReader, ref e);
            return true;
        }
        var decoded = decoder.Decode(k.Schema, payload, record.PointerSize);
        var r = new RoleReader(decoded, k.Indices);
        Fill(record, k.Source, ref r, ref e);
        return true;
    }

    private static bool IsLookupResult(Guid provider, ushort id) => provider == NameResolution && id is NameResolutionEventIds.Result or NameResolutionEventIds.AsyncResult;

    private enum Lookup : byte { Unread, Unknown, Plain, Other }

    /// <summary>
    /// A lookup result read straight from its payload when laid out as every build logs it (NodeName, Status,
    /// Result; both strings ending in their terminators), and decoded in full otherwise: same values either way.
    /// </summary>
    /// <remarks>
    /// Lookups are rare, yet a busy host logs thousands: enough for the runtime to compile the general decoder's
    /// methods a second time, optimised, for them alone. Read here, they cost a few small methods.
    /// </remarks>
    [MethodImpl(MethodImplOptions.NoInlining)]
    private bool ReadLookup(in EtlRecord record, EventDecoder decoder, ref SocketEvent e)
    {
        int slot = (record.Id == NameResolutionEventIds.AsyncResult ? 256 : 0) + (byte)record.Version;
        var layout = (Lookup)_lookupLayouts[slot];
        if (layout == Lookup.Unread) _lookupLayouts[slot] = (byte)(layout = LayoutOf(decoder.SchemaOf(record)));
        if (layout == Lookup.Unknown) return false;
        return layout == Lookup.Plain && ReadPlainLookup(record, ref e) || DecodeLookup(record, decoder, ref e);
    }

    private static Lookup LayoutOf(EventSchema? schema)
    {
        if (schema is null) return Lookup.Unknown;
        var f = schema.Fields;
        return f.Count == 3 && IsTerminatedText(f[0], "NodeName") && f[1] is { Name: "Status", InType: InType.UInt32, FixedCount: 1, CountField: -1 }
            && IsTerminatedText(f[2], "Result") ? Lookup.Plain : Lookup.Other;
    }

    private static bool IsTerminatedText(FieldSchema f, string name) =>
        f is { InType: InType.UnicodeString, FixedLength: -1, LengthField: -1, FixedCount: 1, CountField: -1 } && f.Name == name;

    // What the decoder reads from the same bytes: each string up to its terminator (a zero at an even offset), decoded
    // as UTF-16 (a lone surrogate as U+FFFD). False, to decode in full, when either terminator or the status is missing.
    private static bool ReadPlainLookup(in EtlRecord record, ref SocketEvent e)
    {
        var payload = record.UserData;
        int nameEnd = TerminatorAt(payload);
        if (nameEnd < 0 || payload.Length - (nameEnd + 2) < 4) return false;
        uint status = BinaryPrimitives.ReadUInt32LittleEndian(payload[(nameEnd + 2)..]);
        var rest = payload[(nameEnd + 6)..];
        int resultEnd = TerminatorAt(rest);
        if (resultEnd < 0) return false;
        e = default;
        e.Source = SocketEventSource.NameResolution;
        e.Id = record.Id;
        e.Stamp = record.Timestamp;
        e.HeaderProcessId = record.ProcessId;
        e.Status = status;
        e.Text = Bounded(Encoding.Unicode.GetString(payload[..nameEnd]), MaxNameLength);
        e.Result = Bounded(Encoding.Unicode.GetString(rest[..resultEnd]), MaxResultLength);
        return true;
    }

    private static int TerminatorAt(ReadOnlySpan<byte> utf16)
    {
        int at = MemoryMarshal.Cast<byte, char>(utf16).IndexOf('\0');
        return at < 0 ? -1 : at * 2;
    }

    // Apart from TryRead, so the decoded event's locals cost the hot path nothing (no zeroing on every call).
    [MethodImpl(MethodImplOptions.NoInlining)]
    private static bool DecodeLookup(in EtlRecord record, EventDecoder decoder, ref SocketEvent e) =>
        decoder.SchemaOf(record) is { } names && ReadLookup(record, decoder.Decode(names, record.UserData, record.PointerSize), ref e);

    private static bool ReadLookup(in EtlRecord record, in DecodedEvent decoded, ref SocketEvent e)
    {
        int name = decoded.IndexOf("NodeName");
        if (name < 0 || !decoded.Has(name)) return false;
        e = default;
        e.Source = SocketEventSource.NameResolution;
        e.Id = record.Id;
        e.Stamp = record.Timestamp;
        e.HeaderProcessId = record.ProcessId;
        e.Status = (uint)decoded.Number(decoded.IndexOf("Status"));
        e.Text = Bounded(decoded.String(name)?.TrimEnd('\0'), MaxNameLength);
        int result = decoded.IndexOf("Result");
        e.Result = result >= 0 ? Bounded(decoded.String(result)?.TrimEnd('\0'), MaxResultLength) : null;
        return true;
    }

    // A DNS name has at most 253 characters; a longer one in a damaged or hostile event is cut, so the names kept
    // (up to AnalysisLimits.MaxNames of them) stay small. A result of a few hundred addresses is as long as any real one.
    private const int MaxNameLength = 255, MaxResultLength = 16_384;

    private static string? Bounded(string? text, int max) => text is { Length: var n } && n > max ? text[..max] : text;

    /// <summary>An event schema the analysis reads, with where its fields lie for each pointer size.</summary>
    private sealed class Known(EventSchema schema, SocketEventSource source, int[] indices)
    {
        public readonly EventSchema Schema = schema;
        public readonly SocketEventSource Source = source;
        public readonly int[] Indices = indices;
        private RoleLayout? _layout4, _layout8;
        private bool _made4, _made8;

        public RoleLayout? Layout(int pointerSize)
        {
            if (pointerSize == 8)
            {
                if (!_made8) { _layout8 = RoleLayout.TryCreate(Schema, Indices, 8); _made8 = true; }
                return _layout8;
            }
            if (!_made4) { _layout4 = RoleLayout.TryCreate(Schema, Indices, 4); _made4 = true; }
            return _layout4;
        }
    }

    private static SocketEventSource? SourceOf(EventSchema schema, ushort id)
    {
        var provider = schema.Provider.Guid;
        if (provider == Afd) return id >= 1000 ? SocketEventSource.Afd : SocketEventSource.AfdLegacy;
        if (provider == Sockets) return SocketEventSource.Sockets;
        return null;
    }

    private static void Fill<TSource>(in EtlRecord record, SocketEventSource source, ref TSource r, ref SocketEvent e)
        where TSource : IRoleSource, allows ref struct
    {
        ushort id = record.Id;
        e.Source = source;
        e.Id = id;
        e.Stamp = record.Timestamp;
        e.HeaderProcessId = record.ProcessId;
        e.Present = SocketEventFields.None;
        e.Text = null;
        e.Result = null;
        e.Exit = r.Number(Role.EnterExit) == 1;
        e.Process = r.Number(Role.Process);
        e.Status = (uint)r.Number(Role.Status);
        e.Location = (uint)r.Number(Role.Location);
        e.Buffer = r.Number(Role.Buffer);
        e.Length = r.Number(Role.BufferLength);
        e.Value = r.Number(Role.Value);
        e.Backlog = r.Number(Role.Backlog);
        e.Family = (int)r.Number(Role.AddressFamily);
        e.SocketType = (int)r.Number(Role.SocketType);
        e.Protocol = (int)r.Number(Role.Protocol);
        if (r.Has(Role.AddressFamily)) e.Present |= SocketEventFields.Family;
        if (r.Has(Role.SocketType)) e.Present |= SocketEventFields.SocketType;
        if (r.Has(Role.Protocol)) e.Present |= SocketEventFields.Protocol;
        if (r.Has(Role.Backlog)) e.Present |= SocketEventFields.Backlog;
        SetAddress(ref e, r.Bytes(Role.Address), r.Has(Role.Address));
        switch (source)
        {
            case SocketEventSource.Afd:
                e.Endpoint = r.Number(Role.Endpoint);
                e.Error = 0;
                e.Other = r.Number(Role.AcceptEndpoint);
                SetProcessId(ref e, ref r, Role.ProcessId);
                if (id == AfdEventIds.Abort) e.Text = Text(ref r, Role.Reason, AbortReasons);
                else if (id == AfdEventIds.DatagramDropWithAddress) e.Text = Text(ref r, Role.Reason, DropReasons);
                else if (id == AfdEventIds.Option) e.Text = Text(ref r, Role.Option, AfdOptions);
                break;
            case SocketEventSource.AfdLegacy:
                e.Endpoint = r.Number(id is LegacyAfdEventIds.ConnectionIndicatedV4 or LegacyAfdEventIds.ConnectionIndicatedV6 ? Role.ListenEndpoint : Role.Endpoint);
                e.Error = (uint)r.Number(Role.Error);
                e.Other = 0;
                SetProcessId(ref e, ref r, Role.UserModePid);
                if (id is LegacyAfdEventIds.DatagramDroppedV4 or LegacyAfdEventIds.DatagramDroppedV6) e.Length = r.Number(Role.PacketSize);
                var port = r.Bytes(Role.Port);
                if (port.Length == 2)
                {
                    e.Port = (ushort)(port[0] << 8 | port[1]);
                    e.Present |= SocketEventFields.Port;
                }
                if (id is 7 or 8) e.Text = Text(ref r, Role.Reason, AbortReasons);
                else if (id is LegacyAfdEventIds.DatagramDroppedV4 or LegacyAfdEventIds.DatagramDroppedV6) e.Text = Text(ref r, Role.Reason, DropReasons);
                else if (id == LegacyAfdEventIds.OptionSet) e.Text = Text(ref r, Role.Option, AfdOptions);
                break;
            default:
                e.Endpoint = r.Number(id == 6 ? Role.SocketAccepted : Role.Socket);
                e.Error = (uint)r.Number(Role.ErrorCode);
                e.Other = r.Number(Role.SocketListening);
                SetProcessId(ref e, ref r, Role.ProcessId);
                break;
        }
    }

    /// <summary>
    /// Fills <paramref name="e"/> from a kernel Process start or rundown event that names an image; false (and
    /// <paramref name="e"/> left as it was) for every other record.
    /// </summary>
    public static bool TryReadProcess(in EtlRecord record, ref SocketEvent e)
    {
        if (!record.Family.IsKernelKind() || record.Group != 3 || record.Opcode is not (1 or 3 or 4 or 39)) return false;
        ProcessTable.TryParse(record.UserData, record.PointerSize, record.Version, out ulong key, out uint pid, out string? image);
        if (image is null) return false;
        e = default;
        e.Source = SocketEventSource.Process;
        e.Stamp = record.Timestamp;
        e.HeaderProcessId = record.ProcessId;
        e.Process = key;
        e.ProcessId = pid;
        e.Text = image;
        return true;
    }

    private static void SetProcessId<TSource>(ref SocketEvent e, ref TSource r, Role role) where TSource : IRoleSource, allows ref struct
    {
        e.ProcessId = r.Number(role);
        if (r.Has(role)) e.Present |= SocketEventFields.ProcessId;
    }

    private static void SetAddress(ref SocketEvent e, ReadOnlySpan<byte> bytes, bool present)
    {
        if (!present)
        {
            e.AddressLength = 0;
            return;
        }
        int n = Math.Min(bytes.Length, AddressBytes.Length);
        bytes[..n].CopyTo(e.Address);
        e.AddressLength = (byte)n;
        e.Present |= SocketEventFields.Address;
    }

    // A value map of the event's own manifest first, then the Windows 7 manifest's (newer builds dropped the maps).
    private static string Text<TSource>(ref TSource r, Role role, IReadOnlyDictionary<ulong, string> fallback) where TSource : IRoleSource, allows ref struct
    {
        int index = r.Index(role);
        if (index < 0 || !r.Has(role)) return "";
        ulong value = r.Number(role);
        return r.Schema.Fields[index].Map?.Lookup(value)
            ?? (fallback.TryGetValue(value, out var text) ? text : value.ToString(CultureInfo.InvariantCulture));
    }
}
